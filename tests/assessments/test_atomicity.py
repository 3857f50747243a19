"""A review is all or nothing: if its audit record cannot be written, nothing is recorded.

The test makes the step fail inside the database (tests/failing_writes.py) and
compares every touched table before and after.
"""

import pytest

from core.admin import REFUSED_MESSAGE
from tests.failing_writes import Snapshot, failing_write

CONFLICT = {
    "detail": "The request conflicts with data stored meanwhile (a uniqueness or "
    "consistency rule). Re-read the resource and try again."
}

# Committed as in production (no request-wide transaction): a write that is not
# atomic would leave its first steps written, for the snapshot to see. Callers are
# superusers: the groups a data migration makes do not survive the flush after
# each such test.
pytestmark = pytest.mark.django_db(transaction=True)

#: The audit record of a finished review: a review written in several steps would
#: have recorded (and kept) the others before it.
REVIEWED = "NEW.review_status = 'overridden' AND NEW.reviewed_at IS NOT NULL"


def test_a_review_that_cannot_be_recorded_records_nothing(admin_api, assessment):
    """Through the API: 409, and the assessment is still pending, with no reviewer."""
    before = Snapshot()

    with failing_write("assessment_result_events", "INSERT", when=REVIEWED):
        response = admin_api.post(
            f"/api/v1/assessments/{assessment.pk}/review/",
            {"review_status": "overridden", "final_score": "64.00", "review_notes": "Weak SQL."},
            format="json",
        )

    assert (response.status_code, response.json()) == (409, CONFLICT)
    before.assert_unchanged()
    shown = admin_api.get(f"/api/v1/assessments/{assessment.pk}/").json()
    assert (shown["review_status"], shown["reviewed_by"], shown["final_score"]) == (
        "pending",
        None,
        None,
    )


def test_an_admin_review_that_cannot_be_recorded_records_nothing(admin_client, assessment):
    """Through the admin's review form, the same: nothing recorded."""
    before = Snapshot()

    with failing_write("assessment_result_events", "INSERT", when=REVIEWED):
        response = admin_client.post(
            f"/admin/assessments/assessmentresult/{assessment.pk}/review/",
            {"review_status": "overridden", "final_score": "64.00", "review_notes": "Weak SQL."},
            follow=True,
        )

    assert response.redirect_chain == [
        (f"/admin/assessments/assessmentresult/{assessment.pk}/change/", 302)
    ]
    assert [str(message) for message in response.context["messages"]] == [REFUSED_MESSAGE]
    before.assert_unchanged()
