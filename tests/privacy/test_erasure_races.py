"""Erasure racing another connection: a second erasure, or a restore queued behind one."""

import pytest
from django.test import Client

from candidates.models import Candidate
from privacy.services import erase_candidate
from tests.candidates import test_races
from tests.candidates.test_races import CANDIDATES, _api, _history
from tests.concurrency import HeldTransaction, InThread, wait_until_blocked_by

pytestmark = pytest.mark.django_db(transaction=True)

# Fixtures shared with the tests left in tests/candidates/test_races.py, bound here so
# that pytest finds them for this module (see tests/privacy/test_erasure_api.py).
first_staff = test_races.first_staff
second_staff = test_races.second_staff


def test_a_second_erasure_waits_and_then_writes_nothing(candidate, first_staff, second_staff):
    """Erasing twice at once is erasing once: the first eraser stays on record.

    The second erasure queues on the candidate's row lock and then sees the erasure
    done. Reading without the lock, it would anonymise and delete again: new history
    rows, and (without the conditional soft delete) its own name as the deleter.
    """
    control = Candidate.objects.create(email="control@example.com", full_name="Control Case")
    before = _history(control)
    erase_candidate(control, by=first_staff)
    one_erasure = _history(control) - before
    before = _history(candidate)

    with HeldTransaction(lambda: erase_candidate(candidate, by=first_staff)) as first:
        second = InThread(_api(second_staff).post, f"{CANDIDATES}{candidate.pk}/erase/")
        wait_until_blocked_by(first.pid, waiter=second)
        first.commit()

    response = second.result()
    assert response.status_code == 200, response.content
    stored = Candidate.all_objects.get(pk=candidate.pk)
    assert stored.is_erased
    assert (stored.deleted_by, stored.deletion_reason) == (first_staff, "erased")
    assert _history(candidate) - before == one_erasure


@pytest.fixture
def deleted_candidate(candidate, first_staff) -> Candidate:
    """A soft-deleted candidate: restorable, until someone erases them."""
    candidate.soft_delete(by=first_staff, reason="duplicate")
    return candidate


def _assert_still_erased(candidate):
    stored = Candidate.all_objects.get(pk=candidate.pk)
    assert stored.is_erased
    assert stored.is_deleted
    assert stored.status == Candidate.Status.DELETED


def test_a_restore_queued_behind_an_erasure_answers_409(
    deleted_candidate, first_staff, second_staff
):
    """An erased candidate cannot be restored, even by a restore sent as they were erased.

    The restore read the candidate before the erasure committed; it decides on a
    locked re-read, which waits for the erasure and sees it.
    """
    with HeldTransaction(lambda: erase_candidate(deleted_candidate, by=first_staff)) as eraser:
        restore = InThread(_api(second_staff).post, f"{CANDIDATES}{deleted_candidate.pk}/restore/")
        wait_until_blocked_by(eraser.pid, waiter=restore)
        eraser.commit()

    response = restore.result()
    assert response.status_code == 409, response.content
    assert response.json() == {"detail": "An erased candidate cannot be restored."}
    _assert_still_erased(deleted_candidate)


def test_an_admin_restore_queued_behind_an_erasure_is_refused(
    deleted_candidate, first_staff, second_staff
):
    """The admin's restore action goes through the same locked check as the API."""
    admin = Client()
    admin.force_login(second_staff)

    with HeldTransaction(lambda: erase_candidate(deleted_candidate, by=first_staff)) as eraser:
        restore = InThread(
            admin.post,
            "/admin/candidates/candidate/?deleted=yes",
            {"action": "restore_selected", "_selected_action": [str(deleted_candidate.pk)]},
            follow=True,
        )
        wait_until_blocked_by(eraser.pid, waiter=restore)
        eraser.commit()

    response = restore.result()
    assert response.status_code == 200
    assert [(m.level_tag, str(m)) for m in response.context["messages"]] == [
        (
            "warning",
            f"Not restored: Erased candidate <erased-{deleted_candidate.pk}@erased.invalid>: "
            "An erased candidate cannot be restored.",
        ),
        ("info", "Restored 0 candidates."),
    ]
    _assert_still_erased(deleted_candidate)
