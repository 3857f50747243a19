"""JSON documents are held to their schemas on every write, and never on a read.

Each write path — create, replace, partial update, the transcript append, the session
PATCH with If-Match, the admin's form — refuses a bad document with a 400 (or a form
error) naming the path of the bad value, and writes nothing. Documents stored before
the schemas existed (here: by plain SQL) are read back, and edited around, as they are.
"""

import json
import re

import pytest
from django.db import connection
from jsonschema import Draft202012Validator

from assessments.models import AssessmentResult
from candidates.models import Resume
from core import schemas
from interviews import services
from interviews.models import AgentAction, InterviewMessage, InterviewSession
from tests.dbutils import table_contents

UNKNOWN_VERSION_2 = ["There is no schema version 2; versions known: 1."]
BAD_SCORE = ["$.python.score: 120 is greater than the maximum of 100"]


def _database() -> dict:
    """Every row of every table (sequences left out: nothing here uses them)."""
    connection.ensure_connection()
    contents = table_contents(connection.connection)
    return {key: value for key, value in contents.items() if not key.startswith("sequence ")}


@pytest.fixture
def world(resume, interview_in_progress, assessment):
    """A resume, an interview in progress (with its session) and its assessment, and an
    interview still to be assessed."""
    unassessed = services.create_interview(candidate=resume.candidate, role_type="react")
    return {
        "resume": resume,
        "interview": interview_in_progress,
        "assessment": assessment,
        "unassessed": unassessed,
    }


def _resume_body(world, **documents) -> dict:
    resume = world["resume"]
    return {
        "candidate": str(resume.candidate_id),
        "file_url": resume.file_url,
        "file_name": resume.file_name,
        "file_size": resume.file_size,
        **documents,
    }


def _assessment_body(world, **documents) -> dict:
    return {
        "interview": str(world["unassessed"].pk),
        "overall_score": "70.00",
        "skill_scores": {"python": {"score": 70}},
        **documents,
    }


def _question(**documents) -> dict:
    return {"message_type": "ai_question", "content_text": "What is a closure?", **documents}


