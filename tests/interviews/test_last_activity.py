"""The session's last_activity_at: moved by every transcript append and every session write.

An append moves it in its own statement (a trigger on the message's insert), without
raising the session's version or writing its audit history.
"""

import uuid
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from interviews import services
from interviews.models import InterviewSession
from tests.concurrency import HeldTransaction, InThread, wait_until_blocked_by
from tests.failing_writes import Snapshot, failing_write

QUESTION = {"message_type": "ai_question", "content_text": "What does the GIL protect?"}
CONFLICT = {
    "detail": "The request conflicts with data stored meanwhile (a uniqueness or "
    "consistency rule). Re-read the resource and try again."
}


def _messages_url(interview) -> str:
    return f"/api/v1/interviews/{interview.pk}/messages/"


def _session_url(interview) -> str:
    return f"/api/v1/interviews/{interview.pk}/session/"


def _session(interview) -> InterviewSession:
    return InterviewSession.objects.get(interview=interview)


def _history(interview) -> list:
    return list(
        InterviewSession.pgh_event_model.objects.filter(pgh_obj__interview=interview)
        .order_by("pgh_id")
        .values()
    )


def _set_last_activity(interview, when) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE interview_sessions SET last_activity_at = %s WHERE interview_id = %s",
            [when, interview.pk],
        )


def _insert_message(interview, number: int, created_at_sql: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO interview_messages"
            " (interview_id, session_id, sequence_number, message_type, content_text, created_at)"
            f" SELECT interview_id, id, %s, 'ai_question', 'Why?', {created_at_sql}"
            " FROM interview_sessions WHERE interview_id = %s",
            [number, interview.pk],
        )


class TestAppend:
    def test_an_append_moves_it_to_the_message_time(self, engine_api, interview_in_progress):
        before = _session(interview_in_progress)

        response = engine_api.post(_messages_url(interview_in_progress), QUESTION, format="json")

        assert response.status_code == 201
        session = engine_api.get(_session_url(interview_in_progress)).json()
        assert session["last_activity_at"] == response.json()["created_at"]
        assert parse_datetime(session["last_activity_at"]) > before.last_activity_at
        # The session's row changed, so its updated_at moved too.
        assert parse_datetime(session["updated_at"]) > before.updated_at

    def test_an_append_keeps_the_version_the_engine_holds(self, engine_api, interview_in_progress):
        """The engine's next If-Match write still succeeds after an append (SPEC §4.5)."""
        read = engine_api.get(_session_url(interview_in_progress))
        engine_api.post(_messages_url(interview_in_progress), QUESTION, format="json")

        response = engine_api.patch(
            _session_url(interview_in_progress),
            {"questions_asked_count": 1},
            format="json",
            HTTP_IF_MATCH=read["ETag"],
        )

        assert (read["ETag"], response.status_code, response["ETag"]) == ('"1"', 200, '"2"')

    def test_an_append_writes_no_history_of_the_session(self, engine_api, interview_in_progress):
        history = _history(interview_in_progress)
        before = _session(interview_in_progress).last_activity_at

        engine_api.post(_messages_url(interview_in_progress), QUESTION, format="json")

        assert _session(interview_in_progress).last_activity_at > before
        assert _history(interview_in_progress) == history

    def test_a_retried_append_moves_nothing(self, engine_api, interview_in_progress):
        """A retry stores nothing: the activity was the first attempt's."""
        url = _messages_url(interview_in_progress)
        key = str(uuid.uuid4())
        first = engine_api.post(url, QUESTION, format="json", HTTP_IDEMPOTENCY_KEY=key)
        earlier = timezone.now() - timedelta(hours=1)
        _set_last_activity(interview_in_progress, earlier)

        retry = engine_api.post(url, QUESTION, format="json", HTTP_IDEMPOTENCY_KEY=key)

        assert (first.status_code, retry.status_code) == (201, 200)
        assert _session(interview_in_progress).last_activity_at == earlier

    def test_a_message_written_by_sql_moves_it_too(self, interview_in_progress):
        _insert_message(interview_in_progress, 1, "clock_timestamp()")

        session = _session(interview_in_progress)
        [message] = session.messages.all()
        assert session.last_activity_at == message.created_at
        assert session.version == 1

    def test_an_older_message_does_not_move_it_back(self, interview_in_progress):
        before = _session(interview_in_progress)

        _insert_message(interview_in_progress, 1, "clock_timestamp() - interval '1 hour'")

        after = _session(interview_in_progress)
        assert (after.last_activity_at, after.updated_at) == (
            before.last_activity_at,
            before.updated_at,
        )

    def test_setting_it_alone_is_no_write_of_the_state(self, interview_in_progress):
        """What the append does by its trigger, SQL may do too: the version stays."""
        when = timezone.now() + timedelta(minutes=5)

        _set_last_activity(interview_in_progress, when)

        session = _session(interview_in_progress)
        assert (session.last_activity_at, session.version) == (when, 1)


