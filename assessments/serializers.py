from rest_framework import serializers

from assessments.models import AssessmentResult
from core.api import ModelCleanMixin, PortalSerializer
from interviews.models import Interview


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
            *AssessmentResult.REVIEW_FIELDS,
            "ai_model",
            "prompt_version",
            "created_at",
            "updated_at",
            "deleted_at",
            "deleted_by",
            "deletion_reason",
        ]
        # Reviews go through the review action, which records who and when.
        read_only_fields = [
            *AssessmentResult.REVIEW_FIELDS,
        ]
        extra_kwargs = {"interview": {"queryset": Interview.objects.all()}}


class ReviewSerializer(PortalSerializer):
    """A reviewer's decision; the model's rules say what it may hold."""

    review_status = serializers.ChoiceField(choices=AssessmentResult.REVIEW_DECISIONS)

    class Meta:
        model = AssessmentResult
        fields = ["review_status", "final_score", "review_notes"]
        extra_kwargs = {
            "final_score": {
                "help_text": "Required when overriding: the reviewer's score, 0 to 100."
            }
        }