#: (method, path, body, headers, answer): one bad document through each write path.
WRITES = {
    "resume create": (
        "post",
        lambda w: "/api/v1/resumes/",
        lambda w: _resume_body(w, parsed_data={"skills": ["python", 5]}),
        {},
        {"parsed_data": ["$.skills[1]: 5 is not of type 'string'"]},
    ),
    "resume replace": (
        "put",
        lambda w: f"/api/v1/resumes/{w['resume'].pk}/",
        lambda w: _resume_body(w, parsed_data={"experience": [{"years": -1}]}),
        {},
        {"parsed_data": ["$.experience[0].years: -1 is less than the minimum of 0"]},
    ),
    "resume partial update": (
        "patch",
        lambda w: f"/api/v1/resumes/{w['resume'].pk}/",
        lambda w: {"parsed_data": ["python"]},
        {},
        {"parsed_data": ["$: ['python'] is not of type 'object'"]},
    ),
    "transcript append": (
        "post",
        lambda w: f"/api/v1/interviews/{w['interview'].pk}/messages/",
        lambda w: _question(metadata={"confidence": 1.5}, audio_metadata={"channels": 0}),
        {},
        {
            "metadata": ["$.confidence: 1.5 is greater than the maximum of 1"],
            "audio_metadata": ["$.channels: 0 is less than the minimum of 1"],
        },
    ),
    "transcript append with an Idempotency-Key": (
        "post",
        lambda w: f"/api/v1/interviews/{w['interview'].pk}/messages/",
        lambda w: _question(metadata={"sent_at": "yesterday"}),
        {"HTTP_IDEMPOTENCY_KEY": "0b7c5a36-6a4c-4a5e-9c52-1f6f2f7a4d11"},
        {"metadata": ["$.sent_at: 'yesterday' is not a 'date-time'"]},
    ),
    "session update with If-Match": (
        "patch",
        lambda w: f"/api/v1/interviews/{w['interview'].pk}/session/",
        lambda w: {"current_difficulty_level": "advanced", "progression_state": {"streak": -1}},
        {"HTTP_IF_MATCH": '"1"'},
        {"progression_state": ["$.streak: -1 is less than the minimum of 0"]},
    ),
    "session update": (
        "patch",
        lambda w: f"/api/v1/interviews/{w['interview'].pk}/session/",
        lambda w: {
            "conversation_memory": {"topics_covered": "generators"},
            "skill_boundaries_identified": {"python": 3},
        },
        {},
        {
            "conversation_memory": ["$.topics_covered: 'generators' is not of type 'array'"],
            "skill_boundaries_identified": ["$.python: 3 is not of type 'string', 'object'"],
        },
    ),
    "agent action create": (
        "post",
        lambda w: "/api/v1/agent-actions/",
        lambda w: {
            "agent_type": "scorer",
            "action": "score_interview",
            "status": "succeeded",
            "input": {"question_number": 0},
            "output": {"overall_score": 120},
        },
        {},
        {
            "input": ["$.question_number: 0 is less than the minimum of 1"],
            "output": ["$.overall_score: 120 is greater than the maximum of 100"],
        },
    ),
    "assessment create": (
        "post",
        lambda w: "/api/v1/assessments/",
        lambda w: _assessment_body(w, skill_scores={"python": {"score": 120, "level": "advanced"}}),
        {},
        {"skill_scores": BAD_SCORE},
    ),
    "assessment replace": (
        "put",
        lambda w: f"/api/v1/assessments/{w['assessment'].pk}/",
        lambda w: _assessment_body(
            w,
            skill_scores={"python": {"score": 120}},
            strengths=["generators", ""],
            integrity_flags="tab_switching",
        ),
        {},
        {
            "skill_scores": BAD_SCORE,
            "strengths": ["$[1]: '' should be non-empty"],
            "integrity_flags": ["$: 'tab_switching' is not of type 'array'"],
        },
    ),
    "assessment partial update": (
        "patch",
        lambda w: f"/api/v1/assessments/{w['assessment'].pk}/",
        lambda w: {
            "ai_reasoning": {"evidence": {"messages": ["two"]}},
            "skill_boundary_map": {"python": None},
            "weaknesses": {"sql": 1},
            "recommended_actions": [7],
        },
        {},
        {
            "ai_reasoning": ["$.evidence.messages[0]: 'two' is not of type 'integer'"],
            "skill_boundary_map": ["$.python: None is not of type 'string', 'object'"],
            "weaknesses": ["$: {'sql': 1} is not of type 'array'"],
            "recommended_actions": ["$[0]: 7 is not of type 'string', 'object'"],
        },
    ),
    # An empty object is not an empty list: the check skips only null.
    "assessment partial update with empty objects for lists": (
        "patch",
        lambda w: f"/api/v1/assessments/{w['assessment'].pk}/",
        lambda w: {
            "strengths": {},
            "weaknesses": {},
            "integrity_flags": {},
            "recommended_actions": {},
        },
        {},
        {
            "strengths": ["$: {} is not of type 'array'"],
            "weaknesses": ["$: {} is not of type 'array'"],
            "integrity_flags": ["$: {} is not of type 'array'"],
            "recommended_actions": ["$: {} is not of type 'array'"],
        },
    ),
}


@pytest.mark.parametrize("write", WRITES.values(), ids=WRITES.keys())
def test_a_bad_document_is_refused_naming_its_path_and_nothing_is_written(admin_api, world, write):
    method, path, body, headers, answer = write
    before = _database()

    response = getattr(admin_api, method)(path(world), body(world), format="json", **headers)

    assert (response.status_code, response.json()) == (400, answer)
    assert _database() == before


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("post", lambda w: "/api/v1/resumes/", lambda w: _resume_body(w)),
        ("patch", lambda w: f"/api/v1/resumes/{w['resume'].pk}/", lambda w: {}),
        (
            "post",
            lambda w: f"/api/v1/interviews/{w['interview'].pk}/messages/",
            lambda w: _question(),
        ),
        ("patch", lambda w: f"/api/v1/interviews/{w['interview'].pk}/session/", lambda w: {}),
        ("post", lambda w: "/api/v1/assessments/", lambda w: _assessment_body(w)),
        ("patch", lambda w: f"/api/v1/assessments/{w['assessment'].pk}/", lambda w: {}),
    ],
)
def test_a_schema_version_without_schemas_is_refused(admin_api, world, method, path, body):
    before = _database()

    response = getattr(admin_api, method)(
        path(world), {**body(world), "schema_version": 2}, format="json"
    )

    assert (response.status_code, response.json()) == (400, {"schema_version": UNKNOWN_VERSION_2})
    assert _database() == before


