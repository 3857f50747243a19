"""Every JSON document has a JSON Schema, and the schemas say what clients send.

The schemas (core/schemas/<table>.<column>.v<N>.json) accept the demo data and the
documents the rest of the suite writes, refuse wrong values naming their path, and
are what the OpenAPI document publishes for each JSON field.
"""

import io
import json

import jsonschema
import pytest
from django.core.management import call_command
from django.db import models

from core import schemas
from tests.dbutils import project_models

#: Every JSON column of the project's tables (the audit trail's snapshots left out).
JSON_COLUMNS = [
    (model, field)
    for model in project_models(events=False)
    for field in model._meta.concrete_fields
    if isinstance(field, models.JSONField)
]


def _label(column) -> str:
    model, field = column
    return f"{model._meta.db_table}.{field.column}"


def test_the_documents_are_the_fourteen_of_the_spec():
    assert sorted(map(_label, JSON_COLUMNS)) == [
        "agent_actions.input",
        "agent_actions.output",
        "assessment_results.ai_reasoning",
        "assessment_results.integrity_flags",
        "assessment_results.recommended_actions",
        "assessment_results.skill_boundary_map",
        "assessment_results.skill_scores",
        "assessment_results.strengths",
        "assessment_results.weaknesses",
        "interview_messages.audio_metadata",
        "interview_messages.metadata",
        "interview_sessions.conversation_memory",
        "interview_sessions.progression_state",
        "interview_sessions.skill_boundaries_identified",
        "resumes.parsed_data",
    ]


@pytest.mark.parametrize("column", JSON_COLUMNS, ids=_label)
def test_every_json_column_has_a_version_1_schema_and_a_schema_version(column):
    model, field = column
    assert schemas.document_name(field) == _label(column)
    assert (_label(column), 1) in schemas.SCHEMAS
    version = model._meta.get_field("schema_version")
    assert (version.get_default(), version.db_default) == (1, 1)


def test_every_schema_file_is_a_column_s():
    columns = set(map(_label, JSON_COLUMNS))
    assert {document for document, _version in schemas.SCHEMAS} == columns


def test_a_misnamed_schema_file_stops_the_start(tmp_path):
    (tmp_path / "resumes.parsed_data.json").write_text("{}")
    with pytest.raises(ValueError, match=r"resumes\.parsed_data\.json: not named"):
        schemas.load(tmp_path)


def test_an_invalid_schema_stops_the_start(tmp_path):
    (tmp_path / "resumes.parsed_data.v1.json").write_text('{"type": "objekt"}')
    with pytest.raises(jsonschema.SchemaError):
        schemas.load(tmp_path)


def test_schema_files_are_read_by_document_and_version(tmp_path):
    (tmp_path / "resumes.parsed_data.v1.json").write_text('{"type": "object"}')
    (tmp_path / "resumes.parsed_data.v12.json").write_text('{"type": "array"}')
    assert schemas.load(tmp_path) == {
        ("resumes.parsed_data", 1): {"type": "object"},
        ("resumes.parsed_data", 12): {"type": "array"},
    }


# --- What the schemas accept ---------------------------------------------------------


@pytest.mark.django_db
def test_the_demo_data_follows_the_schemas():
    call_command("seed_demo", stdout=io.StringIO())

    checked = set()
    for model, field in JSON_COLUMNS:
        rows = model._base_manager.exclude(**{field.name: None}).values_list(
            field.name, "schema_version"
        )
        for document, version in rows:
            assert schemas.errors(_label((model, field)), version, document) == [], document
            checked.add(_label((model, field)))
    # The demo leaves audio and the final skill boundaries out; everything else is there.
    assert checked == set(map(_label, JSON_COLUMNS)) - {
        "interview_messages.audio_metadata",
        "assessment_results.skill_boundary_map",
    }


