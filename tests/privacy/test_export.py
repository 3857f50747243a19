"""Subject access (GET /api/v1/candidates/{id}/export/ and the admin's action): one
JSON document of everything held about a candidate, streamed, for the candidate
themself and for staff holding the export permission."""

import json
import threading
import tracemalloc
from datetime import datetime, timedelta
from io import BytesIO, StringIO
from uuid import UUID
from wsgiref.util import setup_testing_defaults

import pghistory
import pytest
from django.contrib.auth.models import Group, Permission, User
from django.core.management import call_command
from django.db import connection, transaction
from django.http import StreamingHttpResponse
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator
from knox.models import AuthToken
from model_bakery import baker
from rest_framework.test import APIClient

from assessments.models import AssessmentResult
from candidates.models import Candidate, Resume
from core.personal import declared
from interviews import services
from interviews.models import AgentAction, Interview, InterviewMessage, InterviewSession
from privacy import export
from tests.candidates.test_admin import CHANGELIST, _action

FORBIDDEN = {"detail": "You do not have permission to perform this action."}
UNAUTHENTICATED = {"detail": "Authentication credentials were not provided."}
NO_CANDIDATE = {"detail": "No Candidate matches the given query."}
NOT_FOUND = {"detail": "Not found."}
TOP_LEVEL = [
    "format",
    "version",
    "generated_at",
    "personal_data",
    "candidate",
    "login",
    "resumes",
    "interviews",
    "agent_actions",
    "history",
]
#: What the interview entries add to an interview's own fields.
NESTED = ["session", "messages", "agent_actions", "assessments"]


def export_url(candidate) -> str:
    return f"/api/v1/candidates/{candidate.pk}/export/"


def read(response) -> dict:
    """The streamed document, parsed."""
    assert response.status_code == 200, response.content
    assert isinstance(response, StreamingHttpResponse)
    return json.loads(b"".join(response.streaming_content))


def without_stamp(document: dict) -> dict:
    return {key: value for key, value in document.items() if key != "generated_at"}


def iso(moment) -> str:
    """A datetime as the API writes it."""
    return moment.isoformat().replace("+00:00", "Z")


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def make_login(username, *permissions, staff=True, group=None) -> User:
    user = User.objects.create_user(username, password="x9-unused", is_staff=staff)
    for permission in permissions:
        app_label, codename = permission.split(".")
        user.user_permissions.add(
            Permission.objects.get(content_type__app_label=app_label, codename=codename)
        )
    if group:
        user.groups.add(Group.objects.get(name=group))
    return User.objects.get(pk=user.pk)


EXPORTER = ("candidates.view_candidate", "candidates.export_candidate")


@pytest.fixture
def exporter_api(db) -> APIClient:
    """Staff holding the export permission (and the view permission it builds on)."""
    return client_for(make_login("dpo", *EXPORTER))


@pytest.fixture
def held(candidate, candidate_api, resume, interview_in_progress, message, assessment, admin_api):
    """Ada with one of everything the platform holds, and Grace with records of her own."""
    candidate.phone = "+44 20 7946 0958"
    candidate.save()
    AuthToken.objects.create(user=candidate.user, expiry=timedelta(days=30))
    old = baker.make(
        Resume,
        candidate=candidate,
        file_url="https://files.example.com/resumes/ada-old.pdf",
        file_name="ada-old.pdf",
        file_size=1000,
        parsed_data={"phone": "+44 20 7946 0958"},
    )
    old.soft_delete(reason="Ada sent a newer resume")
    InterviewSession.objects.filter(interview=interview_in_progress).update(
        conversation_memory={"notes": "Ada knows generators"}
    )
    baker.make(
        InterviewMessage,
        interview=interview_in_progress,
        session=interview_in_progress.session,
        sequence_number=2,
        message_type=InterviewMessage.MessageType.CANDIDATE_RESPONSE,
        content_text="It keeps its frame between calls.",
        content_audio_url="https://audio.example.com/a1.ogg",
        metadata={"said": "at my home in London"},
    )
    baker.make(
        AgentAction,
        interview=interview_in_progress,
        candidate=candidate,
        agent_type="scorer",
        action="score_answer",
        status="succeeded",
        input={"answer": "It keeps its frame"},
        cost_usd="0.0125",
    )
    baker.make(
        AgentAction,
        candidate=candidate,
        agent_type="resume_parser",
        action="parse_resume",
        status="succeeded",
        output={"skills": ["python"]},
    )
    response = admin_api.post(
        f"/api/v1/assessments/{assessment.pk}/review/",
        {"review_status": "approved", "review_notes": "Clear answers."},
        format="json",
    )
    assert response.status_code == 200, response.content
    grace = baker.make(Candidate, email="grace.hopper@example.com", full_name="Grace Hopper")
    theirs = services.create_interview(candidate=grace, role_type="react")
    baker.make(
        AgentAction,
        candidate=grace,
        interview=theirs,
        agent_type="interviewer",
        action="ask_question",
        status="succeeded",
        rationale="Grace's turn",
    )
    return candidate


