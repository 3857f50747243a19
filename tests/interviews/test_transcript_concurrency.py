"""Concurrent appends, with real threads and their own database connections."""

import threading
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.contrib.auth.models import User
from django.db import connection
from rest_framework.test import APIClient

from candidates.models import Candidate
from interviews import services
from interviews.models import InterviewMessage

pytestmark = pytest.mark.django_db(transaction=True)

WORKERS = 12
APPENDS_PER_WORKER = 5


@pytest.fixture
def running_interview():
    candidate = Candidate.objects.create(email="load@example.com", full_name="Load Test")
    return services.start_interview(
        services.create_interview(candidate=candidate, role_type="python")
    )


@pytest.fixture
def engine_user():
    return User.objects.create_superuser("engine-load", "engine@example.com", "x9-unused")


def _run_together(worker, count: int) -> list:
    """Start ``count`` workers at the same moment; each closes its own connection."""
    start = threading.Barrier(count)

    def run(index):
        try:
            start.wait(10)
            return worker(index)
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(run, range(count)))


def test_concurrent_appends_are_numbered_without_gaps_or_duplicates(running_interview, engine_user):
    url = f"/api/v1/interviews/{running_interview.pk}/messages/"

    def append_several(index):
        client = APIClient()
        client.force_authenticate(engine_user)
        return [
            client.post(
                url,
                {"message_type": "ai_question", "content_text": f"Worker {index}, question {n}"},
                format="json",
            ).status_code
            for n in range(APPENDS_PER_WORKER)
        ]

    statuses = _run_together(append_several, WORKERS)

    total = WORKERS * APPENDS_PER_WORKER
    assert [code for codes in statuses for code in codes] == [201] * total
    numbers = list(
        InterviewMessage.objects.filter(interview=running_interview)
        .order_by("sequence_number")
        .values_list("sequence_number", flat=True)
    )
    assert numbers == list(range(1, total + 1))


def test_concurrent_retries_of_one_append_store_it_once(running_interview, engine_user):
    url = f"/api/v1/interviews/{running_interview.pk}/messages/"
    key = str(uuid.uuid4())

    def retry(_index):
        client = APIClient()
        client.force_authenticate(engine_user)
        response = client.post(
            url,
            {"message_type": "ai_question", "content_text": "Sent once, retried often"},
            format="json",
            HTTP_IDEMPOTENCY_KEY=key,
        )
        return response.status_code, response.json()["id"]

    results = _run_together(retry, WORKERS)

    assert sorted(code for code, _id in results) == [200] * (WORKERS - 1) + [201]
    assert len({message_id for _code, message_id in results}) == 1
    assert InterviewMessage.objects.filter(interview=running_interview).count() == 1


def test_no_append_lands_after_a_concurrent_completion(running_interview, engine_user):
    url = f"/api/v1/interviews/{running_interview.pk}/messages/"

    def append_or_complete(index):
        client = APIClient()
        client.force_authenticate(engine_user)
        if index == 0:
            return "complete", client.post(
                f"/api/v1/interviews/{running_interview.pk}/complete/"
            ).status_code
        return "append", client.post(
            url, {"message_type": "ai_question", "content_text": "Late?"}, format="json"
        ).status_code

    results = _run_together(append_or_complete, WORKERS)

    assert ("complete", 200) in results
    running_interview.refresh_from_db()
    appended = InterviewMessage.objects.filter(interview=running_interview)
    # Every append either landed before the completion or was refused with 409.
    assert all(code in (201, 409) for kind, code in results if kind == "append")
    assert appended.count() == sum(1 for kind, code in results if (kind, code) == ("append", 201))
    assert all(message.created_at <= running_interview.completed_at for message in appended)
