"""Writes to interviews that are more than a save()."""

from django.db import transaction
from django.utils import timezone

from candidates.models import Candidate, Resume
from interviews.models import Interview, InterviewSession


class InvalidStatusMove(Exception):
    """A status move the interview's current status does not allow."""

    def __init__(self, interview: Interview, target: str):
        self.current = interview.status
        self.target = target
        allowed = sorted(Interview.ALLOWED_MOVES[target])
        super().__init__(
            f"Cannot move an interview from {self.current!r} to {target!r}; "
            f"only from {' or '.join(repr(status) for status in allowed)}."
        )


@transaction.atomic
def create_interview(
    *, candidate: Candidate, role_type: str, resume: Resume | None = None, **fields
) -> Interview:
    """Create an interview together with its (empty) session."""
    interview = Interview(candidate=candidate, resume=resume, role_type=role_type, **fields)
    interview.full_clean()
    interview.save()
    InterviewSession.objects.create(interview=interview)
    return interview


def start_interview(interview: Interview) -> Interview:
    """Move a scheduled interview to in_progress and record when it started."""
    return _move(interview, Interview.Status.IN_PROGRESS)


def complete_interview(interview: Interview) -> Interview:
    """Finish an interview in progress; records when, and how long it took."""
    return _move(interview, Interview.Status.COMPLETED)


def abandon_interview(interview: Interview) -> Interview:
    """End a scheduled or running interview without a result."""
    return _move(interview, Interview.Status.ABANDONED)


@transaction.atomic
def _move(interview: Interview, target: str) -> Interview:
    # The row lock makes check-then-write atomic: two concurrent moves (say
    # `complete` and `abandon` from two workers) cannot both see in_progress.
    # A soft-deleted interview cannot move: it raises Interview.DoesNotExist.
    locked = Interview.objects.select_for_update().get(pk=interview.pk)
    if locked.status not in Interview.ALLOWED_MOVES[target]:
        raise InvalidStatusMove(locked, target)

    now = timezone.now()
    changed = ["status", "updated_at"]
    locked.status = target
    if target == Interview.Status.IN_PROGRESS:
        locked.started_at = now
        changed.append("started_at")
    else:
        locked.completed_at = now
        changed.append("completed_at")
        if locked.started_at is not None:
            locked.duration_seconds = int((now - locked.started_at).total_seconds())
            changed.append("duration_seconds")
    locked.save(update_fields=changed)

    for field in changed:
        setattr(interview, field, getattr(locked, field))
    return interview
