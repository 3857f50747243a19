"""After erasure, and after the retention period, nothing of the person is left anywhere.

A candidate gets every kind of record the way clients make them (the API, the admin, a
failed login), each record holding strings of their own. After erasure every text,
JSON and array column of every table in the database — audit history, the admin's
log, logins, login attempts included — is searched for each of those strings, and none
is found. The same for the transcript of an interview past the retention period.
"""

import io
from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.utils import timezone
from psycopg import sql
from rest_framework.test import APIClient

from interviews.models import Interview

#: Column types a string can be written into.
SEARCHED_TYPES = ("text", "character varying", "character", "json", "jsonb", "ARRAY")

#: Everything this person gave or had written about them, unique to them.
PERSON = {
    "name": "Grace Brewster Hopper",
    "email": "grace.hopper@navy.example.com",
    "phone": "+1 555 0100 1906",
    "password": "c0bol-and-compilers",  # pragma: allowlist secret
    "resume_url": "https://files.example.com/resumes/hopper-1906.pdf",
    "resume_file": "hopper-1906.pdf",
    "resume_text": "Harvard Mark I programmer",
    "old_resume_reason": "Grace sent the Mark II version",
    "answer": "I found a moth in relay seventy",
    "answer_audio": "https://audio.example.com/hopper/answer-1.ogg",
    "question_audio": "https://audio.example.com/hopper/question-1.ogg",
    "answer_audio_note": "recorded in Arlington",
    "answer_note": "mentions the Navy",
    "memory": "remembers nanosecond wires",
    "boundaries": "stops at lambda calculus",
    "progression": "ask about FLOW-MATIC next",
    "action_input": "parsed Mark I resume",
    "action_output": "seasoned compiler author",
    "rationale": "Grace named her ship",
    "reasoning": "a pioneer of machine-independent languages",
    "strength": "explains compilers to admirals",
    "weakness": "impatient with committees",
    "flag": "glanced at a nanosecond wire",
    "recommendation": "hire for the compiler team",
    "review_notes": "met her at the Pentagon",
    "interview_reason": "booked twice by Grace's assistant",
}


QUESTION = "What was the first computer bug?"
#: What an interview's transcript holds, and the AI's documents that quote it.
TRANSCRIPT = {
    "question": QUESTION,
    **{
        key: PERSON[key]
        for key in (
            "answer",
            "answer_audio",
            "question_audio",
            "answer_audio_note",
            "answer_note",
            "memory",
            "boundaries",
            "progression",
        )
    },
}


