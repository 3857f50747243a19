from rest_framework import serializers

from assessments.models import AssessmentResult
from core.api import ModelCleanMixin, PortalSerializer
from core.models import DELETION_FIELDS, TIMESTAMP_FIELDS
from interviews.models import Interview


class AssessmentResultSerializer(ModelCleanMixin, PortalSerializer):
    class Meta:
        model = AssessmentResult
        fields = [
            "id",
            *AssessmentResult.AI_FIELDS,
            *AssessmentResult.REVIEW_FIELDS,
            *TIMESTAMP_FIELDS,
            *DELETION_FIELDS,
        ]
        # Reviews go through the review action, which records who and when.
        read_only_fields = AssessmentResult.REVIEW_FIELDS
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