def api(client, path: str):
    response = client.get(path)
    assert response.status_code == 200, response.content
    return response.json()


# --- What the document holds ------------------------------------------------------------


def test_a_candidate_with_nothing_else_is_exported_whole(admin_api):
    """The smallest document, every key and value of it."""
    lone = baker.make(
        Candidate,
        email="lone@example.com",
        full_name="Lone Person",
        phone="+1 555 0100",
        skills=["go"],
    )
    lone.refresh_from_db()
    event = Candidate.pgh_event_model.objects.get(pgh_obj_id=lone.pk)
    before = timezone.now()

    response = admin_api.get(export_url(lone))

    document = read(response)
    generated_at = document.pop("generated_at")
    assert before <= datetime.fromisoformat(generated_at) <= timezone.now()
    assert list(document.pop("personal_data")) == ["retention_days", "records"]
    created, updated = iso(lone.created_at), iso(lone.updated_at)
    profile = {
        "email": "lone@example.com",
        "full_name": "Lone Person",
        "phone": "+1 555 0100",
        "status": "active",
        "target_role": "",
        "experience_level": "",
        "timezone": "UTC",
        "skills": ["go"],
    }
    assert document == {
        "format": "candidates-portal-export",
        "version": 1,
        "candidate": {
            "id": str(lone.pk),
            **profile,
            "user": None,
            "created_at": created,
            "updated_at": updated,
            "deleted_at": None,
            "deleted_by": None,
            "deletion_reason": "",
        },
        "login": None,
        "resumes": [],
        "interviews": [],
        "agent_actions": [],
        "history": [
            {
                "table": "candidates",
                "object_id": str(lone.pk),
                "event": "insert",
                "at": iso(event.pgh_created_at),
                "by": "system",
                "values": {
                    "created_at": created,
                    "updated_at": updated,
                    "deleted_at": None,
                    "deleted_by": None,
                    "deletion_reason": "",
                    **profile,
                    "user": None,
                },
            }
        ],
    }
    assert list(document) == [
        key for key in TOP_LEVEL if key not in ("generated_at", "personal_data")
    ]