def escape_like(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", r"\%").replace("_", r"\_")


def occurrences(strings) -> dict[str, list[str]]:
    """Where each string appears: ``table.column`` of every searchable column."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_name, column_name FROM information_schema.columns "
            "WHERE table_schema = 'public' AND data_type = ANY(%s)",
            [list(SEARCHED_TYPES)],
        )
        columns = cursor.fetchall()
        assert len(columns) > 100  # Every table's text: the search covers the database.
        found = {}
        for table, column in columns:
            for key, value in strings.items():
                cursor.execute(
                    sql.SQL("SELECT EXISTS (SELECT FROM {} WHERE {}::text ILIKE %s)").format(
                        sql.Identifier(table), sql.Identifier(column)
                    ),
                    [f"%{escape_like(value)}%"],
                )
                if cursor.fetchone()[0]:
                    found.setdefault(key, []).append(f"{table}.{column}")
        return found


@pytest.fixture
def staff(admin_user) -> APIClient:
    client = APIClient()
    client.force_authenticate(admin_user)
    return client


def made(response, status: int = 201) -> dict:
    assert response.status_code == status, response.content
    return response.json()


def everything_about_grace(staff, admin_user) -> tuple[str, str]:
    """Grace's records, made as clients make them; return her id and her interview's."""
    grace = made(
        staff.post(
            "/api/v1/candidates/",
            {
                "email": PERSON["email"],
                "full_name": PERSON["name"],
                "phone": "+1 555 0000",
                "password": PERSON["password"],
                "target_role": "Compiler engineer",
                "skills": ["cobol"],
            },
            format="json",
        )
    )["id"]
    # She signs in (a token of her own), then mistypes her password: the lockout keeps
    # the failed attempt under her username (a success would have cleared it).
    made(
        APIClient().post(
            "/api/v1/auth/token/",
            {"username": PERSON["email"], "password": PERSON["password"]},
            format="json",
        ),
        200,
    )
    APIClient().post(
        "/api/v1/auth/token/", {"username": PERSON["email"], "password": "wrong"}, format="json"
    )
    # Staff correct her phone number in the admin: the admin's log names her.
    admin = Client()
    admin.force_login(admin_user)
    change_page = f"/admin/candidates/candidate/{grace}/change/"
    corrected = admin.post(
        change_page,
        {
            "email": PERSON["email"],
            "full_name": PERSON["name"],
            "phone": PERSON["phone"],
            "status": "active",
            "target_role": "Compiler engineer",
            "experience_level": "",
            "timezone": "UTC",
            "skills": "cobol",
            "user": str(User.objects.get(username=PERSON["email"]).pk),
            "resumes-TOTAL_FORMS": "0",  # The (read-only) resumes inline: none yet.
            "resumes-INITIAL_FORMS": "0",
        },
    )
    assert corrected.status_code == 302, corrected.context["adminform"].errors
    resume = made(
        staff.post(
            "/api/v1/resumes/",
            {
                "candidate": grace,
                "file_url": PERSON["resume_url"],
                "file_name": PERSON["resume_file"],
                "file_size": 2048,
                "parsed_data": {"experience": [{"title": PERSON["resume_text"]}]},
            },
            format="json",
        )
    )["id"]
    old_resume = made(
        staff.post(
            "/api/v1/resumes/",
            {"candidate": grace, "file_url": "https://files.example.com/r/old.pdf",
             "file_name": "old.pdf", "file_size": 10},
            format="json",
        )
    )["id"]  # fmt: skip
    assert (
        staff.delete(f"/api/v1/resumes/{old_resume}/?reason={PERSON['old_resume_reason']}")
    ).status_code == 204
    interview = with_transcript(staff, grace, resume)
    duplicate = made(
        staff.post(
            "/api/v1/interviews/", {"candidate": grace, "role_type": "python"}, format="json"
        )
    )["id"]
    assert (
        staff.delete(f"/api/v1/interviews/{duplicate}/?reason={PERSON['interview_reason']}")
    ).status_code == 204
    made(
        staff.post(
            "/api/v1/agent-actions/",
            {
                "candidate": grace,
                "agent_type": "resume_parser",
                "action": "parse_resume",
                "status": "succeeded",
                "input": {"text": PERSON["action_input"]},
                "output": {"summary": PERSON["action_output"]},
                "rationale": PERSON["rationale"],
            },
            format="json",
        )
    )
    assessment = made(
        staff.post(
            "/api/v1/assessments/",
            {
                "interview": interview,
                "overall_score": "91.00",
                "skill_scores": {"cobol": {"score": 95, "level": "advanced"}},
                "ai_reasoning": {"summary": PERSON["reasoning"]},
                "strengths": [PERSON["strength"]],
                "weaknesses": [PERSON["weakness"]],
                "integrity_flags": [PERSON["flag"]],
                "recommended_actions": [PERSON["recommendation"]],
            },
            format="json",
        )
    )["id"]
    made(
        staff.post(
            f"/api/v1/assessments/{assessment}/review/",
            {"review_status": "overridden", "final_score": "93.00",
             "review_notes": PERSON["review_notes"]},
            format="json",
        ),
        200,
    )  # fmt: skip
    return grace, interview


def with_transcript(staff, grace, resume=None) -> str:
    """An interview with a question and an answer, the AI's session state and actions."""
    interview = made(
        staff.post(
            "/api/v1/interviews/",
            {"candidate": grace, "role_type": "python", **({"resume": resume} if resume else {})},
            format="json",
        )
    )["id"]
    made(staff.post(f"/api/v1/interviews/{interview}/start/"), 200)
    messages = f"/api/v1/interviews/{interview}/messages/"
    made(
        staff.post(
            messages,
            {
                "message_type": "ai_question",
                "content_text": QUESTION,
                "content_audio_url": PERSON["question_audio"],
            },
            format="json",
        )
    )
    made(
        staff.post(
            messages,
            {
                "message_type": "candidate_response",
                "content_text": PERSON["answer"],
                "content_audio_url": PERSON["answer_audio"],
                "audio_metadata": {"place": PERSON["answer_audio_note"]},
                "metadata": {"note": PERSON["answer_note"]},
            },
            format="json",
        )
    )
    session = f"/api/v1/interviews/{interview}/session/"
    etag = staff.get(session)["ETag"]
    made(
        staff.patch(
            session,
            {
                "conversation_memory": {"notes": [PERSON["memory"]]},
                "skill_boundaries_identified": {"python": PERSON["boundaries"]},
                "progression_state": {"next": PERSON["progression"]},
            },
            format="json",
            headers={"If-Match": etag},
        ),
        200,
    )
    made(
        staff.post(
            "/api/v1/agent-actions/",
            {
                "interview": interview,
                "agent_type": "interviewer",
                "action": "ask_question",
                "status": "succeeded",
                "input": {"answer": PERSON["answer"]},
                "output": {"next": PERSON["progression"]},
            },
            format="json",
        )
    )
    made(staff.post(f"/api/v1/interviews/{interview}/complete/"), 200)
    return interview


@pytest.mark.django_db
def test_after_erasure_no_table_holds_anything_of_the_person(staff, admin_user):
    grace, _interview = everything_about_grace(staff, admin_user)
    assert set(occurrences(PERSON)) == set(PERSON) - {"password"}  # All written somewhere.

    made(staff.post(f"/api/v1/candidates/{grace}/erase/"), 200)

    assert occurrences(PERSON) == {}


@pytest.mark.django_db
def test_past_retention_no_table_holds_anything_of_the_transcript(staff, settings):
    settings.TRANSCRIPT_RETENTION_DAYS = 30
    grace = made(
        staff.post(
            "/api/v1/candidates/",
            {"email": PERSON["email"], "full_name": PERSON["name"]},
            format="json",
        )
    )["id"]
    interview = with_transcript(staff, grace)
    assert set(occurrences(TRANSCRIPT)) == set(TRANSCRIPT)  # All written somewhere.
    ended = timezone.now() - timedelta(days=31)
    Interview.objects.filter(pk=interview).update(started_at=ended, completed_at=ended)

    call_command("purge_expired", stdout=io.StringIO())

    assert occurrences(TRANSCRIPT) == {}
