"""Writes to candidates that are more than a save()."""

from django.contrib.auth import get_user_model
from django.db import transaction
from knox.models import AuthToken

from candidates.models import ERASURE, Candidate, Resume
from core.personal import erase


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


def erase_candidate_data(candidate: Candidate, *, by=None) -> None:
    """Candidates' part of erasing a candidate (privacy.services.erase_candidate).

    Their name, email and phone go, here and in the change history, and so do their
    resumes' links and parsed contents; the login is deactivated. The candidate row
    stays, anonymous and soft-deleted.
    """
    erase(Candidate.all_objects.filter(pk=candidate.pk), row=candidate)
    erase(Resume.all_objects.filter(candidate=candidate))
    candidate.refresh_from_db()
    if not candidate.is_deleted:
        candidate.soft_delete(by=by, reason=ERASURE)
    if candidate.user_id:
        user = candidate.user
        user.username = f"erased-{candidate.pk}"
        user.email = user.first_name = user.last_name = ""
        user.is_active = False
        user.set_unusable_password()
        user.save()
        AuthToken.objects.filter(user=user).delete()