def test_the_document_holds_every_kind_of_record_as_the_api_renders_it(
    admin_api, held, resume, interview_in_progress, assessment
):
    interview = interview_in_progress
    old = Resume.all_objects.get(file_name="ada-old.pdf")
    scorer = AgentAction.objects.get(action="score_answer")
    parser = AgentAction.objects.get(action="parse_resume")
    token = AuthToken.objects.get(user=held.user)

    response = admin_api.get(export_url(held))

    assert response["Content-Type"] == "application/json"
    assert response["Content-Disposition"] == f'attachment; filename="candidate-{held.pk}.json"'
    assert response["Cache-Control"] == "no-store"
    document = read(response)
    assert list(document) == TOP_LEVEL
    assert (document["format"], document["version"]) == ("candidates-portal-export", 1)
    assert document["candidate"] == api(admin_api, f"/api/v1/candidates/{held.pk}/")
    assert document["candidate"]["phone"] == "+44 20 7946 0958"
    login = User.objects.get(pk=held.user_id)
    assert document["login"] == {
        "username": "ada.lovelace@example.com",
        "email": "",
        "first_name": "",
        "last_name": "",
        "is_active": True,
        "date_joined": iso(login.date_joined),
        "last_login": None,
        "api_tokens": [{"created": iso(token.created), "expiry": iso(token.expiry)}],
    }
    # Oldest first; the soft-deleted resume is still held, with why it was deleted.
    assert document["resumes"] == [
        api(admin_api, f"/api/v1/resumes/{resume.pk}/"),
        {
            "id": str(old.pk),
            "candidate": str(held.pk),
            "file_url": "https://files.example.com/resumes/ada-old.pdf",
            "file_name": "ada-old.pdf",
            "file_size": 1000,
            "uploaded_at": iso(old.uploaded_at),
            "parsed_at": None,
            "parsing_status": "pending",
            "parsed_data": {"phone": "+44 20 7946 0958"},
            "schema_version": 1,
            "created_at": iso(old.created_at),
            "updated_at": iso(old.updated_at),
            "deleted_at": iso(old.deleted_at),
            "deleted_by": None,
            "deletion_reason": "Ada sent a newer resume",
        },
    ]
    [entry] = document["interviews"]
    assert list(entry)[-4:] == NESTED
    assert {key: entry[key] for key in list(entry)[:-4]} == api(
        admin_api, f"/api/v1/interviews/{interview.pk}/"
    )
    assert entry["session"] == api(admin_api, f"/api/v1/interviews/{interview.pk}/session/")
    assert entry["session"]["conversation_memory"] == {"notes": "Ada knows generators"}
    transcript = api(admin_api, f"/api/v1/interviews/{interview.pk}/messages/")["results"]
    assert entry["messages"] == transcript
    assert [m["content_text"] for m in entry["messages"]] == [
        "How does a Python generator keep its state between calls?",
        "It keeps its frame between calls.",
    ]
    assert entry["agent_actions"] == [api(admin_api, f"/api/v1/agent-actions/{scorer.pk}/")]
    assert entry["agent_actions"][0]["cost_usd"] == "0.0125"
    assert entry["assessments"] == [api(admin_api, f"/api/v1/assessments/{assessment.pk}/")]
    assert entry["assessments"][0]["review_notes"] == "Clear answers."
    # What the AI did about her outside an interview; nothing of Grace's.
    assert document["agent_actions"] == [api(admin_api, f"/api/v1/agent-actions/{parser.pk}/")]
    assert "Grace" not in json.dumps(document)


def test_the_history_lists_the_changes_of_each_of_her_records(admin_api, held, assessment):
    document = read(admin_api.get(export_url(held)))

    history = document["history"]
    assert [(e["table"], e["event"], e["by"]) for e in history] == [
        ("candidates", "insert", "system"),
        ("candidates", "update", "system"),  # Her login linked.
        ("candidates", "update", "system"),  # Her phone.
        ("interviews", "insert", "system"),
        ("interviews", "update", "system"),  # Started.
        ("interview_sessions", "insert", "system"),
        ("assessment_results", "insert", "system"),
        ("assessment_results", "update", "staff"),  # Reviewed through the API.
    ]
    assert history[2]["values"]["phone"] == "+44 20 7946 0958"
    assert [e["values"]["status"] for e in history[3:5]] == ["scheduled", "in_progress"]
    review = history[-1]
    assert review["object_id"] == str(assessment.pk)
    assert (review["values"]["review_status"], review["values"]["review_notes"]) == (
        "approved",
        "Clear answers.",
    )
    event = AssessmentResult.pgh_event_model.objects.filter(pgh_obj_id=assessment.pk).last()
    assert review["at"] == iso(event.pgh_created_at)
    assert set(history[5]["values"]) == {
        "interview",
        "current_difficulty_level",
        "questions_asked_count",
    }


def test_the_history_says_what_kind_of_login_made_each_change_and_names_none(
    admin_api, candidate, candidate_api, interview, engine_api
):
    assert engine_api.post(f"/api/v1/interviews/{interview.pk}/start/").status_code == 200
    with pghistory.context(user=candidate.user_id):
        Interview.objects.filter(pk=interview.pk).update(ai_model_used="by-the-candidate")
    gone = User.objects.create_user("gone", is_staff=True)
    with pghistory.context(user=gone.pk):
        Interview.objects.filter(pk=interview.pk).update(ai_model_used="by-a-former-login")
    gone.delete()

    document = read(admin_api.get(export_url(candidate)))

    changes = [e["by"] for e in document["history"] if e["table"] == "interviews"]
    assert changes == ["system", "service", "candidate", "former login"]
    assert "interview-engine" not in json.dumps(document)