def test_an_appended_message_carries_its_schema_version(admin_api, world):
    url = f"/api/v1/interviews/{world['interview'].pk}/messages/"
    document = {"sent_at": "2026-03-14T15:09:26.535897Z", "confidence": "0.9"}

    response = admin_api.post(url, _question(metadata=document), format="json")

    assert response.status_code == 201, response.content
    assert (response.json()["schema_version"], response.json()["metadata"]) == (1, document)
    stored = InterviewMessage.objects.get(pk=response.json()["id"])
    assert (stored.schema_version, stored.metadata) == (1, document)


def test_true_is_not_taken_for_the_stored_1(admin_api, world):
    session = world["interview"].session
    InterviewSession.objects.filter(pk=session.pk).update(progression_state={"streak": 1})

    response = admin_api.patch(
        f"/api/v1/interviews/{world['interview'].pk}/session/",
        {"progression_state": {"streak": True}},
        format="json",
    )

    assert response.json() == {"progression_state": ["$.streak: True is not of type 'integer'"]}
    assert InterviewSession.objects.get(pk=session.pk).progression_state == {"streak": 1}


# --- Documents stored before the schemas ------------------------------------------------

#: Documents no schema accepts, as a row written before the schemas may hold them.
LEGACY = {
    ("resumes", "parsed_data"): ["python", "sql"],
    ("interview_sessions", "conversation_memory"): {"topics_covered": "generators"},
    ("interview_sessions", "skill_boundaries_identified"): [1],
    ("interview_sessions", "progression_state"): {"level": "expert"},
    ("interview_messages", "audio_metadata"): {"channels": 0},
    ("interview_messages", "metadata"): {"confidence": 7},
    ("agent_actions", "input"): "the raw prompt",
    ("agent_actions", "output"): [1, 2],
    ("assessment_results", "skill_scores"): {"python": 82},
    ("assessment_results", "skill_boundary_map"): "asyncio",
    ("assessment_results", "strengths"): "generators",
    ("assessment_results", "weaknesses"): {"sql": 1},
    ("assessment_results", "integrity_flags"): [1],
    ("assessment_results", "ai_reasoning"): "Solid.",
    ("assessment_results", "recommended_actions"): {"next": "onsite"},
}


@pytest.fixture
def legacy(world, message):
    """Every document of a row of each table set, by plain SQL, to a non-conforming one."""
    action = AgentAction.objects.create(
        interview=world["interview"],
        candidate=world["interview"].candidate,
        agent_type="interviewer",
        action="ask_question",
        status="succeeded",
    )
    rows = {
        "resumes": world["resume"].pk,
        "interview_sessions": world["interview"].session.pk,
        "interview_messages": message.pk,
        "agent_actions": action.pk,
        "assessment_results": world["assessment"].pk,
    }
    with connection.cursor() as cursor:
        for (table, column), document in LEGACY.items():
            cursor.execute(
                f'UPDATE "{table}" SET "{column}" = %s::jsonb WHERE id = %s',
                [json.dumps(document), rows[table]],
            )
    return {**world, "message": message, "action": action}


def test_the_legacy_documents_do_not_follow_the_schemas():
    for (table, column), document in LEGACY.items():
        assert schemas.errors(f"{table}.{column}", 1, document), (table, column)


def test_legacy_documents_are_read_back_through_the_api(admin_api, legacy):
    interview = legacy["interview"]
    answers = {
        "resumes": admin_api.get(f"/api/v1/resumes/{legacy['resume'].pk}/"),
        "interview_sessions": admin_api.get(f"/api/v1/interviews/{interview.pk}/session/"),
        "agent_actions": admin_api.get(f"/api/v1/agent-actions/{legacy['action'].pk}/"),
        "assessment_results": admin_api.get(f"/api/v1/assessments/{legacy['assessment'].pk}/"),
    }
    transcript = admin_api.get(f"/api/v1/interviews/{interview.pk}/messages/")
    assert transcript.status_code == 200
    bodies = {table: answer.json() for table, answer in answers.items()}
    assert {table: answer.status_code for table, answer in answers.items()} == dict.fromkeys(
        answers, 200
    )
    [bodies["interview_messages"]] = transcript.json()["results"]
    for (table, column), document in LEGACY.items():
        assert bodies[table][column] == document, (table, column)


