"""Assessment reviews that race another connection; see tests/concurrency.py."""

import pytest
from django.contrib.auth.models import User
from rest_framework.test import APIClient

from assessments.models import AssessmentResult
from tests.concurrency import HeldTransaction, InThread, wait_until_blocked_by

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_review_queued_behind_a_deletion_answers_404_and_records_nothing(assessment):
    """A review never lands on an assessment deleted meanwhile: 404, no reviewer stored.

    The view found the assessment live; the service re-reads it under a row lock,
    which waits for the deletion and then no longer finds it.
    """
    reviewer = User.objects.create_superuser("reviewer", "reviewer@example.com", "x9-unused")
    client = APIClient()
    client.force_authenticate(reviewer)

    with HeldTransaction(lambda: assessment.soft_delete(reason="superseded")) as deleter:
        review = InThread(
            client.post,
            f"/api/v1/assessments/{assessment.pk}/review/",
            {"review_status": "overridden", "final_score": "61.00", "review_notes": "Late."},
            format="json",
        )
        wait_until_blocked_by(deleter.pid, waiter=review)
        deleter.commit()

    response = review.result()
    assert response.status_code == 404, response.content
    stored = AssessmentResult.all_objects.get(pk=assessment.pk)
    assert stored.deletion_reason == "superseded"
    assert (stored.review_status, stored.reviewed_by, stored.reviewed_at) == ("pending", None, None)
    assert (stored.final_score, stored.review_notes) == (None, "")