def test_the_history_of_an_interview_deleted_for_good_is_still_exported(admin_api, candidate):
    """Its rows are gone; what the audit trail recorded of them is still held."""
    gone = services.create_interview(candidate=candidate, role_type="react")
    baker.make(AssessmentResult, interview=gone, overall_score=40, skill_scores={})
    Interview.all_objects.filter(pk=gone.pk).delete()

    document = read(admin_api.get(export_url(candidate)))

    assert document["interviews"] == []
    assert [(e["table"], e["event"]) for e in document["history"][1:]] == [
        ("interviews", "insert"),
        ("interviews", "delete"),
        ("interview_sessions", "insert"),
        ("interview_sessions", "delete"),
        ("assessment_results", "insert"),
        ("assessment_results", "delete"),
    ]
    assert {e["object_id"] for e in document["history"][1:3]} == {str(gone.pk)}


def test_soft_deleted_records_are_exported_with_their_deletion(admin_api, held, assessment):
    AssessmentResult.objects.get(pk=assessment.pk).soft_delete(reason="scored twice")
    Interview.objects.get(candidate=held).soft_delete(reason="booked twice")

    document = read(admin_api.get(export_url(held)))

    [entry] = document["interviews"]
    assert entry["deletion_reason"] == "booked twice"
    assert entry["assessments"][0]["deletion_reason"] == "scored twice"


def test_the_candidate_gets_the_same_document_as_staff(candidate_api, exporter_api, held):
    own = read(candidate_api.get(export_url(held)))
    staff = read(exporter_api.get(export_url(held)))

    assert without_stamp(own) == without_stamp(staff)


def test_the_openapi_document_describes_the_export(admin_api, held):
    """Each key of the document, at every level, is a property the description lists."""
    schema = SchemaGenerator().get_schema(request=None, public=True)
    operation = schema["paths"]["/api/v1/candidates/{id}/export/"]["get"]
    components = schema["components"]["schemas"]
    document = read(admin_api.get(export_url(held)))

    def properties(name):
        return list(components[name]["properties"])

    ok = operation["responses"]["200"]
    assert ok["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/CandidateExport"
    }
    assert "subject access" in ok["description"]
    assert set(operation["responses"]) == {"200", "401", "403", "404"}
    assert properties("CandidateExport") == list(document)
    assert properties("PersonalDataSection") == list(document["personal_data"])
    assert properties("PersonalDataRecord") == list(document["personal_data"]["records"][0])
    assert properties("CandidateRecord") == list(document["candidate"])
    assert properties("LoginRecord") == list(document["login"])
    assert properties("TokenRecord") == list(document["login"]["api_tokens"][0])
    assert properties("ResumeRecord") == list(document["resumes"][0])
    entry = document["interviews"][0]
    assert properties("InterviewEntry") == list(entry)
    assert properties("SessionRecord") == list(entry["session"])
    assert properties("MessageRecord") == list(entry["messages"][0])
    assert properties("AgentActionRecord") == list(entry["agent_actions"][0])
    assert properties("AssessmentRecord") == list(entry["assessments"][0])
    assert properties("HistoryEntry") == list(document["history"][0])


def test_the_document_says_what_is_personal_as_the_models_declare_it(
    settings, admin_api, candidate
):
    settings.TRANSCRIPT_RETENTION_DAYS = 365

    section = read(admin_api.get(export_url(candidate)))["personal_data"]

    assert section["retention_days"] == 365
    records = {record["table"]: record for record in section["records"]}
    assert list(records) == [
        "candidates",
        "resumes",
        "interviews",
        "interview_sessions",
        "interview_messages",
        "agent_actions",
        "assessment_results",
    ]
    assert {"full_name", "email", "phone"} <= set(records["candidates"]["erased"])
    assert "content_text" in records["interview_messages"]["expires"]
    assert records["interview_messages"]["kinds"] == [
        "the candidate's answers in interview transcripts (replaced by [erased])",
        "every audio recording link of their interviews",
    ]
    # Every field a model declares, whichever way, and nothing else.
    for model in export.EXPORTED:
        record = records[model._meta.db_table]
        named = {*record["erased"], *record["expires"], *record["kept"]}
        assert named == declared(model).fields(), model


def test_without_a_retention_period_the_document_says_so(settings, admin_api, candidate):
    settings.TRANSCRIPT_RETENTION_DAYS = None

    section = read(admin_api.get(export_url(candidate)))["personal_data"]

    assert section["retention_days"] is None


