from decimal import Decimal

from django.conf import settings
from django.contrib.postgres.indexes import GinIndex
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone

from core.models import (
    BaseModel,
    JSONDocumentField,
    SoftDeleteModel,
    TransactionNow,
    at_least,
    audited,
    choices_check,
)
from core.personal import DELETION_REASON, Personal, PersonalData
from interviews.models import ABOUT_THE_AI, Interview

SCORE = {
    "max_digits": 5,
    "decimal_places": 2,
    "validators": [MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
}


# Runs as the models load, before any test can watch it: `makemigrations --check`
# (in `make test`) catches any change in what it builds.
def score_range_check(field: str, *, name: str):  # pragma: no mutate block
    return models.CheckConstraint(
        condition=models.Q(**{f"{field}__gte": 0, f"{field}__lte": 100}), name=name
    )


#: The AI's judgements of a candidate in words: they go with the candidate's other
#: personal data when erased.
AI_JUDGEMENTS = (
    "strengths",
    "weaknesses",
    "integrity_flags",
    "ai_reasoning",
    "recommended_actions",
)
#: The scores stay: numbers by skill and level, anonymous once the candidate is erased.
SCORES_KEPT = "scores by skill and level, anonymous once the candidate is erased, for statistics"


class ReviewStatus(models.TextChoices):
    PENDING = "pending"
    APPROVED = "approved"
    OVERRIDDEN = "overridden"


@audited(
    model_name="AssessmentResultEvent",
    db_table="assessment_result_events",
    searched_by=("interview",),
)
class AssessmentResult(BaseModel, SoftDeleteModel):
    """The AI's scoring of one interview, and the human review of it."""

    ReviewStatus = ReviewStatus
    #: What the AI writes (through the API); the admin shows, never edits, them.
    AI_FIELDS = (
        "interview",
        "overall_score",
        "integrity_score",
        "skill_scores",
        "skill_boundary_map",
        "strengths",
        "weaknesses",
        "integrity_flags",
        "ai_reasoning",
        "recommended_actions",
        "generated_at",
        "ai_model",
        "prompt_version",
        "schema_version",
    )
    personal_data = PersonalData(
        erasure=(
            Personal(
                "the AI's reasoning about them (strengths, weaknesses, integrity flags, "
                "recommended actions) and the reviewer's notes",
                erased={**dict.fromkeys(AI_JUDGEMENTS), "review_notes": ""},
            ),
            DELETION_REASON,
        ),
        kept={
            **dict.fromkeys(("skill_scores", "skill_boundary_map"), SCORES_KEPT),
            **dict.fromkeys(("ai_model", "prompt_version"), ABOUT_THE_AI),
        },
    )
    #: What a human review writes (assessments.services.review_assessment), and only it.
    REVIEW_FIELDS = ("review_status", "final_score", "review_notes", "reviewed_by", "reviewed_at")
    #: What a reviewer decides.
    REVIEW_DECISIONS = (
        (ReviewStatus.APPROVED, "Approve the AI's score"),
        (ReviewStatus.OVERRIDDEN, "Override it with my score"),
    )

    interview = models.ForeignKey(Interview, on_delete=models.CASCADE, related_name="assessments")
    overall_score = models.DecimalField(**SCORE)
    skill_scores = JSONDocumentField(
        help_text='A JSON object, e.g. {"python": {"score": 82, "level": "advanced"}}.'
    )
    skill_boundary_map = JSONDocumentField(null=True, blank=True)
    strengths = JSONDocumentField(null=True, blank=True)
    weaknesses = JSONDocumentField(null=True, blank=True)
    integrity_flags = JSONDocumentField(null=True, blank=True)
    ai_reasoning = JSONDocumentField(null=True, blank=True)
    recommended_actions = JSONDocumentField(null=True, blank=True)
    integrity_score = models.DecimalField(**SCORE, null=True, blank=True)
    generated_at = models.DateTimeField(default=timezone.now, db_default=TransactionNow())
    schema_version = models.IntegerField(default=1, db_default=1, validators=[MinValueValidator(1)])
    review_status = models.CharField(
        max_length=20,
        choices=ReviewStatus,
        default=ReviewStatus.PENDING,
        db_default=ReviewStatus.PENDING,
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="reviewed_assessments",
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    final_score = models.DecimalField(
        **SCORE, null=True, blank=True, help_text="The reviewer's score when overridden."
    )
    review_notes = models.TextField(blank=True, default="", db_default="")
    ai_model = models.CharField(max_length=50, null=True, blank=True)  # noqa: DJ001 - NULL: not known
    prompt_version = models.CharField(max_length=50, null=True, blank=True)  # noqa: DJ001 - NULL: not known

    class Meta(SoftDeleteModel.Meta):
        db_table = "assessment_results"
        ordering = ["-generated_at"]
        permissions = [
            # Recruiters review (approve/override) without editing the AI's scores.
            ("review_assessmentresult", "Can review assessment results"),
        ]
        constraints = [
            # One live assessment per interview; soft-deleted ones stay as history.
            models.UniqueConstraint(
                fields=["interview"],
                condition=models.Q(deleted_at__isnull=True),
                name="assessment_results_one_live_per_interview",
                violation_error_code="unique",
                violation_error_message="This interview already has an assessment.",
            ),
            score_range_check("overall_score", name="assessment_results_overall_score_range"),
            score_range_check("integrity_score", name="assessment_results_integrity_score_range"),
            score_range_check("final_score", name="assessment_results_final_score_range"),
            models.CheckConstraint(
                condition=models.lookups.Exact(
                    models.Func(
                        "skill_scores", function="jsonb_typeof", output_field=models.TextField()
                    ),
                    "object",
                ),
                name="assessment_results_skill_scores_object",
                violation_error_message='Must be a JSON object, e.g. {"python": {...}}.',
            ),
            choices_check(
                "review_status", ReviewStatus, name="assessment_results_review_status_valid"
            ),
            # An override is a reviewer's score: it cannot exist without one.
            models.CheckConstraint(
                condition=~models.Q(review_status="overridden")
                | models.Q(final_score__isnull=False),
                name="assessment_results_override_has_score",
                violation_error_message="Required when review_status is overridden.",
            ),
            at_least("schema_version", 1, name="assessment_results_schema_version_positive"),
        ]
        indexes = [
            # The review queue (review_status=pending) and its filter.
            models.Index(fields=["review_status"], name="assessments_review_status_idx"),
            # min_score/max_score filters and best-first lists.
            models.Index(fields=["overall_score"], name="assessments_overall_score_idx"),
            # skill_scores__contains (@>). jsonb_path_ops makes one entry of each path to
            # a value, so {"python": {"level": "expert"}} finds just the documents with
            # that path; jsonb_ops holds "python", "level" and "expert" as three separate
            # entries and returns every document that has all three anywhere, to be
            # rechecked one by one (most of them, on scores by skill and level).
            GinIndex(
                fields=["skill_scores"],
                opclasses=["jsonb_path_ops"],
                name="assessments_skills_path_gin",
            ),
            # skill_scores__has_key (?), which jsonb_path_ops cannot answer: it holds no
            # key on its own. The planner uses it for a skill few documents have.
            GinIndex(fields=["skill_scores"], name="assessments_skill_scores_gin"),
            GinIndex(fields=["skill_boundary_map"], name="assessments_boundary_map_gin"),
            GinIndex(fields=["strengths"], name="assessments_strengths_gin"),
            GinIndex(fields=["weaknesses"], name="assessments_weaknesses_gin"),
            # integrity_flags__contains (@>), the one filter on the column.
            GinIndex(
                fields=["integrity_flags"],
                opclasses=["jsonb_path_ops"],
                name="assessments_integrity_path_gin",
            ),
            GinIndex(fields=["ai_reasoning"], name="assessments_ai_reasoning_gin"),
            GinIndex(fields=["recommended_actions"], name="assessments_recommended_gin"),
        ]

    constraint_error_fields = {
        "assessment_results_skill_scores_object": "skill_scores",
        "assessment_results_override_has_score": "final_score",
    }

    def __str__(self):
        return f"Assessment {self.overall_score} ({self.get_review_status_display()})"

    def clean(self):
        super().clean()
        # The other half of the override rule is the constraint above.
        if self.final_score is not None and self.review_status != ReviewStatus.OVERRIDDEN:
            raise ValidationError({"final_score": "Only an override carries a final score."})
