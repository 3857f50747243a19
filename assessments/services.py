"""Writes to assessments that are more than a save()."""

from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from assessments.models import AssessmentResult
from core.personal import erase


@transaction.atomic
def review_assessment(
    assessment: AssessmentResult,
    *,
    reviewer,
    review_status: str,
    final_score: Decimal | None = None,
    review_notes: str = "",
) -> AssessmentResult:
    """Record a human review: approve the AI's score, or override it with one's own.

    The model's rules decide what a review may say (an override needs a score, an
    approval carries none); a review they refuse raises ValidationError.
    """
    assessment = AssessmentResult.objects.select_for_update().get(pk=assessment.pk)
    assessment.review_status = review_status
    assessment.final_score = final_score
    assessment.review_notes = review_notes
    assessment.reviewed_by = reviewer
    assessment.reviewed_at = timezone.now()
    assessment.clean()
    assessment.validate_constraints(
        exclude=[f.name for f in assessment._meta.fields if f.name not in assessment.REVIEW_FIELDS]
    )
    assessment.save(update_fields=[*AssessmentResult.REVIEW_FIELDS, "updated_at"])
    return assessment


def erase_candidate_data(candidate) -> None:
    """Assessments' part of erasing a candidate (privacy.services.erase_candidate).

    The AI's judgements in words and the reviewer's notes go, here and in the change
    history; the scores, the review's decision and who made it stay, anonymous.
    """
    erase(AssessmentResult.all_objects.filter(interview__candidate=candidate))
