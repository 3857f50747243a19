"""Erasure and retention do what the models declare (``personal_data``), field by field,
and every field that could hold personal data is declared one way or the other."""

import io
from datetime import timedelta

import pghistory.models
import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import models
from django.test.utils import isolate_apps
from django.utils import timezone

from assessments.models import AssessmentResult
from candidates.models import Candidate, Resume
from core.personal import PersonalData, declared, erased_values, undeclared_fields
from interviews.models import AgentAction, Interview, InterviewMessage, InterviewSession
from privacy.services import domain_models, erased_models, expiring_models
from tests.privacy.test_erasure_api import erasable  # noqa: F401 - a fixture

#: How to find a candidate's rows of each model erasure reaches.
OWNED_THROUGH = {
    Candidate: "pk",
    Resume: "candidate",
    Interview: "candidate",
    InterviewSession: "interview__candidate",
    InterviewMessage: "interview__candidate",
    AgentAction: "candidate",
    AssessmentResult: "interview__candidate",
}


def project_models() -> list:
    """Every model of the project's own apps, audit-history tables aside (they copy
    the tracked model's fields, and erasure reaches them through its declaration)."""
    return [
        model
        for model in apps.get_models()
        if model.__module__.split(".")[0]
        in {"core", "candidates", "interviews", "assessments", "privacy", "ops"}
        and not issubclass(model, pghistory.models.Event)
    ]


def test_every_field_that_could_hold_personal_data_is_declared():
    assert {model.__name__: undeclared_fields(model) for model in project_models()} == {
        model.__name__: set() for model in project_models()
    }


@isolate_apps("candidates")
def test_a_new_text_json_url_or_file_field_must_be_declared():
    class Note(models.Model):  # noqa: DJ008 - never shown
        body = models.TextField()
        link = models.URLField()
        document = models.JSONField()
        attachment = models.FileField()
        tags = models.JSONField()
        labels = models.CharField(max_length=10, choices=[("a", "A")])  # A fixed set.
        count = models.IntegerField()

        personal_data = PersonalData(kept={"tags": "what the note is filed under"})

        class Meta:
            app_label = "candidates"

    assert undeclared_fields(Note) == {"body", "link", "document", "attachment"}


@isolate_apps("candidates")
def test_a_new_model_that_declares_nothing_must_declare_its_text_fields():
    class Label(models.Model):  # noqa: DJ008 - never shown
        text = models.TextField()
        count = models.IntegerField()

        class Meta:
            app_label = "candidates"

    assert undeclared_fields(Label) == {"text"}


def test_every_declared_field_exists():
    for model in project_models():
        names = {f.name for f in model._meta.concrete_fields}
        assert declared(model).fields() <= names, model


def test_the_domain_models_are_every_model_holding_candidates_data():
    assert set(domain_models()) == {model for model in project_models() if declared(model).fields()}
    assert set(erased_models()) == set(OWNED_THROUGH)
    assert set(expiring_models()) == {InterviewSession, InterviewMessage, AgentAction}


def _rows(model, candidate):
    return model._base_manager.filter(**{OWNED_THROUGH[model]: candidate.pk})


@pytest.mark.django_db
def test_erasure_writes_what_each_model_declares(admin_api, erasable):  # noqa: F811
    declarations = [
        (model, personal) for model in erased_models() for personal in declared(model).erasure
    ]
    before = {}
    for model, personal in declarations:
        for row in _rows(model, erasable).filter(personal.rows):
            before[model, row.pk] = row

    response = admin_api.post(f"/api/v1/candidates/{erasable.pk}/erase/")

    assert response.status_code == 200
    changed = set()
    for model, personal in declarations:
        rows = list(_rows(model, erasable).filter(personal.rows))
        assert rows, (model, personal.description)  # The fixture holds every kind.
        for row in rows:
            # Erasing is a change of the row: its updated_at moves.
            assert row.updated_at > before[model, row.pk].updated_at, model
            for name, value in erased_values(personal, row).items():
                assert getattr(row, name) == value, (model, name)
                if getattr(before[model, row.pk], name) != value:
                    changed.add((model, name))
    # Every declared field held something to erase, so each assertion above was earned.
    assert changed == {
        (model, name) for model, personal in declarations for name in personal.erased
    }


@pytest.mark.django_db
def test_the_retention_purge_writes_what_each_model_declares(erasable):  # noqa: F811
    interview = Interview.objects.get(candidate=erasable)
    ended = timezone.now() - timedelta(days=40)
    Interview.objects.filter(pk=interview.pk).update(
        status="completed", started_at=ended - timedelta(hours=1), completed_at=ended
    )
    expiring = {
        model: model._base_manager.filter(interview=interview) for model in expiring_models()
    }
    before = {model: list(rows.values()) for model, rows in expiring.items()}

    call_command("purge_expired", "--days", "30", stdout=io.StringIO())

    for model, rows in expiring.items():
        expiry = declared(model).expiry
        after = list(rows.values(*expiry))
        assert after, model  # The fixture holds rows of every kind.
        assert after == [dict(expiry)] * len(after), model
        # Every declared field held something before, so the purge changed each one.
        assert all(
            any(row[name] != value for row in before[model]) for name, value in expiry.items()
        ), model