#: Documents the rest of the suite (and the README) sends through the API.
SENT_ELSEWHERE = [
    ("resumes.parsed_data", {"skills": ["python"], "years": 12}),
    ("resumes.parsed_data", {"skills": ["python", "sql"]}),
    ("resumes.parsed_data", {"name": "Augusta Ada King", "email": "ada.lovelace@example.com"}),
    ("resumes.parsed_data", {"phone": "+44 20 7946 0958"}),
    ("interview_sessions.conversation_memory", {"turns": 3}),
    ("interview_sessions.conversation_memory", {"turns": [1, 2, 3]}),
    ("interview_sessions.conversation_memory", {"topics": ["asyncio"], "notes": "<b>x</b>"}),
    ("interview_sessions.conversation_memory", {"candidate": "Ada", "notes": []}),
    ("interview_sessions.skill_boundaries_identified", {"python": "boundary"}),
    ("interview_sessions.progression_state", {"streak": 1}),
    ("interview_messages.metadata", {"confidence": 0.9}),
    ("interview_messages.metadata", {"confidence": "0.9"}),
    ("interview_messages.metadata", {"said_by": "Ada Lovelace"}),
    ("interview_messages.audio_metadata", {"codec": "opus", "speaker": "candidate_response"}),
    ("interview_messages.audio_metadata", {"voice": "interviewer"}),
    ("agent_actions.input", {"transcript_tail": ["How do generators keep state?"]}),
    ("agent_actions.input", {"resume": {"name": "Ada", "phone": "+44 20 7946 0000"}}),
    ("agent_actions.output", {"question": "What does `yield from` delegate?"}),
    ("agent_actions.output", {"score": 80}),
    ("assessment_results.skill_scores", {"python": {"score": 82, "level": "advanced"}}),
    ("assessment_results.skill_scores", {"python": {"score": 50}}),
    ("assessment_results.skill_scores", {"python": {"score": "82.50"}}),
    ("assessment_results.skill_scores", {}),
    ("assessment_results.skill_boundary_map", {"python": {"ceiling": "metaclasses"}}),
    ("assessment_results.skill_boundary_map", {"python": "asyncio"}),
    ("assessment_results.strengths", ["generators", "typing"]),
    ("assessment_results.weaknesses", ["asyncio"]),
    ("assessment_results.integrity_flags", ["tab_switching", "long_pause"]),
    ("assessment_results.integrity_flags", []),
    ("assessment_results.ai_reasoning", {"summary": "Solid fundamentals."}),
    ("assessment_results.recommended_actions", ["advance_to_onsite"]),
    ("assessment_results.recommended_actions", [{"action": "onsite", "when": "next week"}]),
]


@pytest.mark.parametrize(("document", "value"), SENT_ELSEWHERE)
def test_the_documents_clients_send_are_accepted(document, value):
    assert schemas.errors(document, 1, value) == []


@pytest.mark.parametrize("key", sorted(schemas.SCHEMAS), ids="{0[0]}.v{0[1]}".format)
def test_each_schema_s_examples_follow_it(key):
    document, version = key
    examples = schemas.SCHEMAS[key]["examples"]
    assert examples
    for example in examples:
        assert schemas.errors(document, version, example) == []


# --- What they refuse, and how they say it -------------------------------------------