# --- Who may export -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("caller", "status", "body"),
    [
        ("anonymous", 401, UNAUTHENTICATED),
        ("staff without permissions", 403, FORBIDDEN),
        ("staff who may view candidates", 403, FORBIDDEN),
        ("staff who may export but not view", 403, FORBIDDEN),
        # The permission is staff's: a service account holding it is refused.
        ("service account with the permission", 403, FORBIDDEN),
        ("recruiter", 403, FORBIDDEN),
        ("engine", 403, FORBIDDEN),
        ("another candidate", 404, NO_CANDIDATE),
        ("the candidate", 200, None),
        ("staff with the permission", 200, None),
        ("superuser", 200, None),
    ],
)
def test_who_may_export(candidate, candidate_api, other_candidate, caller, status, body):
    grace = User.objects.create_user(other_candidate.email, password="x9-unused")
    Candidate.objects.filter(pk=other_candidate.pk).update(user=grace)
    logins = {
        "anonymous": None,
        "staff without permissions": make_login("nobody"),
        "staff who may view candidates": make_login("viewer", "candidates.view_candidate"),
        "staff who may export but not view": make_login("half", "candidates.export_candidate"),
        "service account with the permission": make_login("service", *EXPORTER, staff=False),
        "recruiter": make_login("recruiter", group="Recruiters"),
        "engine": make_login("engine", staff=False, group="Interview engine"),
        "another candidate": grace,
        "the candidate": candidate.user,
        "staff with the permission": make_login("dpo", *EXPORTER),
        "superuser": User.objects.create_superuser("root", password="x9-unused"),
    }
    client = APIClient()
    if logins[caller] is not None:
        client.force_authenticate(logins[caller])

    response = client.get(export_url(candidate))

    assert response.status_code == status
    if body is None:
        assert read(response)["candidate"]["email"] == "ada.lovelace@example.com"
    else:
        assert response.json() == body


def test_a_candidate_reaches_only_their_own_export(candidate_api, candidate, other_candidate):
    assert read(candidate_api.get(export_url(candidate)))["candidate"]["id"] == str(candidate.pk)
    assert candidate_api.get(export_url(other_candidate)).json() == NO_CANDIDATE


def test_a_deleted_candidates_login_no_longer_exports(candidate_api, exporter_api, candidate):
    """Their login acts for a live record only; staff export a deleted one for them."""
    candidate.soft_delete(reason="left")

    assert candidate_api.get(export_url(candidate)).json() == FORBIDDEN
    assert read(exporter_api.get(export_url(candidate)))["candidate"]["deletion_reason"] == "left"


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/api/v1/candidates/00000000-0000-4000-8000-000000000000/export/", NO_CANDIDATE),
        ("/api/v1/candidates/not-a-uuid/export/", NOT_FOUND),
        ("/api/v1/candidates/12345/export/", NOT_FOUND),
    ],
)
def test_an_unknown_or_malformed_id_is_a_404(exporter_api, path, body):
    response = exporter_api.get(path)

    assert (response.status_code, response.json()) == (404, body)


def test_only_get_is_served(admin_api, candidate):
    response = admin_api.post(export_url(candidate))

    assert (response.status_code, response.json()) == (
        405,
        {"detail": 'Method "POST" not allowed.'},
    )


def test_no_group_holds_the_export_permission(db):
    assert not Group.objects.filter(permissions__codename="export_candidate").exists()


# --- What erasure and retention removed stays out -------------------------------------------

#: Ada's personal data in `held`, as text.
PERSONAL = [
    "Ada",
    "Lovelace",
    "ada.lovelace@example.com",
    "7946 0958",
    "files.example.com",
    "It keeps its frame",
    "audio.example.com",
    "knows generators",
    "sent a newer resume",
    "home in London",
]


def test_after_erasure_only_the_placeholders_are_exported(admin_api, exporter_api, held):
    text = b"".join(exporter_api.get(export_url(held)).streaming_content).decode()
    assert all(value in text for value in PERSONAL)  # All there before.
    assert admin_api.post(f"/api/v1/candidates/{held.pk}/erase/").status_code == 200

    response = exporter_api.get(export_url(held))

    text = b"".join(response.streaming_content).decode()
    assert [value for value in PERSONAL if value in text] == []
    document = json.loads(text)
    assert document["candidate"]["full_name"] == "Erased candidate"
    assert document["candidate"]["email"] == f"erased-{held.pk}@erased.invalid"
    assert document["login"]["username"] == f"erased-{held.pk}"
    assert document["login"]["api_tokens"] == []
    answer = document["interviews"][0]["messages"][1]
    assert (answer["content_text"], answer["content_audio_url"]) == ("[erased]", None)
    assert {
        e["values"]["full_name"] for e in document["history"] if "full_name" in e["values"]
    } == {"Erased candidate"}


