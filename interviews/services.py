"""Writes to interviews that are more than a save()."""

from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from candidates.models import Candidate, Resume
from core.personal import erase
from interviews.models import AgentAction, Interview, InterviewMessage, InterviewSession


class InvalidStatusMove(Exception):
    """A status move the interview's current status does not allow."""

    def __init__(self, interview: Interview, target: str):
        self.current = str(interview.status)
        self.target = str(target)
        allowed = " or ".join(f"'{status}'" for status in sorted(Interview.ALLOWED_MOVES[target]))
        super().__init__(
            f"Cannot move an interview from '{self.current}' to '{self.target}'; "
            f"only from {allowed}."
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


class InterviewNotInProgress(Exception):
    """Messages can only be appended while the interview is in progress."""


class StaleSession(Exception):
    """The session changed since the caller read it (its version moved on)."""


@transaction.atomic
def append_message(
    interview: Interview | Any, *, among=None, client_message_id=None, **fields
) -> tuple[InterviewMessage, bool]:
    """Append a message to the transcript; return it and whether it is new.

    ``interview`` is an interview or its primary key; ``among`` (by default every
    live interview) is where it is looked for: the interviews the caller may see, so
    that finding and locking it is one query. One it does not hold raises
    ``Interview.DoesNotExist``.

    The server numbers messages 1, 2, 3 … A retried append (same
    ``client_message_id``) returns the message stored the first time. The insert
    moves the session's ``last_activity_at`` to the message's ``created_at`` (a
    trigger, in the same statement); a retry writes nothing and moves nothing.
    """
    # Appends to one interview take turns on its row lock. Without it, two appends
    # could both read the same last number and write the same next one (or, with
    # the unique index, one would fail), and a concurrent complete/abandon could
    # commit between our status check and our insert. FOR NO KEY UPDATE conflicts
    # with both and with the status moves' FOR UPDATE, yet not with inserts of other
    # rows that merely reference the interview.
    rows = Interview.objects.all() if among is None else among
    locked = (
        rows.select_for_update(no_key=True, of=("self",))
        .select_related("session")
        .get(pk=getattr(interview, "pk", interview))
    )
    if client_message_id is not None:
        original = InterviewMessage.objects.filter(
            interview=locked, client_message_id=client_message_id
        ).first()
        if original is not None:
            return original, False
    if locked.status != Interview.Status.IN_PROGRESS:
        raise InterviewNotInProgress(
            f"Messages can only be appended to an interview in progress; "
            f"this one is {locked.status}."
        )
    # The database gives it the next number (interview_messages_number), under the
    # lock taken above.
    message = InterviewMessage.objects.create(
        interview=locked, session=locked.session, client_message_id=client_message_id, **fields
    )
    return message, True


def update_session(
    session: InterviewSession, *, expected_version: int | None = None, **changes
) -> InterviewSession:
    """Write ``changes`` to the session; refuse if its version is not ``expected_version``.

    One conditional UPDATE: the version check and the write cannot be separated by
    another writer. The database raises the version (trigger), and
    ``last_activity_at`` moves to now unless the caller sets it.
    """
    now = timezone.now()
    changes.setdefault("last_activity_at", now)
    # Naming updated_at makes even a write of no field (PATCH {}) a write of the
    # state, which raises the version (SESSION_STATE_COLUMNS).
    changes["updated_at"] = now
    rows = InterviewSession.objects.filter(pk=session.pk)
    if expected_version is not None:
        rows = rows.filter(version=expected_version)
    if not rows.update(**changes):
        raise StaleSession(
            f"The session is no longer at version {expected_version}; read it again."
        )
    session.refresh_from_db()
    return session


def erase_candidate_data(candidate: Candidate) -> None:
    """Interviews' part of erasing a candidate (privacy.services.erase_candidate).

    Their answers, every audio link of their interviews, the AI's notes on them and
    staff's reasons for deleting their interviews go. Interviews, questions, numbering
    and timings stay: the anonymous shell that statistics need.
    """
    interviews = Interview.all_objects.filter(candidate=candidate)
    erase(interviews)
    erase(InterviewMessage.objects.filter(interview__in=interviews))
    erase(InterviewSession.objects.filter(interview__in=interviews))
    erase(AgentAction.objects.filter(Q(candidate=candidate) | Q(interview__in=interviews)))
