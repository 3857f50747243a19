"""Candidate writes that race another connection: restore, soft delete, sign-up.

Every test holds a lock (or an uncommitted write) on a connection of its own, sees the
request queue behind it, and only then lets it go; see tests/concurrency.py.
"""

import pytest
from django.contrib.auth.models import User
from rest_framework.test import APIClient

from candidates import services
from candidates.models import Candidate
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