def test_after_the_retention_purge_the_transcript_text_is_not_exported(
    settings, exporter_api, held, interview_in_progress
):
    services.complete_interview(interview_in_progress)
    ended = timezone.now() - timedelta(days=400)
    Interview.objects.filter(pk=interview_in_progress.pk).update(
        started_at=ended, completed_at=ended
    )
    settings.TRANSCRIPT_RETENTION_DAYS = 365
    call_command("purge_expired", stdout=StringIO())

    text = b"".join(exporter_api.get(export_url(held)).streaming_content).decode()

    for purged in ["generator keep its state", "It keeps its frame", "audio.example.com"]:
        assert purged not in text
    messages = json.loads(text)["interviews"][0]["messages"]
    assert {m["content_text"] for m in messages} == {"[removed after the retention period]"}


# --- Streamed, in pages, in constant memory ---------------------------------------------------


def _transcript(interview: Interview, count: int, text) -> None:
    """Store ``count`` messages in one statement, ``text(number)`` saying what each says.

    Loading, not appending: the database's per-append bookkeeping (triggers that move
    the session's last activity, once per row) is switched off for this statement, so
    that thousands of rows load in a moment. What the export reads is the rows.
    """
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")
    InterviewMessage.objects.bulk_create(
        InterviewMessage(
            interview=interview,
            session=interview.session,
            sequence_number=number,
            message_type="ai_question" if number % 2 else "candidate_response",
            content_text=text(number),
        )
        for number in range(1, count + 1)
    )
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = DEFAULT")


def _interview_with_everything(candidate, *, messages: int) -> Interview:
    interview = services.start_interview(
        services.create_interview(candidate=candidate, role_type="python")
    )
    _transcript(interview, messages, lambda number: f"Message {number} of {interview.pk}")
    for number in range(3):
        baker.make(
            AgentAction,
            interview=interview,
            agent_type="interviewer",
            action=f"ask_{number}",
            status="succeeded",
        )
    baker.make(AssessmentResult, interview=interview, overall_score=50, skill_scores={})
    return interview


#: The queries of one export, whatever the candidate holds (while each kind fits in a
#: page): the candidate; the login and its tokens; resumes; interviews; sessions,
#: messages, agent actions and assessments of every interview; agent actions outside
#: them; the history of candidates, interviews, sessions and assessments.
EXPORT_QUERIES = 1 + 2 + 1 + 1 + 4 + 1 + 4
#: Reading a login's permissions (its own and its groups', in one query), once per
#: login object.
PERMISSION_QUERIES = 1


def test_the_number_of_queries_does_not_grow_with_interviews_or_messages(
    candidate, candidate_api, resume, django_assert_num_queries
):
    # Each request by a login of its own: its permissions are read afresh.
    first, second = (client_for(make_login(name, *EXPORTER)) for name in ("first", "second"))
    _interview_with_everything(candidate, messages=2)
    with django_assert_num_queries(PERMISSION_QUERIES + EXPORT_QUERIES):
        small = read(first.get(export_url(candidate)))

    for _ in range(4):
        _interview_with_everything(candidate, messages=40)
    with django_assert_num_queries(PERMISSION_QUERIES + EXPORT_QUERIES):
        large = read(second.get(export_url(candidate)))

    assert (len(small["interviews"]), len(large["interviews"])) == (1, 5)
    assert sum(len(entry["messages"]) for entry in large["interviews"]) == 162


