"""Retention: `manage.py purge_expired` erases old transcripts and says what it did."""

import re
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from model_bakery import baker

from interviews import services
from interviews.models import EXPIRED_TEXT, Interview, InterviewMessage


def _purge(*args) -> str:
    out = StringIO()
    call_command("purge_expired", *args, stdout=out)
    return out.getvalue()


def summary(output: str) -> str:
    """The command's last line: what it did, after the progress of each batch."""
    return output.splitlines()[-1]


def _finished(
    candidate, *, days_ago: int, messages: int = 2, end=services.complete_interview
) -> Interview:
    interview = services.start_interview(
        services.create_interview(candidate=candidate, role_type="python")
    )
    for number in range(1, messages + 1):
        baker.make(
            InterviewMessage,
            interview=interview,
            session=interview.session,
            sequence_number=number,
            message_type="candidate_response",
            content_text=f"Answer {number}",
            content_audio_url=f"https://audio.example.com/{interview.pk}/{number}.ogg",
            audio_metadata={"codec": "opus"},
        )
    end(interview)
    ended = timezone.now() - timedelta(days=days_ago)
    Interview.objects.filter(pk=interview.pk).update(started_at=ended, completed_at=ended)
    return interview


@pytest.fixture
def old_and_new(candidate):
    return _finished(candidate, days_ago=400), _finished(candidate, days_ago=10)


def test_without_a_retention_period_nothing_is_purged(settings, old_and_new):
    settings.TRANSCRIPT_RETENTION_DAYS = None

    output = _purge()

    assert output == (
        "TRANSCRIPT_RETENTION_DAYS is not set: transcripts are kept forever. Nothing purged.\n"
    )
    assert not InterviewMessage.objects.filter(content_text=EXPIRED_TEXT).exists()


def test_transcripts_past_the_retention_period_are_erased(settings, old_and_new, interview):
    settings.TRANSCRIPT_RETENTION_DAYS = 365
    old, new = old_and_new
    old.refresh_from_db()
    before = {m.pk: m.updated_at for m in old.messages.all()}

    output = _purge()

    assert re.fullmatch(
        r"  interview messages: 2 of 2\n"
        r"Purged 0 interview sessions, 2 interview messages, 0 agent actions of 1 interviews "
        r"finished before \d{4}-\d\d-\d\d \d\d:\d\d UTC \(retention: 365 days\)\.\n",
        output,
    )
    for message in old.messages.all():
        assert message.content_text == EXPIRED_TEXT
        assert message.content_audio_url is None
        assert message.audio_metadata is None
        assert message.updated_at > before[message.pk]
    assert [m.content_text for m in new.messages.order_by("sequence_number")] == [
        "Answer 1",
        "Answer 2",
    ]
    # The shell stays: the interview, its numbering and its timings.
    kept = Interview.objects.get(pk=old.pk)
    assert (kept.started_at, kept.completed_at, kept.duration_seconds) == (
        old.started_at,
        old.completed_at,
        old.duration_seconds,
    )
    assert list(old.messages.values_list("sequence_number", flat=True)) == [1, 2]


def test_abandoned_interviews_are_purged_as_completed_ones(settings, candidate):
    settings.TRANSCRIPT_RETENTION_DAYS = 365
    abandoned = _finished(candidate, days_ago=400, end=services.abandon_interview)

    _purge()

    assert abandoned.status == Interview.Status.ABANDONED
    assert {m.content_text for m in abandoned.messages.all()} == {EXPIRED_TEXT}


def test_soft_deleted_interviews_are_purged_too(settings, old_and_new):
    settings.TRANSCRIPT_RETENTION_DAYS = 365
    old, _new = old_and_new
    old.soft_delete(reason="duplicate")

    assert summary(_purge()).startswith("Purged 0 interview sessions, 2 interview messages")

    assert {m.content_text for m in InterviewMessage.objects.filter(interview=old)} == {
        EXPIRED_TEXT
    }


def test_running_again_purges_nothing_new(settings, old_and_new):
    settings.TRANSCRIPT_RETENTION_DAYS = 365
    _purge()
    assert summary(_purge()).startswith(
        "Purged 0 interview sessions, 0 interview messages, 0 agent actions of 0 interviews"
    )


