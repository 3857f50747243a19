from datetime import timedelta

import pytest
from django.utils import timezone

from interviews import services
from interviews.models import Interview
from tests.concurrency import HeldTransaction, InThread, wait_until_blocked_by

Status = Interview.Status
MOVES = {
    "start": services.start_interview,
    "complete": services.complete_interview,
    "abandon": services.abandon_interview,
}
ALLOWED = {
    (Status.SCHEDULED, "start"),
    (Status.SCHEDULED, "abandon"),
    (Status.IN_PROGRESS, "complete"),
    (Status.IN_PROGRESS, "abandon"),
}


def _interview_in(status: str, interview: Interview) -> Interview:
    if status in (Status.IN_PROGRESS, Status.COMPLETED):
        services.start_interview(interview)
    if status == Status.COMPLETED:
        services.complete_interview(interview)
    if status == Status.ABANDONED:
        services.abandon_interview(interview)
    return interview


def test_start_sets_started_at(interview):
    before = timezone.now()
    services.start_interview(interview)
    stored = Interview.objects.get(pk=interview.pk)
    assert stored.status == Status.IN_PROGRESS
    assert before <= stored.started_at <= timezone.now()
    assert stored.completed_at is None
    assert interview.status == Status.IN_PROGRESS


def test_complete_sets_completed_at_and_duration(interview_in_progress):
    # Pretend the interview began 25 minutes ago.
    started = timezone.now() - timedelta(minutes=25)
    Interview.objects.filter(pk=interview_in_progress.pk).update(started_at=started)

    services.complete_interview(interview_in_progress)

    stored = Interview.objects.get(pk=interview_in_progress.pk)
    assert stored.status == Status.COMPLETED
    assert stored.completed_at >= started
    assert stored.duration_seconds == int((stored.completed_at - started).total_seconds())
    assert 25 * 60 <= stored.duration_seconds < 26 * 60


def test_abandon_a_running_interview_records_when_and_how_long(interview_in_progress):
    services.abandon_interview(interview_in_progress)
    stored = Interview.objects.get(pk=interview_in_progress.pk)
    assert stored.status == Status.ABANDONED
    assert stored.completed_at >= stored.started_at
    assert stored.duration_seconds == int((stored.completed_at - stored.started_at).total_seconds())


def test_abandon_a_scheduled_interview(interview):
    before = timezone.now()
    services.abandon_interview(interview)
    stored = Interview.objects.get(pk=interview.pk)
    assert stored.status == Status.ABANDONED
    assert stored.started_at is None
    assert before <= stored.completed_at <= timezone.now()
    assert stored.duration_seconds is None


@pytest.mark.parametrize(
    ("status", "move"),
    sorted({(s, m) for s in Status.values for m in MOVES} - ALLOWED),
)
def test_forbidden_moves_raise_and_change_nothing(interview, status, move):
    _interview_in(status, interview)
    before = Interview.objects.values().get(pk=interview.pk)

    with pytest.raises(
        services.InvalidStatusMove, match=f"Cannot move an interview from '{status}'"
    ):
        MOVES[move](interview)

    assert Interview.objects.values().get(pk=interview.pk) == before


def test_a_stale_copy_cannot_move_twice(interview_in_progress):
    """Two workers holding the same in-progress interview: only one move wins."""
    stale_copy = Interview.objects.get(pk=interview_in_progress.pk)
    services.complete_interview(interview_in_progress)

    with pytest.raises(services.InvalidStatusMove):
        services.abandon_interview(stale_copy)
    assert Interview.objects.get(pk=interview_in_progress.pk).status == Status.COMPLETED


@pytest.mark.django_db(transaction=True)
def test_a_move_waits_for_a_concurrent_one_and_then_refuses(interview_in_progress, admin_api):
    """A move locks the row: it sees the other worker's committed move, not stale data.

    Without the lock, both workers would read in_progress and the abandon would
    overwrite the completion.
    """
    url = f"/api/v1/interviews/{interview_in_progress.pk}/abandon/"
    with HeldTransaction(lambda: services.complete_interview(interview_in_progress)) as other:
        abandon = InThread(admin_api.post, url)
        wait_until_blocked_by(other.pid, waiter=abandon)
        other.commit()

    response = abandon.result()
    assert response.status_code == 409, response.content
    assert response.json() == {
        "detail": "Cannot move an interview from 'completed' to 'abandoned'; "
        "only from 'in_progress' or 'scheduled'."
    }
    assert Interview.objects.get(pk=interview_in_progress.pk).status == Status.COMPLETED
