"""The retention purge is all or nothing: a failure part-way purges no message.

The test makes one step fail inside the database (tests/failing_writes.py) and
compares every touched table before and after.
"""

import io
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import IntegrityError
from django.utils import timezone

from interviews import services
from interviews.models import EXPIRED_TEXT, Interview, InterviewMessage
from tests.failing_writes import Snapshot, failing_write

# Committed as in production: a purge that is not atomic would leave its first
# messages purged, for the snapshot to see.
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def expired_transcript(interview_in_progress):
    """A transcript of three messages, with audio, from an interview that ended long ago."""
    for number, message_type in enumerate(
        ["ai_question", "candidate_response", "ai_question"], start=1
    ):
        services.append_message(
            interview_in_progress,
            message_type=message_type,
            content_text=f"Message {number}",
            content_audio_url=f"https://audio.example.com/{number}.ogg",
            audio_metadata={"codec": "opus"},
        )
    services.complete_interview(interview_in_progress)
    long_ago = timezone.now() - timedelta(days=90)
    Interview.objects.filter(pk=interview_in_progress.pk).update(
        started_at=long_ago - timedelta(hours=1), completed_at=long_ago
    )
    return interview_in_progress


def test_a_purge_failing_on_one_message_purges_none(expired_transcript):
    """The retention purge erases a batch of transcripts as a whole, or not at all."""
    before = Snapshot()

    with (
        failing_write("interview_messages", "UPDATE", when="OLD.sequence_number = 2"),
        pytest.raises(IntegrityError),
    ):
        call_command("purge_expired", "--days", "30", stdout=io.StringIO())

    before.assert_unchanged()
    # Without the failure the same run purges every message: the failure was the
    # only thing standing in its way.
    call_command("purge_expired", "--days", "30", stdout=io.StringIO())
    assert set(InterviewMessage.objects.values_list("content_text", "content_audio_url")) == {
        (EXPIRED_TEXT, None)
    }
