"""Erasure and retention: what happens to a candidate's personal data, in one place.

What is personal is declared once per model (``personal_data``, core/personal.py);
erasure clears what the declarations list for one candidate, the retention purge what
they list for interviews finished long enough ago, and both read nothing else.
"""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import pghistory.models
from axes.models import AccessAttempt
from django.apps import apps
from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction

from assessments import services as assessments
from assessments.models import AssessmentResult
from candidates import services as candidates
from candidates.models import Candidate, Resume
from core.personal import declared, expire, not_yet_expired
from interviews import services as interviews
from interviews.models import ERASED_TEXT, Interview

#: The apps whose models hold candidates' data.
DOMAIN_APPS = ("candidates", "interviews", "assessments")
#: What erasure keeps beyond what the models declare they keep, for the confirmation.
KEPT = [
    "an anonymous, deleted candidate record",
    "their interviews: the interviewer's questions, the numbering, timings and status",
]
#: Rows the retention purge rewrites in one transaction, unless told otherwise.
PURGE_BATCH_SIZE = 1000
#: The advisory lock that keeps two retention purges from running at once.
PURGE_LOCK = "candidates-portal:purge_expired"


def domain_models() -> list:
    """The models of the domain apps, in the order the apps and models are defined; their
    audit-history tables aside (erasure and retention reach those through the model
    they record)."""
    return [
        model
        for label in DOMAIN_APPS
        for model in apps.get_app_config(label).get_models()
        if not issubclass(model, pghistory.models.Event)
    ]


def erased_models() -> list:
    """Every model whose rows erasure reaches (each declares what in ``personal_data``)."""
    return [model for model in domain_models() if declared(model).erasure]


def erased_descriptions() -> list[str]:
    """What erasure removes, as the models declare it (each kind named once)."""
    descriptions = [
        personal.description for model in erased_models() for personal in declared(model).erasure
    ]
    return list(dict.fromkeys(descriptions))


def kept_descriptions() -> list[str]:
    """What erasure leaves, as the models declare it (each reason named once)."""
    reasons = [reason for model in erased_models() for reason in declared(model).kept.values()]
    return list(dict.fromkeys([*KEPT, *reasons]))


@transaction.atomic
def erase_candidate(candidate: Candidate, *, by=None) -> Candidate:
    """Remove a candidate's personal data for good (right to erasure). Idempotent.

    Each app erases what it holds (what each model declares in ``personal_data``),
    all in one transaction: the candidate's name, email and phone, their resumes and
    their login (candidates); their answers, audio links and the AI's notes on them
    (interviews); the AI's judgements and the reviewer's notes (assessments). Then
    what Django and the login protection kept about them: the admin's log of changes
    to their records names them, and failed logins are kept under their username. The
    anonymous shell stays for statistics: a soft-deleted candidate row, interviews,
    questions, timings and scores.
    """
    # The row lock orders concurrent erasures (and a restore) one after another.
    candidate = Candidate.all_objects.select_for_update().get(pk=candidate.pk)
    if candidate.is_erased:
        return candidate  # Done before: no new writes, no new history.
    usernames = {candidate.email, *([candidate.user.username] if candidate.user_id else [])}
    candidates.erase_candidate_data(candidate, by=by)
    interviews.erase_candidate_data(candidate)
    assessments.erase_candidate_data(candidate)
    _erase_admin_log(candidate)
    AccessAttempt.objects.filter(username__in=usernames).delete()
    return candidate


