"""The retention purge works in batches, one transaction each: a failure undoes only its
own batch, the next run finishes the work, and two purges never run at once.

Failures are made inside the database (tests/failing_writes.py); the second purge runs
on a connection of its own while the first is held mid-run by its own output.
"""

import io
import threading
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import IntegrityError, connection
from django.utils import timezone

from interviews import services
from interviews.models import EXPIRED_TEXT, AgentAction, Interview, InterviewMessage
from tests.concurrency import DEADLINE, InThread
from tests.dbutils import admin_connect
from tests.failing_writes import Snapshot, failing_write

# Committed as in production: each batch commits on its own, for the snapshot to see.
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def expired_transcript(interview_in_progress):
    """Five messages with audio and the AI's notes, from an interview that ended long ago."""
    for number in range(1, 6):
        services.append_message(
            interview_in_progress,
            message_type="ai_question" if number % 2 else "candidate_response",
            content_text=f"Message {number}",
            content_audio_url=f"https://audio.example.com/{number}.ogg",
            audio_metadata={"codec": "opus"},
            metadata={"turn": number},
        )
    services.update_session(interview_in_progress.session, conversation_memory={"turns": 5})
    AgentAction.objects.create(
        interview=interview_in_progress,
        agent_type="interviewer",
        action="ask_question",
        status="succeeded",
        input={"answer": "Message 2"},
        output={"question": "Message 3"},
    )
    services.complete_interview(interview_in_progress)
    long_ago = timezone.now() - timedelta(days=90)
    Interview.objects.filter(pk=interview_in_progress.pk).update(
        started_at=long_ago - timedelta(hours=1), completed_at=long_ago
    )
    return interview_in_progress


def purge(*args) -> str:
    out = io.StringIO()
    call_command("purge_expired", "--days", "30", *args, stdout=out)
    return out.getvalue()


def purged_messages() -> list[int]:
    return sorted(
        InterviewMessage.objects.filter(content_text=EXPIRED_TEXT).values_list(
            "sequence_number", flat=True
        )
    )


def test_each_batch_reports_its_progress(expired_transcript):
    output = purge("--batch-size", "2")

    assert output.splitlines()[:5] == [
        "  interview sessions: 1 of 1",
        "  interview messages: 2 of 5",
        "  interview messages: 4 of 5",
        "  interview messages: 5 of 5",
        "  agent actions: 1 of 1",
    ]
    assert output.splitlines()[5].startswith(
        "Purged 1 interview sessions, 5 interview messages, 1 agent actions of 1 interviews"
    )
    assert purged_messages() == [1, 2, 3, 4, 5]


def test_a_failing_batch_undoes_only_itself_and_the_next_run_finishes(expired_transcript):
    """Batches of two, in key order: the batch holding the fourth message fails after
    the first batch committed. Nothing of the failing batch stays written."""
    in_key_order = list(
        expired_transcript.messages.order_by("pk").values_list("sequence_number", flat=True)
    )
    failing = in_key_order[3]

    with (
        failing_write("interview_messages", "UPDATE", when=f"OLD.sequence_number = {failing}"),
        pytest.raises(IntegrityError),
    ):
        purge("--batch-size", "2")

    # The first batch (the two lowest keys) stayed purged; the failing batch did not.
    assert purged_messages() == sorted(in_key_order[:2])
    # A crash is no reason to start over: the next run purges what is left, only that.
    output = purge("--batch-size", "2")
    assert output.splitlines()[-1].startswith(
        "Purged 0 interview sessions, 3 interview messages, 1 agent actions of 1 interviews"
    )
    assert purged_messages() == [1, 2, 3, 4, 5]


def test_a_failed_run_releases_its_lock(expired_transcript):
    with (
        failing_write("interview_messages", "UPDATE"),
        pytest.raises(IntegrityError),
    ):
        purge()

    with admin_connect(connection.settings_dict["NAME"]) as other:
        held = other.execute("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'")
        assert held.fetchone()[0] == 0


def test_a_purge_failing_on_one_message_leaves_its_batch_unchanged(expired_transcript):
    """The default batch holds every message here: one failure and none is purged."""
    # The session's documents were purged in a batch of their own, before the messages.
    before = Snapshot(["interview_messages"])

    with (
        failing_write("interview_messages", "UPDATE", when="OLD.sequence_number = 2"),
        pytest.raises(IntegrityError),
    ):
        purge()

    before.assert_unchanged()
    assert purged_messages() == []


class HeldAtFirstProgress(io.StringIO):
    """The first purge's output: on its first progress line the purge is mid-run (its
    lock taken, a batch committed), and waits there until released."""

    def __init__(self):
        super().__init__()
        self.mid_run, self.release = threading.Event(), threading.Event()

    def write(self, text):
        if text.startswith("  ") and not self.mid_run.is_set():
            self.mid_run.set()
            assert self.release.wait(DEADLINE)
        return super().write(text)


def test_a_second_purge_while_one_runs_does_nothing_and_says_so(expired_transcript):
    first_output = HeldAtFirstProgress()
    first = InThread(
        call_command, "purge_expired", "--days", "30", "--batch-size", "1", stdout=first_output
    )
    assert first_output.mid_run.wait(DEADLINE)

    second_output = io.StringIO()
    call_command("purge_expired", "--days", "30", stdout=second_output)  # Exits normally.
    first_output.release.set()
    first.result()

    assert second_output.getvalue() == (
        "Another purge_expired is running; this one leaves the work to it.\n"
    )
    # The first did the whole job, undisturbed.
    summary = first_output.getvalue().splitlines()[-1]
    assert summary.startswith(
        "Purged 1 interview sessions, 5 interview messages, 1 agent actions of 1 interviews"
    )
    assert purged_messages() == [1, 2, 3, 4, 5]
