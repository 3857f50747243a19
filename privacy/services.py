"""Erasure and retention: what happens to a candidate's personal data, in one place."""

from dataclasses import dataclass
from functools import reduce
from operator import or_

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from candidates import services as candidates
from candidates.models import Candidate, Resume
from core.personal import declared
from interviews import services as interviews
from interviews.models import AgentAction, Interview, InterviewMessage, InterviewSession

#: Every model whose personal data erasure clears (each declares it in
#: ``personal_data``), in the order the admin's confirmation page names them.
ERASED_MODELS = (Candidate, Resume, InterviewMessage, InterviewSession, AgentAction)


@transaction.atomic
def erase_candidate(candidate: Candidate, *, by=None) -> Candidate:
    """Remove a candidate's personal data for good (right to erasure). Idempotent.

    Each app erases what it holds (what each model declares in ``personal_data``),
    all in one transaction: the candidate's name, email, phone and resumes, and their
    login (candidates); their answers, audio links and the AI's notes on them
    (interviews). The anonymous shell stays for statistics: a soft-deleted candidate
    row, interviews, questions, timings and scores.
    """
    # The row lock orders concurrent erasures (and a restore) one after another.
    candidate = Candidate.all_objects.select_for_update().get(pk=candidate.pk)
    if candidate.is_erased:
        return candidate  # Done before: no new writes, no new history.
    candidates.erase_candidate_data(candidate, by=by)
    interviews.erase_candidate_data(candidate)
    return candidate


@dataclass(frozen=True)
class PurgeResult:
    interviews: int
    messages: int


def purge_expired_transcripts(*, finished_before, dry_run: bool) -> PurgeResult:
    """Expire the transcripts of interviews finished before a date.

    What a message's declaration (``personal_data.expiry``) lists is replaced;
    interviews, their numbering and timings, sessions and assessments stay. Messages
    already purged are left alone, so running it again does nothing new.
    """
    expiry = declared(InterviewMessage).expiry
    interviews_done = Interview.all_objects.filter(
        status__in=Interview.FINISHED_STATUSES, completed_at__lt=finished_before
    )
    # (field=None is Django's IS NULL: its negation is IS NOT NULL.)
    not_yet_expired = reduce(or_, (~Q(**{name: value}) for name, value in expiry.items()))
    pending = InterviewMessage.objects.filter(interview__in=interviews_done).filter(not_yet_expired)
    affected = pending.values("interview").distinct().count()
    if dry_run:
        return PurgeResult(interviews=affected, messages=pending.count())
    with transaction.atomic():
        purged = pending.update(**expiry, updated_at=timezone.now())
    return PurgeResult(interviews=affected, messages=purged)
