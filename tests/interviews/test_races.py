"""Interview writes that race another connection: each waits for the lock, then decides.

Every test holds a lock (or an uncommitted write) on a connection of its own, sees the
request queue behind it, and only then lets it go; see tests/concurrency.py.
"""

import pytest
from django.contrib.auth.models import User
from rest_framework.test import APIClient

from interviews import services
from interviews.models import Interview, InterviewMessage, InterviewSession
from tests.concurrency import HeldTransaction, InThread, wait_until_blocked_by

pytestmark = pytest.mark.django_db(transaction=True)

QUESTION = {"message_type": "ai_question", "content_text": "What does the GIL protect?"}


@pytest.fixture
def engine(db) -> User:
    return User.objects.create_superuser("engine", "engine@example.com", "x9-unused")


def _client(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def messages_url(interview) -> str:
    return f"/api/v1/interviews/{interview.pk}/messages/"


def session_url(interview) -> str:
    return f"/api/v1/interviews/{interview.pk}/session/"


def test_a_move_on_an_interview_deleted_meanwhile_answers_404(interview_in_progress, engine):
    """A row soft-deleted while the move waited for its lock is gone: 404, nothing moves.

    The view found the interview; the service's locked re-read, run after the
    deletion committed, no longer does (the default manager hides deleted rows).
    """
    with HeldTransaction(lambda: interview_in_progress.soft_delete(reason="booked twice")) as other:
        abandon = InThread(
            _client(engine).post, f"/api/v1/interviews/{interview_in_progress.pk}/abandon/"
        )
        wait_until_blocked_by(other.pid, waiter=abandon)
        other.commit()

    response = abandon.result()
    assert response.status_code == 404, response.content
    stored = Interview.all_objects.get(pk=interview_in_progress.pk)
    assert (stored.status, stored.completed_at) == (Interview.Status.IN_PROGRESS, None)
    assert stored.deletion_reason == "booked twice"


def test_an_append_queued_behind_a_completion_answers_409_and_stores_nothing(
    interview_in_progress, engine
):
    """No message lands after the interview ended, even one sent as it was ending.

    The append reads the status under the interview's row lock, so it waits for the
    completion and then sees it.
    """
    with HeldTransaction(lambda: services.complete_interview(interview_in_progress)) as other:
        append = InThread(
            _client(engine).post, messages_url(interview_in_progress), QUESTION, format="json"
        )
        wait_until_blocked_by(other.pid, waiter=append)
        other.commit()

    response = append.result()
    assert response.status_code == 409, response.content
    assert response.json() == {
        "detail": "Messages can only be appended to an interview in progress; "
        "this one is completed."
    }
    assert not InterviewMessage.objects.filter(interview=interview_in_progress).exists()


def test_an_append_queued_behind_another_gets_the_next_number(interview_in_progress, engine):
    """Sequence numbers have no gap and no duplicate: appends take turns on the row lock.

    The queued append asked for its number before message #1 existed; it must still
    get #2, which only numbering it under the lock can give.
    """

    def lock_the_interview():
        # The lock an append takes, held by another append that has not written yet.
        Interview.objects.select_for_update(no_key=True).get(pk=interview_in_progress.pk)

    with HeldTransaction(lock_the_interview) as other:
        second = InThread(
            _client(engine).post,
            messages_url(interview_in_progress),
            {"message_type": "candidate_response", "content_text": "It protects refcounts."},
            format="json",
        )
        wait_until_blocked_by(other.pid, waiter=second)
        first, created = other.run(services.append_message, interview_in_progress, **QUESTION)
        other.commit()

    response = second.result()
    assert (first.sequence_number, created) == (1, True)
    assert response.status_code == 201, response.content
    assert response.json()["sequence_number"] == 2
    assert list(
        InterviewMessage.objects.filter(interview=interview_in_progress)
        .order_by("sequence_number")
        .values_list("sequence_number", "message_type")
    ) == [(1, "ai_question"), (2, "candidate_response")]


def test_two_writers_with_the_same_etag_cannot_both_win(interview_in_progress, engine):
    """With If-Match, of two workers that read the same version exactly one writes.

    The first PATCH is made and left uncommitted; the second, carrying the same
    ETag, queues on the session row and, once the first commits, finds the version
    moved on: 412, and the session holds the winner's fields.
    """
    url = session_url(interview_in_progress)
    etag = _client(engine).get(url)["ETag"]
    winner_changes = {"current_difficulty_level": "advanced", "questions_asked_count": 5}
    loser_changes = {"current_difficulty_level": "standard", "questions_asked_count": 9}

    with HeldTransaction(
        lambda: _client(engine).patch(url, winner_changes, format="json", HTTP_IF_MATCH=etag)
    ) as winner:
        loser = InThread(
            _client(engine).patch, url, loser_changes, format="json", HTTP_IF_MATCH=etag
        )
        wait_until_blocked_by(winner.pid, waiter=loser)
        winner.commit()

    assert winner.result.status_code == 200, winner.result.content
    response = loser.result()
    assert response.status_code == 412, response.content
    assert response.json() == {
        "detail": f"The session is no longer at version {etag.strip(chr(34))}; read it again."
    }
    session = InterviewSession.objects.get(interview=interview_in_progress)
    assert session.current_difficulty_level == "advanced"
    assert session.questions_asked_count == 5
    assert f'"{session.version}"' == winner.result["ETag"] != etag


def test_an_append_in_flight_does_not_hold_up_records_that_point_at_the_interview(
    interview_in_progress, engine
):
    """The append's lock is FOR NO KEY UPDATE: rows that merely reference the interview
    (the AI's agent actions, an assessment) are written meanwhile, not queued."""
    with HeldTransaction(
        lambda: services.append_message(
            interview_in_progress, message_type="ai_question", content_text="Held"
        )
    ):
        # Answered while the append still holds its lock (or the deadline fails the test).
        recorded = InThread(
            _client(engine).post,
            "/api/v1/agent-actions/",
            {
                "interview": str(interview_in_progress.pk),
                "agent_type": "interviewer",
                "action": "ask_question",
                "status": "succeeded",
            },
            format="json",
        ).result(timeout=10)

    assert recorded.status_code == 201, recorded.content
