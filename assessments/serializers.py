from rest_framework import serializers

from assessments.models import SCORE, AssessmentResult
from core.api import ModelCleanMixin, PortalSerializer, StrictCharField
from interviews.models import Interview

REVIEW_FIELDS = ["review_status", "reviewed_by", "reviewed_at", "final_score", "review_notes"]


class AssessmentResultSerializer(ModelCleanMixin, PortalSerializer):
    class Meta:
        model = AssessmentResult
        fields = [
            "id",
            "interview",
            "overall_score",
            "skill_scores",
            "skill_boundary_map",
            "strengths",
            "weaknesses",
            "integrity_flags",
            "ai_reasoning",
            "recommended_actions",
            "integrity_score",
            "generated_at",
            "schema_version",
            *REVIEW_FIELDS,
            "ai_model",
            "prompt_version",
            "created_at",
            "updated_at",
            "deleted_at",
            "deleted_by",
            "deletion_reason",
        ]
        # Reviews go through the review action, which records who and when.
        read_only_fields = [*REVIEW_FIELDS, "deleted_at", "deleted_by", "deletion_reason"]
        extra_kwargs = {"interview": {"queryset": Interview.objects.all()}}
        # The one-live-assessment rule is checked below (the partial unique index).
        validators = []

    def validate_skill_scores(self, value):
        if not isinstance(value, dict):
            raise serializers.ValidationError('Must be a JSON object, e.g. {"python": {...}}.')
        return value

    def validate_interview(self, interview):
        live = AssessmentResult.objects.filter(interview=interview)
        if self.instance is not None:
            live = live.exclude(pk=self.instance.pk)
        if live.exists():
            raise serializers.ValidationError("This interview already has an assessment.")
        return interview


class ReviewSerializer(serializers.Serializer):
    review_status = serializers.ChoiceField(
        choices=[AssessmentResult.ReviewStatus.APPROVED, AssessmentResult.ReviewStatus.OVERRIDDEN]
    )
    final_score = serializers.DecimalField(
        max_digits=SCORE["max_digits"],
        decimal_places=SCORE["decimal_places"],
        min_value=0,
        max_value=100,
        required=False,
        allow_null=True,
        help_text="Required when overriding: the reviewer's score, 0 to 100.",
    )
    review_notes = StrictCharField(required=False, allow_blank=True, default="")

    def validate(self, attrs):
        overriding = attrs["review_status"] == AssessmentResult.ReviewStatus.OVERRIDDEN
        score = attrs.get("final_score")
        if overriding and score is None:
            raise serializers.ValidationError(
                {"final_score": ["Required when review_status is overridden."]}
            )
        if not overriding and score is not None:
            raise serializers.ValidationError(
                {"final_score": ["Only an override carries a final score."]}
            )
        return attrs
