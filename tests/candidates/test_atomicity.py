"""Candidates' multi-step writes are all or nothing: a failure part-way leaves no trace.

Each test makes one step fail inside the database (tests/failing_writes.py) and
compares every touched table before and after.
"""

import pytest
from django.contrib.auth.models import User
from knox.models import AuthToken
from rest_framework.test import APIClient

from candidates.models import Candidate
from core.admin import REFUSED_MESSAGE
from tests.failing_writes import Snapshot, failing_write

PASSWORD = "an4lytical-engine"
CONFLICT = {
    "detail": "The request conflicts with data stored meanwhile (a uniqueness or "
    "consistency rule). Re-read the resource and try again."
}
CHANGELIST = "/admin/candidates/candidate/"

# Committed as in production (no request-wide transaction): a write that is not
# atomic would leave its first steps written, for the snapshot to see. Callers are
# superusers: the groups a data migration makes do not survive the flush after
# each such test.
pytestmark = pytest.mark.django_db(transaction=True)


def assert_login_still_works(candidate: Candidate, token: str) -> None:
    """The candidate's token still works, and their password still gets a new one."""
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    own = client.get(f"/api/v1/candidates/{candidate.pk}/")
    assert own.status_code == 200
    assert (own.json()["full_name"], own.json()["email"]) == (candidate.full_name, candidate.email)
    issued = APIClient().post(
        "/api/v1/auth/token/",
        {"username": candidate.email, "password": PASSWORD},
        format="json",
    )
    assert issued.status_code == 200, issued.json()
    assert set(issued.json()) == {"token", "expiry"}


def test_the_admin_soft_deletes_all_of_the_selection_or_none(
    admin_client, candidate, other_candidate
):
    """Bulk soft delete with a reason: the second row failing undoes the first."""
    before = Snapshot()

    with failing_write("candidates", "UPDATE", when="NEW.deleted_at IS NOT NULL", nth=2):
        response = admin_client.post(
            CHANGELIST,
            {
                "action": "soft_delete_selected",
                "_selected_action": [str(candidate.pk), str(other_candidate.pk)],
                "confirm": "yes",
                "reason": "Duplicate records",
            },
            follow=True,
        )

    assert response.redirect_chain == [(CHANGELIST, 302)]
    assert [(m.level_tag, str(m)) for m in response.context["messages"]] == [
        ("error", REFUSED_MESSAGE)
    ]
    before.assert_unchanged()
    assert Candidate.objects.count() == 2


def test_a_candidate_that_cannot_be_stored_leaves_no_login(admin_api):
    """Creation with a password: the login is made first, and goes if the candidate fails."""
    before = Snapshot()

    with failing_write("candidates", "INSERT"):
        response = admin_api.post(
            "/api/v1/candidates/",
            {"email": "grace@example.com", "full_name": "Grace Hopper", "password": PASSWORD},
            format="json",
        )

    assert (response.status_code, response.json()) == (409, CONFLICT)
    before.assert_unchanged()
    assert not User.objects.filter(username="grace@example.com").exists()


def test_a_login_that_cannot_be_renamed_keeps_the_candidates_email(admin_api, candidate):
    """An email change moves the candidate and their login together, or neither."""
    candidate.user = User.objects.create_user(candidate.email, password=PASSWORD)
    candidate.save(update_fields=["user", "updated_at"])
    _instance, token = AuthToken.objects.create(user=candidate.user)
    before = Snapshot()

    with failing_write("auth_user", "UPDATE"):
        response = admin_api.patch(
            f"/api/v1/candidates/{candidate.pk}/",
            {"email": "ada.king@example.com"},
            format="json",
        )

    assert (response.status_code, response.json()) == (409, CONFLICT)
    before.assert_unchanged()
    assert_login_still_works(candidate, token)


def test_a_restore_that_cannot_be_recorded_restores_nothing(admin_api, candidate):
    """Restoring writes the row and its audit record together, or neither (409)."""
    candidate.soft_delete(reason="Asked us to")
    before = Snapshot()

    # Refuse the audit record of the restored row: a restore written in several steps
    # would have recorded (and kept) the others before it.
    restored = "NEW.deleted_at IS NULL AND NEW.status = 'active'"
    with failing_write("candidate_events", "INSERT", when=restored):
        response = admin_api.post(f"/api/v1/candidates/{candidate.pk}/restore/")

    assert (response.status_code, response.json()) == (409, CONFLICT)
    before.assert_unchanged()
    assert Candidate.all_objects.get(pk=candidate.pk).status == Candidate.Status.DELETED
