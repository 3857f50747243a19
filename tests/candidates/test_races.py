"""Candidate writes that race another connection: erasure, restore, soft delete, sign-up.

Every test holds a lock (or an uncommitted write) on a connection of its own, sees the
request queue behind it, and only then lets it go; see tests/concurrency.py.
"""

import pytest
from django.contrib.auth.models import User
from django.test import Client
from rest_framework.test import APIClient

from candidates import services
from candidates.models import Candidate
from privacy.services import erase_candidate
from tests.concurrency import HeldTransaction, InThread, wait_until_blocked_by

pytestmark = pytest.mark.django_db(transaction=True)

CANDIDATES = "/api/v1/candidates/"
RACE_CONFLICT = (
    "The request conflicts with data stored meanwhile (a uniqueness or consistency rule). "
    "Re-read the resource and try again."
)


@pytest.fixture
def first_staff(db) -> User:
    return User.objects.create_superuser("first-staff", "first@example.com", "x9-unused")


@pytest.fixture
def second_staff(db) -> User:
    return User.objects.create_superuser("second-staff", "second@example.com", "x9-unused")


def _api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def _history(candidate) -> int:
    return Candidate.pgh_event_model.objects.filter(pgh_obj_id=candidate.pk).count()


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


@pytest.mark.parametrize(
    ("path", "fixture"),
    [
        ("candidates", "candidate"),
        ("resumes", "resume"),
        ("interviews", "interview"),
        ("assessments", "assessment"),
    ],
)
def test_a_delete_racing_another_keeps_the_first_deletion(
    request, path, fixture, first_staff, second_staff
):
    """DELETE of a row deleted meanwhile changes nothing: the first who/when/why stay.

    The second DELETE read the row while it was still live; its write is conditional
    on the row being live, so once the first deletion commits it matches nothing.
    """
    row = request.getfixturevalue(fixture)

    with HeldTransaction(lambda: row.soft_delete(by=first_staff, reason="first")) as first:
        second = InThread(_api(second_staff).delete, f"/api/v1/{path}/{row.pk}/?reason=second")
        wait_until_blocked_by(first.pid, waiter=second)
        first.commit()

    response = second.result()
    assert response.status_code == 204, response.content
    stored = type(row).all_objects.get(pk=row.pk)
    assert (stored.deleted_by, stored.deletion_reason) == (first_staff, "first")
    assert stored.deleted_at == row.deleted_at


def test_a_restore_racing_another_restores_once(candidate, first_staff, second_staff):
    """Two staff restoring at once: the candidate comes back once, recorded once.

    The restore is conditional on the row being deleted, so the second, arriving after
    the first committed, writes nothing (no second history row).
    """
    candidate.soft_delete(by=first_staff, reason="mistake")
    before = _history(candidate)

    with HeldTransaction(lambda: services.restore_candidate(candidate)) as first:
        second = InThread(_api(second_staff).post, f"{CANDIDATES}{candidate.pk}/restore/")
        wait_until_blocked_by(first.pid, waiter=second)
        first.commit()

    response = second.result()
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "active"
    stored = Candidate.objects.get(pk=candidate.pk)
    assert (stored.deleted_at, stored.deleted_by, stored.status) == (None, None, "active")
    assert _history(candidate) == before + 1


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


@pytest.mark.parametrize("with_login", [False, True], ids=["candidate", "candidate-and-login"])
def test_a_sign_up_racing_an_uncommitted_one_answers_409(with_login, first_staff):
    """Two sign-ups with one address at once: one candidate, one login, and a 409.

    The serializer's uniqueness check cannot see the other sign-up, not yet
    committed; the INSERT waits on the unique index and then fails, which the API
    answers with 409 (never a 500).
    """
    email = "race@example.com"
    body = {"email": "Race@Example.com", "full_name": "Second Comer"}
    if with_login:
        body["password"] = "an4lytical-engine"

    with HeldTransaction(
        lambda: services.register_candidate(
            email=email, full_name="First Comer", password="d1fference-engine"
        )
    ) as first:
        second = InThread(_api(first_staff).post, CANDIDATES, body, format="json")
        wait_until_blocked_by(first.pid, waiter=second)
        first.commit()

    response = second.result()
    assert response.status_code == 409, response.content
    assert response.json() == {"detail": RACE_CONFLICT}
    assert list(Candidate.all_objects.values_list("email", "full_name")) == [(email, "First Comer")]
    assert User.objects.filter(username=email).count() == 1
