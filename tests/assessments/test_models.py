from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from model_bakery import baker

from assessments.models import AssessmentResult
from tests.dbutils import assert_refused_by_database


@pytest.mark.parametrize(
    ("assignment", "constraint"),
    [
        ("overall_score = 101", "assessment_results_overall_score_range"),
        ("overall_score = -0.01", "assessment_results_overall_score_range"),
        ("integrity_score = 100.01", "assessment_results_integrity_score_range"),
        ("final_score = -1, review_status = 'overridden'", "assessment_results_final_score_range"),
        ("review_status = 'rejected'", "assessment_results_review_status_valid"),
        ("review_status = 'overridden'", "assessment_results_override_has_score"),
        ("skill_scores = '[1, 2]'", "assessment_results_skill_scores_object"),
        ("skill_scores = '\"python\"'", "assessment_results_skill_scores_object"),
        ("schema_version = 0", "assessment_results_schema_version_positive"),
    ],
)
def test_database_refuses_invalid_assessment_columns(assessment, assignment, constraint):
    assert_refused_by_database(
        f"UPDATE assessment_results SET {assignment} WHERE id = %s", [assessment.pk], constraint
    )


def _second_assessment(interview) -> AssessmentResult:
    return AssessmentResult(
        interview=interview, overall_score=Decimal("50"), skill_scores={"python": {"score": 50}}
    )


def test_database_refuses_a_second_live_assessment(assessment):
    with pytest.raises(IntegrityError, match="assessment_results_one_live_per_interview"):
        _second_assessment(assessment.interview).save()


def test_a_soft_deleted_assessment_makes_room_for_a_new_one(assessment):
    assessment.soft_delete(reason="scored with the wrong prompt")
    replacement = _second_assessment(assessment.interview)
    replacement.full_clean()
    replacement.save()
    assert list(AssessmentResult.objects.filter(interview=assessment.interview)) == [replacement]
    assert AssessmentResult.all_objects.filter(interview=assessment.interview).count() == 2


def test_full_clean_reports_a_second_live_assessment_on_interview(assessment):
    with pytest.raises(ValidationError) as excinfo:
        _second_assessment(assessment.interview).full_clean()
    assert list(excinfo.value.message_dict) == ["interview"]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("overall_score", Decimal("101")),
        ("overall_score", Decimal("-1")),
        ("integrity_score", Decimal("100.5")),
        ("final_score", Decimal("-0.5")),
        ("review_status", "rejected"),
        ("skill_scores", ["python", "sql"]),
    ],
)
def test_full_clean_reports_invalid_assessment_field(assessment, field, value):
    setattr(assessment, field, value)
    with pytest.raises(ValidationError) as excinfo:
        assessment.full_clean()
    assert list(excinfo.value.message_dict) == [field]


def test_full_clean_requires_a_final_score_for_an_override(assessment):
    assessment.review_status = AssessmentResult.ReviewStatus.OVERRIDDEN
    with pytest.raises(ValidationError) as excinfo:
        assessment.full_clean()
    assert list(excinfo.value.message_dict) == ["final_score"]


def test_scores_are_decimals_not_floats(assessment):
    assessment.refresh_from_db()
    assert assessment.overall_score == Decimal("78.50")
    assert isinstance(assessment.overall_score, Decimal)


def test_soft_deleted_assessment_is_hidden(assessment):
    reviewer = baker.make("auth.User", is_staff=True)
    with transaction.atomic():
        assessment.soft_delete(by=reviewer, reason="duplicate")
    assert not AssessmentResult.objects.filter(pk=assessment.pk).exists()
    assert assessment.interview.assessments.count() == 0
