"""Interviews' multi-step writes are all or nothing: a failure part-way leaves no trace.

Each test makes one step fail inside the database (tests/failing_writes.py) and
compares every touched table before and after.
"""

import uuid

import pytest

from core.admin import REFUSED_MESSAGE
from interviews import services
from interviews.models import Interview, InterviewMessage
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


def test_an_interview_without_its_session_is_not_created(admin_api, candidate, resume):
    """Creating an interview writes it and its session together (409, nothing stored)."""
    before = Snapshot()

    with failing_write("interview_sessions", "INSERT"):
        response = admin_api.post(
            "/api/v1/interviews/",
            {"candidate": str(candidate.pk), "resume": str(resume.pk), "role_type": "python"},
            format="json",
        )

    assert (response.status_code, response.json()) == (409, CONFLICT)
    before.assert_unchanged()
    assert not Interview.all_objects.exists()


def test_the_admin_creates_no_interview_without_its_session(admin_client, candidate):
    """The admin's add form goes through the same service: no interview without a session."""
    before = Snapshot()

    with failing_write("interview_sessions", "INSERT"):
        response = admin_client.post(
            "/admin/interviews/interview/add/",
            {
                "candidate": str(candidate.pk),
                "resume": "",
                "role_type": "python",
                "scheduled_for_0": "2026-12-01",
                "scheduled_for_1": "09:00:00",
                "ai_model_used": "",
                "total_tokens_used": 0,
                "cost_usd": "0",
            },
            follow=True,
        )

    assert response.redirect_chain == [("/admin/interviews/interview/add/", 302)]
    assert [str(message) for message in response.context["messages"]] == [REFUSED_MESSAGE]
    before.assert_unchanged()
    assert not Interview.all_objects.exists()


@pytest.mark.parametrize(
    ("move", "starting_status", "target"),
    [
        ("start", "scheduled", "in_progress"),
        ("complete", "in_progress", "completed"),
        ("abandon", "in_progress", "abandoned"),
    ],
)
def test_a_status_move_that_cannot_be_recorded_moves_nothing(
    admin_api, interview, move, starting_status, target
):
    """A status move and its audit record are written together: no status, no timestamps."""
    if starting_status == "in_progress":
        services.start_interview(interview)
    before = Snapshot()

    # Refuse the audit record of the new status: a move written in several steps
    # would have recorded (and kept) the others before it.
    with failing_write("interview_events", "INSERT", when=f"NEW.status = '{target}'"):
        response = admin_api.post(f"/api/v1/interviews/{interview.pk}/{move}/")

    assert (response.status_code, response.json()) == (409, CONFLICT)
    before.assert_unchanged()
    shown = admin_api.get(f"/api/v1/interviews/{interview.pk}/").json()
    assert shown["status"] == starting_status
    assert (shown["completed_at"], shown["duration_seconds"]) == (None, None)
    assert (shown["started_at"] is None) == (starting_status == "scheduled")


def test_a_session_write_that_cannot_be_recorded_changes_nothing(admin_api, interview):
    """A session update, its new version and its audit record go together, or not at all."""
    before = Snapshot()

    # Refuse the audit record of the new level: a write split into several steps
    # would have kept the others.
    with failing_write(
        "interview_session_events",
        "INSERT",
        when="NEW.current_difficulty_level = 'advanced'",
    ):
        response = admin_api.patch(
            f"/api/v1/interviews/{interview.pk}/session/",
            {"current_difficulty_level": "advanced", "conversation_memory": {"turn": 3}},
            format="json",
            HTTP_IF_MATCH='"1"',
        )

    assert (response.status_code, response.json()) == (409, CONFLICT)
    before.assert_unchanged()
    session = admin_api.get(f"/api/v1/interviews/{interview.pk}/session/")
    assert session["ETag"] == '"1"'
    assert session.json()["current_difficulty_level"] == "warmup"


def test_a_failed_append_stores_nothing_and_its_retry_stores_once(admin_api, interview_in_progress):
    """An append with an Idempotency-Key that fails stores nothing and does not burn the key."""
    url = f"/api/v1/interviews/{interview_in_progress.pk}/messages/"
    key = str(uuid.uuid4())
    body = {
        "message_type": "candidate_response",
        "content_text": "A generator keeps its frame alive between calls.",
        "content_audio_url": "https://audio.example.com/answer-1.ogg",
        "metadata": {"confidence": 0.9},
    }

    def append():
        return admin_api.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY=key)

    before = Snapshot()
    with failing_write("interview_messages", "INSERT"):
        failed = append()

    assert (failed.status_code, failed.json()) == (409, CONFLICT)
    before.assert_unchanged()

    stored, repeated = append(), append()
    assert stored.status_code == 201, stored.json()
    assert repeated.status_code == 200
    assert repeated.json() == stored.json()
    assert stored.json()["sequence_number"] == 1
    assert list(InterviewMessage.objects.values_list("client_message_id", flat=True)) == [
        uuid.UUID(key)
    ]