REFUSED = [
    (
        "assessment_results.skill_scores",
        {"python": {"score": 120, "level": "advanced"}},
        ["$.python.score: 120 is greater than the maximum of 100"],
    ),
    (
        "assessment_results.skill_scores",
        {"python": {"level": "advanced"}},
        ["$.python: 'score' is a required property"],
    ),
    (
        "assessment_results.skill_scores",
        {"python": {"score": "82,5"}},
        ["$.python.score: '82,5' does not match '^(100(\\\\.0+)?|[0-9]{1,2}(\\\\.[0-9]+)?)$'"],
    ),
    ("assessment_results.skill_scores", {"sql": 40}, ["$.sql: 40 is not of type 'object'"]),
    (
        "assessment_results.skill_scores",
        {"problem solving": {"score": -1}},
        ['$["problem solving"].score: -1 is less than the minimum of 0'],
    ),
    (
        "assessment_results.strengths",
        ["clear", 5, ""],
        ["$[1]: 5 is not of type 'string', 'object'", "$[2]: '' should be non-empty"],
    ),
    ("assessment_results.integrity_flags", {"tab": 1}, ["$: {'tab': 1} is not of type 'array'"]),
    (
        "assessment_results.ai_reasoning",
        {"evidence": {"messages": [2, 0]}},
        ["$.evidence.messages[1]: 0 is less than the minimum of 1"],
    ),
    (
        "interview_sessions.progression_state",
        {"level": "expert", "streak": 1.5},
        [
            "$.level: 'expert' is not one of ['warmup', 'standard', 'advanced']",
            "$.streak: 1.5 is not of type 'integer'",
        ],
    ),
    (
        "interview_sessions.skill_boundaries_identified",
        {"python": ["a"]},
        ["$.python: ['a'] is not of type 'string', 'object'"],
    ),
    (
        "interview_sessions.conversation_memory",
        {"topics_covered": ["x", None]},
        ["$.topics_covered[1]: None is not of type 'string'"],
    ),
    ("resumes.parsed_data", ["python"], ["$: ['python'] is not of type 'object'"]),
    (
        "resumes.parsed_data",
        {"experience": [{"title": "Engineer", "years": -2}]},
        ["$.experience[0].years: -2 is less than the minimum of 0"],
    ),
    (
        "interview_messages.audio_metadata",
        {"sample_rate_hz": 0},
        ["$.sample_rate_hz: 0 is less than the minimum of 1"],
    ),
    (
        "interview_messages.metadata",
        {"confidence": "high"},
        ["$.confidence: 'high' does not match '^(0(\\\\.[0-9]+)?|1(\\\\.0+)?)$'"],
    ),
    (
        "agent_actions.input",
        {"question_number": 0},
        ["$.question_number: 0 is less than the minimum of 1"],
    ),
    (
        "agent_actions.output",
        {"overall_score": 100.5},
        ["$.overall_score: 100.5 is greater than the maximum of 100"],
    ),
    # Every keyword of every schema refuses something here: a schema loosened by one
    # line (a type, a bound, a minLength, a pattern dropped) is noticed.
    (
        "resumes.parsed_data",
        {
            "name": ["Ada", "Lovelace"],
            "email": ["ada@example.com"],
            "phone": 442079460958,
            "skills": "python, sql",
            "experience": {"title": "Engineer"},
            "education": "BSc",
        },
        [
            "$.name: ['Ada', 'Lovelace'] is not of type 'string'",
            "$.email: ['ada@example.com'] is not of type 'string'",
            "$.phone: 442079460958 is not of type 'string'",
            "$.skills: 'python, sql' is not of type 'array'",
            "$.experience: {'title': 'Engineer'} is not of type 'array'",
            "$.education: 'BSc' is not of type 'array'",
        ],
    ),
    (
        "resumes.parsed_data",
        {
            "skills": ["python", ""],
            "experience": ["Engineer", {"company": 7, "years": "six"}],
            "education": ["BSc", {"institution": ["Cambridge"]}],
        },
        [
            "$.skills[1]: '' should be non-empty",
            "$.experience[0]: 'Engineer' is not of type 'object'",
            "$.experience[1].company: 7 is not of type 'string'",
            "$.experience[1].years: 'six' is not of type 'number'",
            "$.education[0]: 'BSc' is not of type 'object'",
            "$.education[1].institution: ['Cambridge'] is not of type 'string'",
        ],
    ),
    ("interview_messages.audio_metadata", "opus", ["$: 'opus' is not of type 'object'"]),
    (
        "interview_messages.audio_metadata",
        {"codec": "", "sample_rate_hz": 44100.5, "channels": "mono"},
        [
            "$.codec: '' should be non-empty",
            "$.sample_rate_hz: 44100.5 is not of type 'integer'",
            "$.channels: 'mono' is not of type 'integer'",
        ],
    ),
    (
        "interview_messages.audio_metadata",
        {"codec": None},
        ["$.codec: None is not of type 'string'"],
    ),
    (
        "interview_messages.metadata",
        ["generators"],
        ["$: ['generators'] is not of type 'object'"],
    ),
    (
        "interview_messages.metadata",
        {"confidence": -0.1, "topic": ["generators"]},
        [
            "$.confidence: -0.1 is less than the minimum of 0",
            "$.topic: ['generators'] is not of type 'string'",
        ],
    ),
    (
        "interview_messages.metadata",
        {"confidence": True},
        ["$.confidence: True is not of type 'number', 'string'"],
    ),
    (
        "interview_sessions.conversation_memory",
        "generators",
        ["$: 'generators' is not of type 'object'"],
    ),
    (
        "interview_sessions.conversation_memory",
        {"candidate_profile": "steady"},
        ["$.candidate_profile: 'steady' is not of type 'object'"],
    ),
    (
        "interview_sessions.progression_state",
        ["standard"],
        ["$: ['standard'] is not of type 'object'"],
    ),
    (
        "assessment_results.skill_scores",
        [{"python": 82}],
        ["$: [{'python': 82}] is not of type 'object'"],
    ),
    (
        "assessment_results.skill_scores",
        {"python": {"score": None, "level": ""}},
        [
            "$.python.score: None is not of type 'number', 'string'",
            "$.python.level: '' should be non-empty",
        ],
    ),
    (
        "assessment_results.skill_scores",
        {"sql": {"score": 64, "level": 3}},
        ["$.sql.level: 3 is not of type 'string'"],
    ),
    (
        "assessment_results.weaknesses",
        ["asyncio", 5, ""],
        ["$[1]: 5 is not of type 'string', 'object'", "$[2]: '' should be non-empty"],
    ),
    (
        "assessment_results.recommended_actions",
        ["onsite", 7, ""],
        ["$[1]: 7 is not of type 'string', 'object'", "$[2]: '' should be non-empty"],
    ),
    (
        "assessment_results.integrity_flags",
        ["tab_switching", 5, ""],
        ["$[1]: 5 is not of type 'string', 'object'", "$[2]: '' should be non-empty"],
    ),
    (
        "assessment_results.ai_reasoning",
        {"summary": ["Solid."], "evidence": {"messages": "2, 4"}},
        [
            "$.summary: ['Solid.'] is not of type 'string'",
            "$.evidence.messages: '2, 4' is not of type 'array'",
        ],
    ),
    (
        "assessment_results.ai_reasoning",
        {"summary": None, "evidence": [2, 4]},
        [
            "$.summary: None is not of type 'string'",
            "$.evidence: [2, 4] is not of type 'object'",
        ],
    ),
    (
        "agent_actions.input",
        {"question_number": 2.5, "transcript_tail": "How?"},
        [
            "$.question_number: 2.5 is not of type 'integer'",
            "$.transcript_tail: 'How?' is not of type 'array'",
        ],
    ),
    (
        "agent_actions.input",
        {"transcript_tail": ["How?", 3]},
        ["$.transcript_tail[1]: 3 is not of type 'string'"],
    ),
    (
        "agent_actions.output",
        {"question": 1, "skills_found": ["python", 3], "overall_score": -0.5},
        [
            "$.question: 1 is not of type 'string'",
            "$.skills_found[1]: 3 is not of type 'string'",
            "$.overall_score: -0.5 is less than the minimum of 0",
        ],
    ),
    (
        "agent_actions.output",
        {"skills_found": "python", "overall_score": True},
        [
            "$.skills_found: 'python' is not of type 'array'",
            "$.overall_score: True is not of type 'number', 'string'",
        ],
    ),
    (
        "agent_actions.output",
        {"overall_score": "84,5"},
        ["$.overall_score: '84,5' does not match '^(100(\\\\.0+)?|[0-9]{1,2}(\\\\.[0-9]+)?)$'"],
    ),
]


