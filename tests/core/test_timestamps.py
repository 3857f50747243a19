"""updated_at is kept by the database: ORM saves, bulk updates and plain SQL alike."""

from datetime import UTC, datetime

import pgtrigger
import pytest
from django.db import connection, transaction
from django.utils.dateparse import parse_datetime
from model_bakery import baker

from candidates.models import Candidate
from core.models import BaseModel
from interviews.models import AgentAction
from tests.dbutils import project_models


def kept_models() -> list:
    """Every model with an updated_at column (the audit trail's snapshots left out)."""
    return [
        model
        for model in project_models(events=False)
        if any(field.name == "updated_at" for field in model._meta.concrete_fields)
    ]


def _stored_updated_at(model, pk) -> datetime:
    return model._base_manager.values_list("updated_at", flat=True).get(pk=pk)


def _clock() -> datetime:
    with connection.cursor() as cursor:
        cursor.execute("SELECT clock_timestamp()")
        return cursor.fetchone()[0]


def _events(candidate) -> list:
    return list(Candidate.pgh_event_model.objects.filter(pgh_obj=candidate).order_by("pgh_id"))


@pytest.fixture
def one_of_each(message, assessment, candidate) -> dict:
    """One row of every model that has updated_at."""
    action = baker.make(
        AgentAction,
        interview=message.interview,
        candidate=candidate,
        agent_type="interviewer",
        action="ask_question",
        status="succeeded",
    )
    rows = [
        candidate,
        candidate.resumes.get(),
        message.interview,
        message.session,
        message,
        action,
        assessment,
    ]
    return {type(row): row for row in rows}


def test_every_table_with_updated_at_has_the_trigger(one_of_each):
    """A new model with updated_at is checked here (and below) without editing this test."""
    assert set(one_of_each) == set(kept_models())
    assert all(issubclass(model, BaseModel) for model in kept_models())
    with connection.cursor() as cursor:
        for model in kept_models():
            cursor.execute(
                "SELECT pg_get_triggerdef(t.oid), p.prosrc FROM pg_trigger t"
                " JOIN pg_proc p ON p.oid = t.tgfoid"
                " WHERE t.tgrelid = %s::regclass AND NOT t.tgisinternal AND t.tgenabled = 'O'"
                " AND p.prosrc LIKE '%%NEW.\"updated_at\" :=%%'",
                [model._meta.db_table],
            )
            [(definition, body)] = cursor.fetchall()
            assert " BEFORE UPDATE ON " in definition
            assert "FOR EACH ROW" in definition
            assert "clock_timestamp()" in body


@pytest.mark.parametrize("model", kept_models(), ids=lambda model: model._meta.label)
def test_plain_sql_moves_updated_at_on_every_table(one_of_each, model):
    row = one_of_each[model]
    before = _stored_updated_at(model, row.pk)

    started = _clock()
    with connection.cursor() as cursor:
        cursor.execute(
            f'UPDATE "{model._meta.db_table}"'
            " SET created_at = created_at - interval '1 second' WHERE id = %s",
            [row.pk],
        )
    finished = _clock()

    after = _stored_updated_at(model, row.pk)
    assert before < started <= after <= finished


def test_a_bulk_update_moves_updated_at_past_what_django_stamped(db):
    """Later than the times Django stamped earlier in the same transaction.

    Those are taken after the transaction began (here: its first statement runs
    before the candidate is saved), so the transaction's start (``now()``) would move
    updated_at back; the trigger reads the clock.
    """
    with transaction.atomic():
        _clock()
        candidate = baker.make(Candidate, email="ada.lovelace@example.com")

        Candidate.objects.filter(pk=candidate.pk).update(status=Candidate.Status.INACTIVE)

        assert _stored_updated_at(Candidate, candidate.pk) > candidate.updated_at


def test_an_orm_save_keeps_the_time_django_put_on_the_instance(admin_api, candidate):
    """The API answers with what the database holds."""
    response = admin_api.patch(
        f"/api/v1/candidates/{candidate.pk}/", {"target_role": "CTO"}, format="json"
    )

    assert response.status_code == 200
    stored = _stored_updated_at(Candidate, candidate.pk)
    assert parse_datetime(response.json()["updated_at"]) == stored
    assert stored > candidate.updated_at


def test_a_statement_that_sets_updated_at_keeps_its_value(candidate):
    when = datetime(2031, 5, 4, 3, 2, 1, 123456, tzinfo=UTC)

    Candidate.objects.filter(pk=candidate.pk).update(phone="+44 20 7946 0958", updated_at=when)

    assert _stored_updated_at(Candidate, candidate.pk) == when


def test_an_update_that_changes_nothing_moves_nothing_and_records_nothing(candidate):
    before = _stored_updated_at(Candidate, candidate.pk)
    events = _events(candidate)

    with connection.cursor() as cursor:
        cursor.execute("UPDATE candidates SET status = status WHERE id = %s", [candidate.pk])
        assert cursor.rowcount == 1

    assert _stored_updated_at(Candidate, candidate.pk) == before
    assert _events(candidate) == events


def test_the_audit_trail_records_the_new_time_in_the_one_row_of_the_change(candidate):
    events = _events(candidate)

    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE candidates SET phone = '+44 20 7946 0958' WHERE id = %s", [candidate.pk]
        )

    [recorded] = _events(candidate)[len(events) :]
    assert (recorded.pgh_label, recorded.phone) == ("update", "+44 20 7946 0958")
    assert recorded.updated_at == _stored_updated_at(Candidate, candidate.pk)
    assert recorded.updated_at > events[-1].updated_at


def test_a_rewrite_may_keep_the_time_when_it_says_so(candidate):
    """What the README tells a data migration that must not move updated_at."""
    before = _stored_updated_at(Candidate, candidate.pk)

    with pgtrigger.ignore("candidates.Candidate:keep_updated_at"):
        Candidate.objects.filter(pk=candidate.pk).update(target_role="CTO")

    assert _stored_updated_at(Candidate, candidate.pk) == before
    assert Candidate.objects.get(pk=candidate.pk).target_role == "CTO"
