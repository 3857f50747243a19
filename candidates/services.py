"""Writes to candidates that are more than a save()."""

import django.dispatch
from django.contrib.auth import get_user_model
from django.db import transaction
from rest_framework.authtoken.models import Token

from candidates.models import Candidate, Resume

#: Sent inside erase_candidate's transaction, after the candidate's own data is gone.
#: Apps that hold more of the candidate's personal data (transcripts, assessments)
#: erase it in their receivers: this app cannot import them (imports go one way).
candidate_erased = django.dispatch.Signal()  # kwargs: candidate, by

ERASED_NAME = "Erased candidate"
ERASED_RESUME_URL = "https://erased.invalid/resume"


@transaction.atomic
def register_candidate(*, email: str, full_name: str, password: str | None = None, **fields):
    """Create a candidate and, given a password, their login (username = email)."""
    candidate = Candidate(email=email, full_name=full_name, **fields)
    if password:
        candidate.user = get_user_model().objects.create_user(
            username=candidate.email, email=candidate.email, password=password
        )
    candidate.save()
    return candidate


@transaction.atomic
def update_candidate(candidate: Candidate, **fields) -> Candidate:
    """Change a candidate; their login follows a change of email."""
    for name, value in fields.items():
        setattr(candidate, name, value)
    candidate.save()
    if candidate.user_id and "email" in fields:
        candidate.user.username = candidate.user.email = candidate.email
        candidate.user.save(update_fields=["username", "email"])
    return candidate


class CandidateErased(Exception):
    """An erased candidate cannot be restored: their personal data is gone for good."""


@transaction.atomic
def restore_candidate(candidate: Candidate) -> tuple[Candidate, bool]:
    """Bring a soft-deleted candidate back (status active); return it and whether it was
    deleted. A live candidate stays as it is; an erased one raises ``CandidateErased``.

    The row lock orders this after a concurrent erasure, whose result it then sees,
    instead of restoring on the strength of a read the erasure has made stale.
    """
    candidate = Candidate.all_objects.select_for_update().get(pk=candidate.pk)
    if candidate.is_erased:
        raise CandidateErased("An erased candidate cannot be restored.")
    return candidate, candidate.restore()


@transaction.atomic
def erase_candidate(candidate: Candidate, *, by=None) -> Candidate:
    """Remove a candidate's personal data for good (right to erasure). Idempotent.

    Name, email, phone, resume links and parsed resumes go, here and in the audit
    trail; the login is deactivated. The candidate row stays, anonymous and
    soft-deleted, so interviews and scores remain for statistics. Other apps erase
    what they hold through ``candidate_erased``.
    """
    candidate = Candidate.all_objects.select_for_update().get(pk=candidate.pk)
    if candidate.is_erased:
        return candidate  # Done before: no new writes, no new history.
    anonymous = {"full_name": ERASED_NAME, "email": candidate.erased_email(), "phone": ""}
    for name, value in anonymous.items():
        setattr(candidate, name, value)
    candidate.save(update_fields=[*anonymous, "updated_at"])
    if not candidate.is_deleted:
        candidate.soft_delete(by=by, reason="erased")

    Resume.all_objects.filter(candidate=candidate).update(
        file_url=ERASED_RESUME_URL, file_name="erased", parsed_data=None
    )
    # The history keeps its shape (who changed what, when) without the values.
    Candidate.pgh_event_model.objects.filter(pgh_obj_id=candidate.pk).update(**anonymous)

    if candidate.user_id:
        user = candidate.user
        user.username = f"erased-{candidate.pk}"
        user.email = user.first_name = user.last_name = ""
        user.is_active = False
        user.set_unusable_password()
        user.save()
        Token.objects.filter(user=user).delete()

    candidate_erased.send(sender=Candidate, candidate=candidate, by=by)
    return candidate
