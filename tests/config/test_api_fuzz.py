"""Property: whatever a client sends, the API answers it without a 5xx.

Hypothesis sends arbitrary JSON — wrong types, huge numbers, NUL characters, nested
junk, unknown keys — to every write endpoint and arbitrary values to the filters.
The tests run on committed transactions (as production does), so a database error
the API failed to turn into a 4xx cannot hide inside a test transaction.
"""

import uuid

import pytest
from django.contrib.auth.models import User
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rest_framework.test import APIClient

from candidates.models import Candidate
from interviews import services

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

FUZZ = settings(
    max_examples=80,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=40)
    | st.sampled_from(["", "\x00", "2026-01-01T00:00:00Z", str(uuid.uuid4()), "https://x.io"])
)
json_values = st.recursive(
    scalars,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=12,
)


def bodies(fields: list[str]):
    """Objects with the endpoint's own field names (and some others), any values."""
    return st.dictionaries(
        st.sampled_from(fields) | st.text(max_size=8), json_values, max_size=len(fields) + 2
    )


@pytest.fixture
def world():
    user = User.objects.create_superuser("fuzzer", "fuzz@example.com", "x9-unused")
    client = APIClient()
    client.force_authenticate(user)
    candidate = Candidate.objects.create(email="target@example.com", full_name="Fuzz Target")
    interview = services.start_interview(
        services.create_interview(candidate=candidate, role_type="python")
    )
    return client, candidate, interview


def _assert_no_server_error(response):
    assert response.status_code < 500, (response.status_code, response.content[:300])


CANDIDATE_FIELDS = [
    "email", "full_name", "phone", "status", "target_role", "experience_level",
    "timezone", "skills", "password", "user",
]  # fmt: skip
INTERVIEW_FIELDS = [
    "candidate", "resume", "role_type", "scheduled_for", "ai_model_used",
    "total_tokens_used", "cost_usd",
]  # fmt: skip
MESSAGE_FIELDS = [
    "message_type", "content_text", "content_audio_url", "audio_duration_seconds",
    "audio_metadata", "response_time_seconds", "metadata", "client_message_id",
]  # fmt: skip
SESSION_FIELDS = [
    "conversation_memory", "current_difficulty_level", "questions_asked_count",
    "skill_boundaries_identified", "progression_state", "last_activity_at", "schema_version",
]  # fmt: skip
ASSESSMENT_FIELDS = [
    "interview", "overall_score", "skill_scores", "strengths", "integrity_flags",
    "integrity_score", "generated_at", "ai_model", "prompt_version", "schema_version",
]  # fmt: skip
ACTION_FIELDS = [
    "interview", "candidate", "agent_type", "action", "rationale", "status",
    "ai_model", "tokens_used", "cost_usd", "input", "output",
]  # fmt: skip
REVIEW_FIELDS = ["review_status", "final_score", "review_notes"]


@FUZZ
@given(body=bodies(CANDIDATE_FIELDS))
def test_candidate_writes(world, body):
    client, candidate, _ = world
    _assert_no_server_error(client.post("/api/v1/candidates/", body, format="json"))
    _assert_no_server_error(
        client.patch(f"/api/v1/candidates/{candidate.pk}/", body, format="json")
    )


@FUZZ
@given(body=bodies(INTERVIEW_FIELDS))
def test_interview_writes(world, body):
    client, _, interview = world
    _assert_no_server_error(client.post("/api/v1/interviews/", body, format="json"))
    _assert_no_server_error(
        client.patch(f"/api/v1/interviews/{interview.pk}/", body, format="json")
    )


@FUZZ
@given(body=bodies(MESSAGE_FIELDS), key=st.none() | st.text(max_size=40))
def test_transcript_appends(world, body, key):
    client, _, interview = world
    headers = {} if key is None or "\n" in key or "\r" in key else {"HTTP_IDEMPOTENCY_KEY": key}
    response = client.post(
        f"/api/v1/interviews/{interview.pk}/messages/", body, format="json", **headers
    )
    _assert_no_server_error(response)


@FUZZ
@given(body=bodies(SESSION_FIELDS), if_match=st.none() | st.text(max_size=20))
def test_session_writes(world, body, if_match):
    client, _, interview = world
    headers = (
        {}
        if if_match is None or "\n" in if_match or "\r" in if_match
        else {"HTTP_IF_MATCH": if_match}
    )
    response = client.patch(
        f"/api/v1/interviews/{interview.pk}/session/", body, format="json", **headers
    )
    _assert_no_server_error(response)


@FUZZ
@given(body=bodies(ASSESSMENT_FIELDS), review=bodies(REVIEW_FIELDS))
def test_assessment_writes(world, body, review):
    client, _, interview = world
    body = {"interview": str(interview.pk), **body}
    created = client.post("/api/v1/assessments/", body, format="json")
    _assert_no_server_error(created)
    if created.status_code == 201:
        url = f"/api/v1/assessments/{created.json()['id']}/"
        _assert_no_server_error(client.post(f"{url}review/", review, format="json"))
        _assert_no_server_error(client.delete(url))


@FUZZ
@given(body=bodies(ACTION_FIELDS))
def test_agent_action_writes(world, body):
    client, _, _ = world
    _assert_no_server_error(client.post("/api/v1/agent-actions/", body, format="json"))


FILTERS = {
    "/api/v1/candidates/": [
        "status", "email", "search", "experience_level", "target_role", "skills",
        "created_after", "created_before", "include_deleted", "ordering", "page", "page_size",
    ],
    "/api/v1/interviews/": ["candidate", "status", "role_type", "created_after", "ordering"],
    "/api/v1/assessments/": [
        "interview", "candidate", "review_status", "min_score", "max_score",
        "skill_scores__contains", "skill_scores__has_key", "integrity_flags__contains",
        "ordering", "page_size",
    ],
    "/api/v1/agent-actions/": ["interview", "candidate", "agent_type", "status", "page"],
}  # fmt: skip
query_values = (
    st.text(max_size=30)
    | st.integers().map(str)
    | st.sampled_from(
        ['{"python": {"score": 1}}', "[1", "null", "NaN", "[]", "{}", "-1", "true", "1e999"]
    )
)


@FUZZ
@given(
    path=st.sampled_from(sorted(FILTERS)),
    data=st.data(),
)
def test_list_filters(world, path, data):
    client, _, interview = world
    names = st.sampled_from(FILTERS[path])
    query = data.draw(st.dictionaries(names, query_values, max_size=4))
    _assert_no_server_error(client.get(path, query))
    _assert_no_server_error(
        client.get(f"/api/v1/interviews/{interview.pk}/messages/", {"after": query.get("page", "")})
    )
