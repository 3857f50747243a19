"""Erasure and retention do what the models declare (``personal_data``), field by field."""

import io
from datetime import timedelta

import pytest
from django.apps import apps
from django.core.management import call_command
from django.utils import timezone

from candidates.models import Candidate, Resume
from core.personal import declared, erased_values
from interviews.models import AgentAction, Interview, InterviewMessage, InterviewSession
from privacy.services import ERASED_MODELS
from tests.privacy.test_erasure_api import erasable  # noqa: F401 - a fixture

#: How to find a candidate's rows of each model erasure reaches.
OWNED_THROUGH = {
    Candidate: "pk",
    Resume: "candidate",
    InterviewMessage: "interview__candidate",
    InterviewSession: "interview__candidate",
    AgentAction: "candidate",
}


def _rows(model, candidate):
    manager = getattr(model, "all_objects", model.objects)
    return manager.filter(**{OWNED_THROUGH[model]: candidate.pk})


def test_every_model_that_declares_personal_data_is_erased():
    declaring = {model for model in apps.get_models() if declared(model).erasure}
    assert declaring == set(ERASED_MODELS) == set(OWNED_THROUGH)


@pytest.mark.django_db
def test_erasure_writes_what_each_model_declares(admin_api, erasable):  # noqa: F811
    declarations = [
        (model, personal) for model in ERASED_MODELS for personal in declared(model).erasure
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
def test_the_retention_purge_writes_what_messages_declare(interview_in_progress, message):
    InterviewMessage.objects.filter(pk=message.pk).update(
        content_audio_url="https://audio.example.com/q.ogg", audio_metadata={"codec": "opus"}
    )
    ended = timezone.now() - timedelta(days=40)
    Interview.objects.filter(pk=interview_in_progress.pk).update(
        status="completed", started_at=ended - timedelta(hours=1), completed_at=ended
    )
    expiry = declared(InterviewMessage).expiry
    assert expiry  # Messages expire.

    call_command("purge_expired", "--days", "30", stdout=io.StringIO())

    message.refresh_from_db()
    assert {name: getattr(message, name) for name in expiry} == dict(expiry)