def test_pages_split_anywhere_lose_and_repeat_nothing(exporter_api, candidate, monkeypatch):
    """Keyset pages that end inside an interview, on its edge, or between tables."""
    for count in (3, 1, 4):
        _interview_with_everything(candidate, messages=count)
    whole = without_stamp(read(exporter_api.get(export_url(candidate))))

    for size in (1, 2, 3):
        monkeypatch.setattr(export, "PAGE_SIZE", dict.fromkeys(export.PAGE_SIZE, size))
        with CaptureQueriesContext(connection) as queries:
            paged = without_stamp(read(exporter_api.get(export_url(candidate))))
        assert paged == whole
        assert len(queries) > EXPORT_QUERIES
    numbers = [[m["sequence_number"] for m in e["messages"]] for e in whole["interviews"]]
    assert numbers == [[1, 2, 3], [1], [1, 2, 3, 4]]
    assert [len(e["agent_actions"]) for e in whole["interviews"]] == [3, 3, 3]
    assert [len(e["assessments"]) for e in whole["interviews"]] == [1, 1, 1]
    # Each interview's own session, and each row under the interview it belongs to.
    for entry in whole["interviews"]:
        rows = [entry["session"], *entry["messages"], *entry["agent_actions"]]
        assert {row["interview"] for row in [*rows, *entry["assessments"]]} == {entry["id"]}


TEN_THOUSAND = 10_000


def test_ten_thousand_messages_stream_in_pages_in_little_memory(
    exporter_api, candidate, candidate_api, resume, other_candidate, django_assert_num_queries
):
    interview = services.start_interview(
        services.create_interview(candidate=candidate, role_type="python")
    )
    filler = "x" * 1000
    _transcript(interview, TEN_THOUSAND, lambda number: f"{number}:{filler}")
    pages = TEN_THOUSAND // export.PAGE_SIZE["messages"]
    sizes, numbers = [], []
    # Code loaded on first use (URLs, serializers, the admin) is not the export's memory.
    read(exporter_api.get(export_url(other_candidate)))

    tracemalloc.start()
    try:
        with django_assert_num_queries(EXPORT_QUERIES - 1 + pages) as queries:
            response = exporter_api.get(export_url(candidate))
            for chunk in response.streaming_content:
                sizes.append(len(chunk))
                if len(sizes) == 1:
                    # The first chunk left before the transcript's second page was read.
                    read_before_first_chunk = len(queries)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    total = sum(sizes)
    assert total > 10_000_000
    assert len(sizes) > 100
    assert max(sizes) < 2 * export.CHUNK_SIZE
    assert read_before_first_chunk < EXPORT_QUERIES
    # Memory: a page of rows and a chunk of text, never the document.
    assert peak < total / 4, (peak, total)
    print(f"export of {total:,} bytes: peak {peak:,} bytes of Python memory")
    document = json.loads(b"".join(exporter_api.get(export_url(candidate)).streaming_content))
    numbers = [m["sequence_number"] for m in document["interviews"][0]["messages"]]
    assert numbers == list(range(1, TEN_THOUSAND + 1))


@pytest.mark.django_db(transaction=True)
def test_a_client_that_stops_reading_midway_leaves_nothing_open(candidate):
    """The WSGI server closes the response when the client goes; the connection goes back
    to the pool and no transaction or cursor is left behind."""
    from config.wsgi import application

    interview = services.start_interview(
        services.create_interview(candidate=candidate, role_type="python")
    )
    with transaction.atomic():
        _transcript(interview, 2000, lambda number: "y" * 1000)
    _token, key = AuthToken.objects.create(user=make_login("dpo", *EXPORTER))
    report = {}

    def download_a_little():
        environ = {}
        setup_testing_defaults(environ)
        environ.update(
            REQUEST_METHOD="GET",
            PATH_INFO=export_url(candidate),
            HTTP_HOST="testserver",
            HTTP_AUTHORIZATION=f"Token {key}",
        )
        environ["wsgi.input"] = BytesIO()
        body = application(environ, lambda status, headers, exc_info=None: None)
        report["first"] = next(iter(body))
        body.close()  # What the server does when the client disconnects.
        report["connection"] = connection.connection

    reader = threading.Thread(target=download_a_little)
    reader.start()
    reader.join(60)

    assert report["first"].startswith(b'{"format":"candidates-portal-export"')
    assert report["connection"] is None  # Back in the pool.
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid() AND state <> 'idle'"
        )
        assert cursor.fetchone() == (0,)
    stats = connection.pool.get_stats()
    assert stats["pool_size"] - stats["pool_available"] == 1  # Only this thread's.


# --- The admin action -------------------------------------------------------------------------


