"""Database refusals reach API clients as 400 or 409 with a stated reason, never a 500.

The serializers catch what they can; the database has the last word (a race, a
rule only it knows). ``core.api.exception_handler`` maps what gets through:
a data exception (SQLSTATE class 22) is a 400, an integrity violation (class 23) a
409, a model's ``ValidationError`` a 400 naming the field.
"""

import pytest
from django.db import connection

from interviews.models import Interview
from tests.failing_writes import failing_write

NOT_STORABLE = {"non_field_errors": ["A value cannot be stored as given."]}
CONFLICT = {
    "detail": "The request conflicts with data stored meanwhile (a uniqueness or "
    "consistency rule). Re-read the resource and try again."
}


@pytest.fixture
def objects(candidate, resume, interview_in_progress):
    """A candidate with a resume and a running interview (which has its session)."""
    return {"candidate": candidate, "resume": resume, "interview": interview_in_progress}


#: (table, statement, request): one write of each kind the API makes.
WRITES = {
    "create a candidate": (
        "candidates",
        "INSERT",
        lambda api, o: api.post(
            "/api/v1/candidates/",
            {"email": "grace@example.com", "full_name": "Grace Hopper"},
            format="json",
        ),
    ),
    "update a resume": (
        "resumes",
        "UPDATE",
        lambda api, o: api.patch(
            f"/api/v1/resumes/{o['resume'].pk}/", {"file_name": "cv-2.pdf"}, format="json"
        ),
    ),
    "soft-delete an interview": (
        "interviews",
        "UPDATE",
        lambda api, o: api.delete(f"/api/v1/interviews/{o['interview'].pk}/?reason=duplicate"),
    ),
    "update a session": (
        "interview_sessions",
        "UPDATE",
        lambda api, o: api.patch(
            f"/api/v1/interviews/{o['interview'].pk}/session/",
            {"questions_asked_count": 4},
            format="json",
        ),
    ),
    "append a message": (
        "interview_messages",
        "INSERT",
        lambda api, o: api.post(
            f"/api/v1/interviews/{o['interview'].pk}/messages/",
            {"message_type": "ai_question", "content_text": "Why a B-tree?"},
            format="json",
        ),
    ),
    "record an agent action": (
        "agent_actions",
        "INSERT",
        lambda api, o: api.post(
            "/api/v1/agent-actions/",
            {
                "interview": str(o["interview"].pk),
                "agent_type": "interviewer",
                "action": "ask_question",
                "rationale": "Warm-up.",
                "status": "succeeded",
            },
            format="json",
        ),
    ),
    "create an assessment": (
        "assessment_results",
        "INSERT",
        lambda api, o: api.post(
            "/api/v1/assessments/",
            {
                "interview": str(o["interview"].pk),
                "overall_score": "71.00",
                "skill_scores": {"python": {"score": 71}},
            },
            format="json",
        ),
    ),
}


@pytest.mark.parametrize("write", WRITES)
def test_a_value_the_database_rejects_is_a_400(admin_api, objects, write):
    """A data exception (22023) from the database answers 400 with the stated reason."""
    table, on, request = WRITES[write]

    with failing_write(table, on, errcode="invalid_parameter_value"):
        response = request(admin_api, objects)

    assert (response.status_code, response.json()) == (400, NOT_STORABLE)


@pytest.mark.parametrize("write", WRITES)
def test_a_uniqueness_rule_broken_meanwhile_is_a_409(admin_api, objects, write):
    """A unique violation (23505) from the database answers 409 with the stated reason."""
    table, on, request = WRITES[write]

    with failing_write(table, on, errcode="unique_violation"):
        response = request(admin_api, objects)

    assert (response.status_code, response.json()) == (409, CONFLICT)


@pytest.mark.parametrize(
    ("errcode", "expected"),
    [
        pytest.param("string_data_right_truncation", (400, NOT_STORABLE), id="22001"),
        pytest.param("numeric_value_out_of_range", (400, NOT_STORABLE), id="22003"),
        pytest.param("22023", (400, NOT_STORABLE), id="22023"),
        pytest.param("not_null_violation", (409, CONFLICT), id="23502"),
        pytest.param("foreign_key_violation", (409, CONFLICT), id="23503"),
        pytest.param("unique_violation", (409, CONFLICT), id="23505"),
        pytest.param("23514", (409, CONFLICT), id="23514"),
    ],
)
def test_every_data_exception_is_a_400_and_every_integrity_violation_a_409(
    admin_api, resume, errcode, expected
):
    """The mapping goes by the error's class, whichever of its conditions is raised."""
    with failing_write("resumes", "UPDATE", errcode=errcode):
        response = admin_api.patch(
            f"/api/v1/resumes/{resume.pk}/", {"file_name": "cv-2.pdf"}, format="json"
        )

    assert (response.status_code, response.json()) == expected


def test_a_model_rule_broken_meanwhile_is_a_400_naming_the_field(
    admin_api, candidate, resume, other_candidate
):
    """A model's full_clean() in a service refusing the write answers 400 on the field.

    The serializer checked that the resume is the candidate's; then, before the
    service's full_clean() checks again, another request moves the resume to
    another candidate (the API allows that while no interview uses it).
    """
    owner_reads = []

    def move_resume_before_the_second_check(execute, sql, params, many, context):
        if sql.startswith('SELECT "resumes"."candidate_id" '):  # Whose resume it is.
            owner_reads.append(sql)
            if len(owner_reads) == 2:  # The first read is the serializer's.
                with connection.cursor() as cursor:
                    cursor.execute(
                        "UPDATE resumes SET candidate_id = %s WHERE id = %s",
                        [other_candidate.pk, resume.pk],
                    )
        return execute(sql, params, many, context)

    with connection.execute_wrapper(move_resume_before_the_second_check):
        response = admin_api.post(
            "/api/v1/interviews/",
            {"candidate": str(candidate.pk), "resume": str(resume.pk), "role_type": "python"},
            format="json",
        )

    assert len(owner_reads) == 2
    assert (response.status_code, response.json()) == (
        400,
        {"resume": ["The resume belongs to another candidate."]},
    )
    assert not Interview.all_objects.filter(candidate=candidate).exists()