def _erase_admin_log(candidate: Candidate) -> None:
    """The admin's record of changes to the candidate's rows names them (``object_repr``,
    and the names of rows added or changed in ``change_message``): who changed what
    kind of row, and when, stays."""
    their_interviews = Interview.all_objects.filter(candidate=candidate)
    rows = {
        Candidate: [candidate.pk],
        Resume: Resume.all_objects.filter(candidate=candidate).values_list("pk", flat=True),
        Interview: their_interviews.values_list("pk", flat=True),
        AssessmentResult: AssessmentResult.all_objects.filter(
            interview__in=their_interviews
        ).values_list("pk", flat=True),
    }
    for model, keys in rows.items():
        LogEntry.objects.filter(
            content_type=ContentType.objects.get_for_model(model, for_concrete_model=False),
            object_id__in=[str(key) for key in keys],
        ).update(object_repr=ERASED_TEXT, change_message="")


# --- Retention -------------------------------------------------------------------------


def expiring_models() -> list:
    """Every model whose rows the retention purge rewrites (a declared ``expiry``)."""
    return [model for model in domain_models() if declared(model).expiry]


def pending_expiry(model, *, finished_before):
    """Rows of ``model`` past retention that still hold what the purge replaces."""
    finished = Interview.all_objects.filter(
        status__in=Interview.FINISHED_STATUSES, completed_at__lt=finished_before
    )
    return model._base_manager.filter(interview__in=finished).filter(not_yet_expired(model))


@dataclass
class PurgeResult:
    #: Interviews with anything to purge when the run began.
    interviews: int
    #: Rows purged (or, in a dry run, to purge), by model.
    rows: dict = field(default_factory=dict)


def purge_expired(
    *,
    finished_before,
    batch_size: int = PURGE_BATCH_SIZE,
    dry_run: bool = False,
    progress: Callable[[type, int, int], None] = lambda model, done, total: None,
) -> PurgeResult:
    """Replace what the models declare as expiring, for interviews finished before a date.

    Transcript text, audio links and metadata, the session's documents and the AI's
    inputs and outputs are replaced by the values in their ``personal_data.expiry``,
    in the rows and in their audit history; interviews, their numbering and timings,
    the agent actions themselves and assessments stay. Rows are rewritten in batches
    of ``batch_size``, one transaction each, so no lock is held for long; rows already
    rewritten no longer match, so a run that stopped part-way (a crash, a kill) is
    finished by the next one, and a second run finds nothing new. ``progress`` is told
    after each batch: the model, rows done, rows in all.
    """
    pending = {
        model: pending_expiry(model, finished_before=finished_before) for model in expiring_models()
    }
    totals = {model: rows.count() for model, rows in pending.items()}
    interviews_affected = _interviews_among([rows.values("interview") for rows in pending.values()])
    result = PurgeResult(interviews=interviews_affected, rows=dict.fromkeys(totals, 0))
    if dry_run:
        result.rows = totals
        return result
    for model, rows in pending.items():
        for purged in _in_batches(rows, batch_size):
            result.rows[model] += purged
            progress(model, result.rows[model], totals[model])
    return result


def _interviews_among(interview_columns) -> int:
    first, *others = (column.order_by() for column in interview_columns)
    return first.union(*others).count()


def _in_batches(rows, batch_size: int) -> Iterator[int]:
    """Expire ``rows`` a batch at a time, in primary-key order, one transaction each;
    yield each batch's count."""
    after = None
    while True:
        with transaction.atomic():
            # Keyset order: each batch starts where the last one ended, instead of
            # reading past every row already purged.
            remaining = rows if after is None else rows.filter(pk__gt=after)
            keys = list(remaining.order_by("pk").values_list("pk", flat=True)[:batch_size])
            if not keys:
                return
            purged = expire(rows.model._base_manager.filter(pk__in=keys))
        after = keys[-1]
        yield purged


@contextmanager
def only_one_purge() -> Iterator[bool]:
    """Hold the purge's advisory lock while the block runs; say whether it was free.

    A session lock on this process's connection: another purge, in any process, finds
    it taken; a purge that dies loses its connection, and the lock with it.
    """
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(hashtext(%s))", [PURGE_LOCK])
        acquired = cursor.fetchone()[0]
    try:
        yield acquired
    finally:
        if acquired:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(hashtext(%s))", [PURGE_LOCK])