@pytest.mark.parametrize(
    "page",
    [
        "candidates/resume/{resume.pk}",
        "interviews/interview/{interview.pk}",
        "interviews/interviewsession/{interview.session.pk}",
        "interviews/interviewmessage/{message.pk}",
        "interviews/agentaction/{action.pk}",
        "assessments/assessmentresult/{assessment.pk}",
    ],
)
def test_legacy_documents_are_shown_by_the_admin(admin_client, legacy, page):
    response = admin_client.get(f"/admin/{page.format(**legacy)}/change/")
    assert response.status_code == 200


def test_the_admin_shows_a_messages_schema_version(admin_client, legacy):
    page = admin_client.get(f"/admin/interviews/interviewmessage/{legacy['message'].pk}/change/")
    shown = re.search(
        r'field-schema_version">.*?<div class="readonly">(.*?)</div>', page.text, re.S
    )
    assert shown[1] == "1"


def test_a_row_with_a_legacy_document_is_edited_around_it(admin_api, legacy):
    resume, interview = legacy["resume"], legacy["interview"]

    # A change of other fields, and the representation sent back as read.
    patched = admin_api.patch(
        f"/api/v1/resumes/{resume.pk}/", {"parsing_status": "failed"}, format="json"
    )
    read = admin_api.get(f"/api/v1/resumes/{resume.pk}/").json()
    replaced = admin_api.put(f"/api/v1/resumes/{resume.pk}/", read, format="json")
    session_url = f"/api/v1/interviews/{interview.pk}/session/"
    session = admin_api.patch(
        session_url,
        {"current_difficulty_level": "advanced", "progression_state": {"level": "expert"}},
        format="json",
        HTTP_IF_MATCH=admin_api.get(session_url)["ETag"],
    )
    scored = admin_api.patch(
        f"/api/v1/assessments/{legacy['assessment'].pk}/",
        {"overall_score": "60.00", "strengths": "generators"},
        format="json",
    )

    assert [patched.status_code, replaced.status_code] == [200, 200], replaced.content
    assert (session.status_code, scored.status_code) == (200, 200), session.content
    assert Resume.objects.get(pk=resume.pk).parsed_data == ["python", "sql"]
    stored = InterviewSession.objects.get(pk=interview.session.pk)
    assert (stored.current_difficulty_level, stored.progression_state) == (
        "advanced",
        {"level": "expert"},
    )
    assert AssessmentResult.objects.get(pk=legacy["assessment"].pk).strengths == "generators"


def test_a_legacy_document_replaced_by_another_bad_one_is_refused(admin_api, legacy):
    response = admin_api.patch(
        f"/api/v1/interviews/{legacy['interview'].pk}/session/",
        {"progression_state": {"level": "master"}},
        format="json",
    )

    assert response.json() == {
        "progression_state": ["$.level: 'master' is not one of ['warmup', 'standard', 'advanced']"]
    }


# --- Versions ------------------------------------------------------------------------


@pytest.fixture
def version_3_resume(resume):
    """A resume whose row says its document follows version 3, which no schema has."""
    Resume.objects.filter(pk=resume.pk).update(schema_version=3, parsed_data=["python"])
    return resume


def test_a_document_of_a_version_without_schemas_is_refused(admin_api, version_3_resume):
    url = f"/api/v1/resumes/{version_3_resume.pk}/"

    refused = admin_api.patch(url, {"parsed_data": {"skills": ["python"]}}, format="json")
    other_fields = admin_api.patch(url, {"parsing_status": "failed"}, format="json")

    assert refused.json() == {"parsed_data": ["There is no schema version 3; versions known: 1."]}
    assert other_fields.status_code == 200
    assert Resume.objects.get(pk=version_3_resume.pk).parsed_data == ["python"]


def test_moving_a_row_to_another_version_checks_its_stored_documents(admin_api, version_3_resume):
    url = f"/api/v1/resumes/{version_3_resume.pk}/"

    refused = admin_api.patch(url, {"schema_version": 1}, format="json")
    moved = admin_api.patch(
        url, {"schema_version": 1, "parsed_data": {"skills": ["python"]}}, format="json"
    )

    assert refused.json() == {"parsed_data": ["$: ['python'] is not of type 'object'"]}
    assert moved.status_code == 200
    stored = Resume.objects.get(pk=version_3_resume.pk)
    assert (stored.schema_version, stored.parsed_data) == (1, {"skills": ["python"]})