@pytest.mark.parametrize(("document", "value", "messages"), REFUSED)
def test_a_bad_value_is_refused_naming_its_path(document, value, messages):
    assert schemas.errors(document, 1, value) == messages


@pytest.mark.parametrize(
    ("sent_at", "messages"),
    [
        ("2026-03-14T15:09:26.535897Z", []),
        ("2026-03-14T16:09:26+01:00", []),
        ("2026-03-14T15:09:26", ["$.sent_at: '2026-03-14T15:09:26' is not a 'date-time'"]),
        ("yesterday", ["$.sent_at: 'yesterday' is not a 'date-time'"]),
        (1773500966, ["$.sent_at: 1773500966 is not of type 'string'"]),
    ],
)
def test_times_are_iso_8601_with_their_offset(sent_at, messages):
    assert schemas.errors("interview_messages.metadata", 1, {"sent_at": sent_at}) == messages


def test_the_first_ten_errors_are_given():
    found = schemas.errors("assessment_results.strengths", 1, list(range(25)))
    assert found == [f"$[{n}]: {n} is not of type 'string', 'object'" for n in range(10)]


def test_a_long_bad_value_is_cut_short_in_the_message():
    [message] = schemas.errors("resumes.parsed_data", 1, "x" * 1000)
    assert message == f"$: '{'x' * 198}…"
    assert len(message) == len("$: ") + schemas.MAX_MESSAGE_LENGTH