def test_the_admin_action_downloads_the_apis_document(admin_client, admin_api, held):
    response = _action(admin_client, "export_personal_data", [held])

    assert response["Content-Disposition"] == f'attachment; filename="candidate-{held.pk}.json"'
    assert response["Content-Type"] == "application/json"
    assert without_stamp(read(response)) == without_stamp(read(admin_api.get(export_url(held))))


def test_the_admin_action_reaches_deleted_candidates(admin_client, candidate):
    candidate.soft_delete(reason="left")

    response = _action(admin_client, "export_personal_data", [candidate], query="?deleted=yes")

    assert read(response)["candidate"]["deletion_reason"] == "left"


def test_the_admin_action_exports_one_candidate_at_a_time(admin_client, candidate, other_candidate):
    response = _action(admin_client, "export_personal_data", [candidate, other_candidate])

    assert response.status_code == 302
    page = admin_client.get(CHANGELIST).text
    assert (
        '<li class="error">Select exactly one candidate to export: '
        "each export is one person&#x27;s file.</li>" in page
    )


def test_the_admin_action_answers_a_candidate_gone_meanwhile(admin_client, candidate):
    gone = baker.make(Candidate, email="gone@example.com", full_name="Gone")
    Candidate.all_objects.filter(pk=gone.pk).delete()

    response = _action(admin_client, "export_personal_data", [gone])

    assert response.status_code == 302
    assert "Select exactly one candidate" in admin_client.get(CHANGELIST).text


def test_the_admin_action_is_for_staff_with_the_permission(client, candidate):
    viewer = make_login("viewer", "candidates.view_candidate")
    client.force_login(viewer)
    assert "export_personal_data" not in client.get(CHANGELIST).text

    response = _action(client, "export_personal_data", [candidate])

    # An action the user may not run is no choice: the list again, nothing downloaded.
    assert response.status_code == 302
    assert not isinstance(response, StreamingHttpResponse)
    client.force_login(make_login("dpo", *EXPORTER))
    assert '<option value="export_personal_data">' in client.get(CHANGELIST).text
    assert read(_action(client, "export_personal_data", [candidate]))["candidate"]["id"] == str(
        candidate.pk
    )


def test_an_interview_without_a_session_is_exported_with_none(admin_api, interview):
    InterviewSession.objects.filter(interview=interview).delete()

    [entry] = read(admin_api.get(export_url(interview.candidate)))["interviews"]

    assert (entry["id"], entry["session"]) == (str(interview.pk), None)


def test_the_logins_tokens_are_exported_oldest_first_then_by_digest(admin_api, held):
    """Stored order, digest order and age order all differ, and two tokens tie on age."""
    [issued_at_sign_up] = AuthToken.objects.filter(user=held.user)
    day = issued_at_sign_up.created - timedelta(days=10)
    tokens = {}
    stored = [("0", day + timedelta(hours=1), 3), ("f", day, 2), ("a", day, 1)]
    for digest, created, expiry in stored:
        token = AuthToken.objects.create(user=held.user)[0]
        AuthToken.objects.filter(pk=token.pk).update(
            digest=digest * len(token.digest), created=created, expiry=day + timedelta(days=expiry)
        )
        tokens[digest] = (iso(created), iso(day + timedelta(days=expiry)))
    issued_at_sign_up = (iso(issued_at_sign_up.created), iso(issued_at_sign_up.expiry))

    exported = read(admin_api.get(export_url(held)))["login"]["api_tokens"]

    expected = [tokens["a"], tokens["f"], tokens["0"], issued_at_sign_up]
    assert [(token["created"], token["expiry"]) for token in exported] == expected


def test_interviews_created_in_the_same_instant_are_exported_in_id_order(admin_api, candidate):
    # Stored in the reverse of id order.
    for number in (2, 1):
        services.create_interview(candidate=candidate, role_type="python", id=UUID(int=number))
    Interview.objects.filter(candidate=candidate).update(created_at=timezone.now())

    exported = read(admin_api.get(export_url(candidate)))["interviews"]

    assert [entry["id"] for entry in exported] == [str(UUID(int=1)), str(UUID(int=2))]


def test_the_document_is_utf_8_text_not_ascii_escapes(admin_api, candidate):
    Candidate.objects.filter(pk=candidate.pk).update(full_name="Zoë Ağaoğlu")

    response = admin_api.get(export_url(candidate))

    assert "Zoë Ağaoğlu".encode() in b"".join(response.streaming_content)