#: A version 2 of the parsed resume, as a later release might add beside version 1.
PARSED_DATA_V2 = {
    "type": "object",
    "required": ["sections"],
    "properties": {"sections": {"type": "array", "items": {"type": "object"}}},
}


@pytest.fixture
def parsed_data_v2(monkeypatch):
    key = ("resumes.parsed_data", 2)
    monkeypatch.setitem(schemas.SCHEMAS, key, PARSED_DATA_V2)
    monkeypatch.setitem(schemas._VALIDATORS, key, Draft202012Validator(PARSED_DATA_V2))
    schemas.known_versions.cache_clear()
    yield
    schemas.known_versions.cache_clear()


def test_two_versions_of_a_document_coexist(admin_api, resume, parsed_data_v2):
    url = "/api/v1/resumes/"
    v2_document = {"sections": [{"title": "Experience"}], "skills": "python, sql"}

    as_v1 = admin_api.post(
        url, {**_resume_body({"resume": resume}), "parsed_data": v2_document}, format="json"
    )
    as_v2 = admin_api.post(
        url,
        {**_resume_body({"resume": resume}), "parsed_data": v2_document, "schema_version": 2},
        format="json",
    )
    v1_document_as_v2 = admin_api.patch(
        f"/api/v1/resumes/{resume.pk}/",
        {"schema_version": 2, "parsed_data": {"skills": ["python"]}},
        format="json",
    )

    assert as_v1.json() == {"parsed_data": ["$.skills: 'python, sql' is not of type 'array'"]}
    assert as_v2.status_code == 201, as_v2.content
    assert Resume.objects.get(pk=as_v2.json()["id"]).parsed_data == v2_document
    assert v1_document_as_v2.json() == {"parsed_data": ["$: 'sections' is a required property"]}
    # The OpenAPI document describes the newest version.
    assert schemas.published("resumes.parsed_data") == PARSED_DATA_V2


# --- The admin's form -------------------------------------------------------------------


def _resume_form(resume, parsed_data, **fields) -> dict:
    return {
        "candidate": str(resume.candidate_id),
        "file_url": resume.file_url,
        "file_name": resume.file_name,
        "file_size": resume.file_size,
        "uploaded_at_0": "2026-11-01",
        "uploaded_at_1": "10:00:00",
        "parsing_status": "completed",
        "parsed_data": parsed_data,
        "schema_version": 1,
        **fields,
    }


def _form_errors(response) -> dict:
    return {
        field: [str(error) for error in errors]
        for field, errors in response.context["adminform"].form.errors.items()
    }


@pytest.mark.parametrize(
    ("page", "form", "errors"),
    [
        (
            "{pk}/change",
            {"parsed_data": '{"skills": ["python", 5]}'},
            {"parsed_data": ["$.skills[1]: 5 is not of type 'string'"]},
        ),
        (
            "add",
            {"parsed_data": '{"education": [{"degree": 3}]}'},
            {"parsed_data": ["$.education[0].degree: 3 is not of type 'string'"]},
        ),
        (
            "{pk}/change",
            {"parsed_data": '{"skills": []}', "schema_version": 2},
            {"schema_version": UNKNOWN_VERSION_2},
        ),
    ],
    ids=["change", "add", "unknown version"],
)
def test_the_admin_refuses_a_bad_document_naming_its_path(admin_client, resume, page, form, errors):
    before = _database()
    url = f"/admin/candidates/resume/{page.format(pk=resume.pk)}/"

    response = admin_client.post(url, _resume_form(resume, **form))

    assert response.status_code == 200
    assert _form_errors(response) == errors
    assert _database() == before


def test_the_admin_saves_a_row_around_its_legacy_document(admin_client, legacy):
    resume = legacy["resume"]
    url = f"/admin/candidates/resume/{resume.pk}/change/"

    response = admin_client.post(
        url, _resume_form(resume, '["python", "sql"]', file_name="renamed.pdf")
    )

    assert response.status_code == 302
    stored = Resume.objects.get(pk=resume.pk)
    assert (stored.file_name, stored.parsed_data) == ("renamed.pdf", ["python", "sql"])
