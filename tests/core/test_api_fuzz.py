"""Property: whatever a client sends, the API answers as documented, never with a 5xx.

Hypothesis sends arbitrary JSON — wrong types, huge numbers, NUL characters, nested
junk, unknown keys — to every write endpoint and arbitrary values to the filters.
Every answer must be one the OpenAPI document lists for that operation (a superuser
is never refused: no 401 or 403), in the shape the spec gives errors: a 400 names
fields, parameters or ``non_field_errors``; other 4xx carry ``detail``. A refused
request writes nothing, and a read never writes. The tests run on committed
transactions (as production does), so a database error the API failed to turn into
a 4xx cannot hide inside a test transaction.
"""

import functools
import re
import uuid

import pytest
from django.contrib.auth.models import User
from django.db import connection
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rest_framework.test import APIClient

from candidates.models import Candidate, Resume
from interviews import services
from tests.dbutils import table_contents

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

# How many examples each test tries is the Hypothesis profile's (tests/conftest.py).
FUZZ = settings(
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
    resume = Resume.objects.create(
        candidate=candidate,
        file_url="https://files.example.com/fuzz.pdf",
        file_name="fuzz.pdf",
        file_size=10,
    )
    interview = services.start_interview(
        services.create_interview(candidate=candidate, resume=resume, role_type="python")
    )
    return client, candidate, interview


#: Shown to staff only (SPEC §4), so not in the documented representation.
SOFT_DELETE_FIELDS = {"deleted_at", "deleted_by", "deletion_reason"}


@functools.cache
def _openapi() -> dict:
    return SchemaGenerator().get_schema(request=None, public=True)


def _operation(method: str, path: str) -> dict:
    """The OpenAPI operation that serves ``method path``."""
    for template, operations in _openapi()["paths"].items():
        if re.fullmatch(re.sub(r"\{[^}]+\}", "[^/]+", template), path):
            return operations[method.lower()]
    raise AssertionError(f"{method} {path} is not in the OpenAPI document.")


def _names(operation: dict) -> set[str]:
    """What a 400 may name: the operation's body fields and its parameters."""
    names = {parameter["name"] for parameter in operation.get("parameters", [])}
    for content in operation.get("requestBody", {}).get("content", {}).values():
        reference = content["schema"]["$ref"].rsplit("/", 1)[-1]
        names |= set(_openapi()["components"]["schemas"][reference]["properties"])
    return names


def _rows() -> dict:
    """Every row of every table; sequences left out (PostgreSQL never rolls them back)."""
    connection.ensure_connection()
    contents = table_contents(connection.connection)
    return {key: value for key, value in contents.items() if not key.startswith("sequence ")}


def _send(client: APIClient, method: str, path: str, data=None, **headers):
    """Send a request and hold its answer to the OpenAPI document and the spec."""
    before = _rows()
    if method == "get":
        response = client.get(path, data, **headers)
    else:
        response = getattr(client, method)(path, data, format="json", **headers)
    operation = _operation(method, path)
    code = response.status_code
    context = (method, path, data, code, response.content[:300])
    # The caller is a superuser: never unauthenticated, never forbidden.
    assert str(code) in set(operation["responses"]) - {"401", "403"}, context
    if code == 400:
        errors = response.json()
        assert isinstance(errors, dict), context
        assert errors, context
        assert set(errors) <= _names(operation) | {"non_field_errors"}, context
    elif code >= 400:
        assert set(response.json()) == {"detail"}, context
    elif code != 204:
        # A success carries the documented representation, every field of it.
        documented = operation["responses"][str(code)]["content"]["application/json"]["schema"]
        reference = documented.get("$ref", "").rsplit("/", 1)[-1]
        if reference:
            fields = set(_openapi()["components"]["schemas"][reference]["properties"])
            # Staff also see the soft-delete fields, which the document leaves out.
            assert set(response.json()) - SOFT_DELETE_FIELDS == fields, context
    if code >= 400 or method == "get":
        assert _rows() == before, context
    return response


RESUME_FIELDS = [
    "candidate", "file_url", "file_name", "file_size", "uploaded_at", "parsed_at",
    "parsing_status", "parsed_data", "schema_version",
]  # fmt: skip
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
    "audio_metadata", "response_time_seconds", "metadata", "schema_version",
    "client_message_id",
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
@given(body=bodies(CANDIDATE_FIELDS), fresh=st.none() | st.uuids())
def test_candidate_writes(world, body, fresh):
    client, candidate, _ = world
    # Half the bodies start from a valid candidate, so writes that succeed are fuzzed too.
    base = {} if fresh is None else {"email": f"{fresh}@example.com", "full_name": "Fuzz New"}
    _send(client, "post", "/api/v1/candidates/", {**base, **body})
    _send(client, "patch", f"/api/v1/candidates/{candidate.pk}/", body)
    _send(client, "put", f"/api/v1/candidates/{candidate.pk}/", {**base, **body})


VALID_RESUME = {"file_url": "https://files.example.com/r.pdf", "file_name": "r.pdf", "file_size": 5}


@FUZZ
@given(body=bodies(RESUME_FIELDS), valid=st.booleans())
def test_resume_writes(world, body, valid):
    client, candidate, interview = world
    base = {"candidate": str(candidate.pk), **VALID_RESUME} if valid else {}
    created = _send(client, "post", "/api/v1/resumes/", {**base, **body})
    _send(client, "patch", f"/api/v1/resumes/{interview.resume_id}/", body)
    if created.status_code == 201:
        url = f"/api/v1/resumes/{created.json()['id']}/"
        _send(client, "put", url, {**base, **body})
        assert _send(client, "delete", url).status_code == 204


@FUZZ
@given(body=bodies(INTERVIEW_FIELDS), valid=st.booleans())
def test_interview_writes(world, body, valid):
    client, candidate, interview = world
    base = {"candidate": str(candidate.pk), "role_type": "python"} if valid else {}
    _send(client, "post", "/api/v1/interviews/", {**base, **body})
    _send(client, "patch", f"/api/v1/interviews/{interview.pk}/", body)
    _send(client, "put", f"/api/v1/interviews/{interview.pk}/", {**base, **body})


@FUZZ
@given(
    body=bodies(MESSAGE_FIELDS),
    key=st.none() | st.text(max_size=40) | st.uuids().map(str),
    valid=st.booleans(),
)
def test_transcript_appends(world, body, key, valid):
    client, _, interview = world
    headers = {} if key is None or "\n" in key or "\r" in key else {"HTTP_IDEMPOTENCY_KEY": key}
    base = {"message_type": "ai_question", "content_text": "What is a closure?"} if valid else {}
    url = f"/api/v1/interviews/{interview.pk}/messages/"
    _send(client, "post", url, {**base, **body}, **headers)


@FUZZ
@given(body=bodies(SESSION_FIELDS), if_match=st.none() | st.text(max_size=20))
def test_session_writes(world, body, if_match):
    client, _, interview = world
    headers = (
        {}
        if if_match is None or "\n" in if_match or "\r" in if_match
        else {"HTTP_IF_MATCH": if_match}
    )
    _send(client, "patch", f"/api/v1/interviews/{interview.pk}/session/", body, **headers)


VALID_ASSESSMENT = {"overall_score": "50.00", "skill_scores": {"python": {"score": 50}}}
VALID_REVIEW = {"review_status": "approved"}


@FUZZ
@given(body=bodies(ASSESSMENT_FIELDS), review=bodies(REVIEW_FIELDS), valid=st.booleans())
def test_assessment_writes(world, body, review, valid):
    client, _, interview = world
    body = {"interview": str(interview.pk), **(VALID_ASSESSMENT if valid else {}), **body}
    created = _send(client, "post", "/api/v1/assessments/", body)
    if created.status_code == 201:
        url = f"/api/v1/assessments/{created.json()['id']}/"
        _send(client, "put", url, {**body, **VALID_ASSESSMENT} if valid else body)
        _send(client, "post", f"{url}review/", {**VALID_REVIEW, **review} if valid else review)
        assert _send(client, "delete", url).status_code == 204


@FUZZ
@given(body=bodies(ACTION_FIELDS), valid=st.booleans())
def test_agent_action_writes(world, body, valid):
    client, _, _ = world
    base = {"agent_type": "scorer", "action": "score_interview", "status": "succeeded"}
    _send(client, "post", "/api/v1/agent-actions/", {**(base if valid else {}), **body})


FILTERS = {
    "/api/v1/candidates/": [
        "status", "email", "search", "experience_level", "target_role", "skills",
        "created_after", "created_before", "include_deleted", "ordering", "page", "page_size",
    ],
    "/api/v1/resumes/": ["candidate", "parsing_status", "ordering", "page", "page_size"],
    "/api/v1/interviews/": [
        "candidate", "status", "role_type", "created_after", "created_before", "ordering",
        "page", "page_size",
    ],
    "/api/v1/assessments/": [
        "interview", "candidate", "review_status", "min_score", "max_score",
        "skill_scores__contains", "skill_scores__has_key", "integrity_flags__contains",
        "ordering", "page_size",
    ],
    "/api/v1/agent-actions/": [
        "interview", "candidate", "agent_type", "status", "ordering", "page", "page_size",
    ],
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
    _send(client, "get", path, query)
    _send(
        client,
        "get",
        f"/api/v1/interviews/{interview.pk}/messages/",
        {"after": query.get("page", "")},
    )