class TestSessionWrite:
    def test_a_patch_moves_it(self, engine_api, interview):
        before = _session(interview).last_activity_at

        response = engine_api.patch(
            _session_url(interview), {"questions_asked_count": 1}, format="json"
        )

        assert response.status_code == 200
        stored = _session(interview)
        assert parse_datetime(response.json()["last_activity_at"]) == stored.last_activity_at
        assert stored.last_activity_at > before
        assert stored.last_activity_at == stored.updated_at

    def test_a_patch_naming_no_field_moves_it_and_raises_the_version(self, engine_api, interview):
        before = _session(interview).last_activity_at

        response = engine_api.patch(_session_url(interview), {}, format="json")

        assert (response.status_code, response["ETag"]) == (200, '"2"')
        assert _session(interview).last_activity_at > before

    def test_a_patch_may_set_it(self, engine_api, interview):
        when = "2031-05-04T03:02:01.123456Z"

        response = engine_api.patch(
            _session_url(interview), {"last_activity_at": when}, format="json"
        )

        assert (response.status_code, response.json()["last_activity_at"]) == (200, when)
        assert _session(interview).last_activity_at == parse_datetime(when)

    @pytest.mark.parametrize(
        "column",
        [
            field.column
            for field in InterviewSession._meta.concrete_fields
            if field.name != "last_activity_at"
        ],
    )
    def test_writing_any_other_column_raises_the_version(self, interview, column):
        """A new column of the session counts as state without editing this test."""
        with connection.cursor() as cursor:
            cursor.execute(
                f'UPDATE interview_sessions SET "{column}" = "{column}" WHERE interview_id = %s',
                [interview.pk],
            )

        assert _session(interview).version == 2


@pytest.mark.django_db(transaction=True)
def test_an_append_whose_activity_cannot_be_written_stores_nothing(
    admin_api, interview_in_progress
):
    """The message and the move of last_activity_at are one write: both or neither."""
    before = Snapshot()

    with failing_write("interview_sessions", "UPDATE"):
        response = admin_api.post(_messages_url(interview_in_progress), QUESTION, format="json")

    assert (response.status_code, response.json()) == (409, CONFLICT)
    before.assert_unchanged()


@pytest.mark.django_db(transaction=True)
def test_an_append_during_a_session_write_waits_and_never_moves_it_back(
    admin_api, interview_in_progress
):
    """The append queues behind the session's row lock, then re-reads the committed time.

    The engine's write set last_activity_at later than the message's time: the
    append leaves it there, and the version is the engine's write's alone.
    """
    later = timezone.now() + timedelta(minutes=5)
    session = interview_in_progress.session

    with HeldTransaction(lambda: services.update_session(session, last_activity_at=later)) as held:
        append = InThread(
            admin_api.post, _messages_url(interview_in_progress), QUESTION, format="json"
        )
        wait_until_blocked_by(held.pid, waiter=append)
        held.commit()

    assert append.result().status_code == 201
    stored = _session(interview_in_progress)
    assert (stored.last_activity_at, stored.version) == (later, 2)