# --- The OpenAPI description ----------------------------------------------------------


def test_a_type_list_is_published_as_one_alternative_per_type():
    schema = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "urn:x",
        "$comment": "for maintainers",
        "description": "Either.",
        "type": ["string", "integer", "object", "array"],
        "minLength": 1,
        "minimum": 0,
        "properties": {"examples": {"type": "string"}},
        "additionalProperties": False,
        "items": {"type": ["string", "integer"], "maximum": 9},
        "examples": ["first", 2],
    }
    assert schemas.to_openapi(schema) == {
        "description": "Either.",
        "example": "first",
        "anyOf": [
            {"type": "string", "minLength": 1},
            {"type": "integer", "minimum": 0},
            {
                "type": "object",
                "properties": {"examples": {"type": "string"}},
                "additionalProperties": False,
            },
            {
                "type": "array",
                "items": {"anyOf": [{"type": "string"}, {"type": "integer", "maximum": 9}]},
            },
        ],
    }


#: The representation (response) and request components of each document's model.
COMPONENTS = {
    "resumes": "Resume",
    "interview_sessions": "InterviewSession",
    "interview_messages": "InterviewMessage",
    "agent_actions": "AgentAction",
    "assessment_results": "AssessmentResult",
}


@pytest.mark.django_db
@pytest.mark.parametrize("column", JSON_COLUMNS, ids=_label)
def test_the_openapi_document_carries_each_schema(client, column):
    _model, field = column
    document = client.get("/api/schema/", {"format": "json"}).json()["components"]["schemas"]
    published = schemas.to_openapi(schemas.SCHEMAS[_label(column), 1])
    component = COMPONENTS[_model._meta.db_table]
    names = [component, f"{component}Request", f"Patched{component}Request"]
    found = [document[name]["properties"][field.name] for name in names if name in document]
    assert len(found) >= 2  # The representation and at least one request body.
    for schema in found:
        nullable = {"nullable": True} if field.null else {}
        assert schema == {**published, **nullable}, schema


@pytest.mark.django_db
def test_the_skill_scores_example_of_the_spec_is_in_the_openapi_document(client):
    document = json.loads(client.get("/api/schema/", {"format": "json"}).content)
    skill_scores = document["components"]["schemas"]["AssessmentResultRequest"]["properties"][
        "skill_scores"
    ]
    score = skill_scores["additionalProperties"]["properties"]["score"]
    assert score["anyOf"][0] == {"type": "number", "minimum": 0, "maximum": 100}
    assert skill_scores["additionalProperties"]["required"] == ["score"]
    assert skill_scores["example"]["python"] == {"score": 82, "level": "advanced"}