def test_each_batch_is_read_from_where_the_last_one_ended(settings, candidate):
    """Keyset batches: a batch never reads again past the rows already purged."""
    settings.TRANSCRIPT_RETENTION_DAYS = 365
    _finished(candidate, days_ago=400, messages=3)
    keys = sorted(InterviewMessage.objects.values_list("pk", flat=True))

    with CaptureQueriesContext(connection) as queries:
        _purge("--batch-size", "1")

    reads = [
        query["sql"]
        for query in queries
        if query["sql"].startswith('SELECT "interview_messages"."id" AS "pk" FROM')
    ]
    # One read per batch, and one that finds the end.
    assert len(reads) == len(keys) + 1
    assert '"interview_messages"."id" >' not in reads[0]
    for key, read in zip(keys, reads[1:], strict=True):
        assert f""""interview_messages"."id" > '{key.hex}'::uuid""" in read


def test_a_dry_run_changes_nothing(settings, old_and_new):
    settings.TRANSCRIPT_RETENTION_DAYS = 30

    output = _purge("--dry-run")

    assert output.startswith(
        "Would purge 0 interview sessions, 2 interview messages, 0 agent actions of 1 interviews"
    )  # Counted, not done: no progress lines.
    assert not InterviewMessage.objects.filter(content_text=EXPIRED_TEXT).exists()


def test_unfinished_interviews_are_never_purged(settings, candidate, message):
    settings.TRANSCRIPT_RETENTION_DAYS = 0
    # Even one whose row claims an end time (written by hand, say): only the status
    # says an interview is over.
    long_ago = timezone.now() - timedelta(days=900)
    Interview.objects.filter(pk=message.interview_id).update(
        started_at=long_ago, completed_at=long_ago
    )

    assert summary(_purge()).startswith(
        "Purged 0 interview sessions, 0 interview messages, 0 agent actions of 0 interviews"
    )

    assert InterviewMessage.objects.get(pk=message.pk).content_text == message.content_text


def test_messages_without_audio_are_purged_too(settings, candidate):
    settings.TRANSCRIPT_RETENTION_DAYS = 30
    interview = _finished(candidate, days_ago=40, messages=2)
    InterviewMessage.objects.filter(interview=interview).update(
        content_audio_url=None, audio_metadata=None
    )

    assert summary(_purge()).startswith("Purged 0 interview sessions, 2 interview messages")

    assert set(interview.messages.values_list("content_text", flat=True)) == {EXPIRED_TEXT}


def test_a_message_purged_but_for_its_audio_loses_the_audio(settings, candidate):
    settings.TRANSCRIPT_RETENTION_DAYS = 30
    interview = _finished(candidate, days_ago=40, messages=1)
    InterviewMessage.objects.filter(interview=interview).update(content_text=EXPIRED_TEXT)

    assert summary(_purge()).startswith("Purged 0 interview sessions, 1 interview messages")

    assert interview.messages.get().content_audio_url is None


def test_days_on_the_command_line_override_the_setting(settings, old_and_new):
    settings.TRANSCRIPT_RETENTION_DAYS = None
    assert summary(_purge("--days", "5")).startswith(
        "Purged 0 interview sessions, 4 interview messages, 0 agent actions of 2 interviews"
    )


def test_a_negative_period_is_refused(settings, db):
    with pytest.raises(CommandError) as refused:
        _purge("--days", "-1")
    assert str(refused.value) == "The retention period cannot be negative."


@pytest.mark.parametrize("size", ["0", "-5"])
def test_a_batch_size_below_one_is_refused_and_nothing_is_purged(settings, old_and_new, size):
    settings.TRANSCRIPT_RETENTION_DAYS = 5
    with pytest.raises(CommandError) as refused:
        _purge("--batch-size", size)
    assert str(refused.value) == "--batch-size must be 1 or more."
    assert summary(_purge("--dry-run")).startswith(
        "Would purge 0 interview sessions, 4 interview messages, 0 agent actions of 2 interviews"
    )
