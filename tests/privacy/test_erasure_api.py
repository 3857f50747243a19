"""Erasure through the API (POST /api/v1/candidates/{id}/erase/): what goes, what stays, who may."""

import json
from datetime import UTC, datetime

import pytest
from axes.models import AccessAttempt
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth import authenticate
from django.contrib.auth.models import User
from django.contrib.contenttypes.models import ContentType
from django.http import HttpRequest
from knox.models import AuthToken
from model_bakery import baker

from assessments.models import AssessmentResult
from candidates.models import Candidate, Resume
from interviews import services
from interviews.models import (
    ERASED_TEXT,
    AgentAction,
    Interview,
    InterviewMessage,
    InterviewSession,
)
from tests.candidates import test_api
from tests.candidates.test_api import FORBIDDEN, candidate_url

# Fixtures shared with the tests left in tests/candidates/test_api.py (its admin_user is
# the superuser behind admin_api, not pytest-django's). Bound here rather than imported
# by name, which ruff reports as shadowed by the tests' arguments; pytest finds them.
admin_user = test_api.admin_user
staff_api = test_api.staff_api


@pytest.fixture
def erasable(candidate, candidate_api, resume, interview_in_progress, message, assessment):
    """Ada with a login and token, a phone, a parsed resume, a transcript with audio."""
    candidate.phone = "+44 20 7946 0958"
    candidate.save()
    candidate.full_name = "Augusta Ada King"
    candidate.save()
    AuthToken.objects.create(user=candidate.user)
    Resume.objects.filter(pk=resume.pk).update(
        parsed_data={"name": "Augusta Ada King", "email": "ada.lovelace@example.com"},
        parsing_status="completed",
    )
    baker.make(
        Resume,
        candidate=candidate,
        file_url="https://files.example.com/resumes/ada-old.pdf",
        file_name="ada-old.pdf",
        file_size=1000,
        parsed_data={"phone": "+44 20 7946 0958"},
        deleted_at=datetime(2024, 1, 1, tzinfo=UTC),
    )
    InterviewMessage.objects.filter(pk=message.pk).update(
        content_audio_url="https://audio.example.com/q1.ogg"
    )
    baker.make(
        InterviewMessage,
        interview=interview_in_progress,
        session=interview_in_progress.session,
        sequence_number=2,
        message_type=InterviewMessage.MessageType.CANDIDATE_RESPONSE,
        content_text="It keeps its frame; I learnt that at Ada's home in London.",
        content_audio_url="https://audio.example.com/a1.ogg",
    )
    InterviewSession.objects.filter(interview=interview_in_progress).update(
        conversation_memory={"notes": "Ada Lovelace, lives in London, knows generators"},
        skill_boundaries_identified={"python": "Ada stops at metaclasses"},
        progression_state={"next": "ask Ada about London's tube map"},
    )
    InterviewMessage.objects.filter(sequence_number=2).update(
        metadata={"said": "my home in London"}, audio_metadata={"speaker": "Ada"}
    )
    InterviewMessage.objects.filter(pk=message.pk).update(
        metadata={"topic": "generators"}, audio_metadata={"voice": "interviewer"}
    )
    # What the AI did about her: once about the candidate, once about the interview.
    baker.make(
        AgentAction,
        candidate=candidate,
        agent_type="resume_parser",
        action="parse_resume",
        status="succeeded",
        input={"resume": "Augusta Ada King, London"},
        output={"skills": ["python"]},
        rationale="Parsed Ada's resume",
    )
    baker.make(
        AgentAction,
        interview=interview_in_progress,
        agent_type="scorer",
        action="score_answer",
        status="succeeded",
        input={"answer": "at Ada's home in London"},
        output={"score": 80},
        rationale="Ada named her home town",
    )
    AssessmentResult.objects.filter(pk=assessment.pk).update(
        strengths=["Ada explains generators clearly"],
        weaknesses=["Ada hesitates on metaclasses"],
        integrity_flags=["Ada looked away twice"],
        ai_reasoning={"summary": "Ada Lovelace is a strong backend engineer"},
        recommended_actions=["Invite Ada to the final round"],
        review_notes="Met Ada in London before",
        deletion_reason="Ada asked for a second assessment",
    )
    Interview.all_objects.filter(pk=interview_in_progress.pk).update(
        deletion_reason="Ada's interview was booked twice"
    )
    Resume.all_objects.filter(file_name="ada-old.pdf").update(
        deletion_reason="Ada sent a newer resume"
    )
    Candidate.all_objects.filter(pk=candidate.pk).update(deletion_reason="Ada asked to be removed")
    candidate.refresh_from_db()
    return candidate


OLD_PERSONAL_DATA = ["Ada", "Lovelace", "Augusta", "ada.lovelace@example.com", "7946 0958"]


def test_erase_removes_the_candidates_personal_data(admin_api, admin_user, erasable):
    response = admin_api.post(candidate_url(erasable, "erase"))

    assert response.status_code == 200, response.content
    stored = Candidate.all_objects.get(pk=erasable.pk)
    for text in OLD_PERSONAL_DATA:
        assert text not in response.content.decode()
    assert (stored.full_name, stored.email, stored.phone) == (
        "Erased candidate",
        f"erased-{erasable.pk}@erased.invalid",
        "",
    )
    assert (stored.status, stored.deleted_by, stored.deletion_reason) == (
        "deleted",
        admin_user,
        "erased",
    )
    assert response.json()["email"] == stored.email


def _logged(user, row) -> LogEntry:
    """What Django's admin records of a change to ``row``: its name, and those of the
    rows the change added or changed."""
    return LogEntry.objects.create(
        user=user,
        content_type=ContentType.objects.get_for_model(row),
        object_id=str(row.pk),
        object_repr=str(row),
        action_flag=CHANGE,
        change_message=json.dumps([{"changed": {"name": str(row), "fields": ["notes"]}}]),
    )


def test_erase_removes_the_names_from_the_admins_change_log(
    admin_api, admin_user, erasable, other_candidate
):
    """Who changed what kind of row, and when, stays."""
    interviews = Interview.all_objects.filter(candidate=erasable)
    theirs = [
        erasable,
        *Resume.all_objects.filter(candidate=erasable),  # The deleted one too.
        *interviews,
        *AssessmentResult.all_objects.filter(interview__in=interviews),
    ]
    others = [other_candidate, *other_candidate.resumes.all(), *other_candidate.interviews.all()]
    entries = [_logged(admin_user, row) for row in theirs + others]
    fields = ["user", "action_time", "content_type", "object_id", "action_flag"]

    admin_api.post(candidate_url(erasable, "erase"))

    for entry in entries:
        stored = LogEntry.objects.get(pk=entry.pk)
        names = (stored.object_repr, stored.change_message)
        if entry.object_id in {str(row.pk) for row in theirs}:
            assert names == (ERASED_TEXT, "")
        else:
            assert names == (entry.object_repr, entry.change_message)
        assert [getattr(stored, name) for name in fields] == [
            getattr(entry, name) for name in fields
        ]
    assert len(theirs) == 5


def test_erase_removes_failed_logins_under_their_email_and_under_their_login(
    admin_api, erasable, other_candidate
):
    """The login's username can differ from the email (changed since sign-up)."""
    User.objects.filter(pk=erasable.user_id).update(username="ada.signed.up@example.com")
    for username in (
        "ada.lovelace@example.com",
        "ada.signed.up@example.com",
        "grace.hopper@example.com",
    ):
        baker.make(AccessAttempt, username=username, failures_since_start=1)

    admin_api.post(candidate_url(erasable, "erase"))

    assert list(AccessAttempt.objects.values_list("username", flat=True)) == [
        "grace.hopper@example.com"
    ]


def test_erasing_a_deleted_candidate_keeps_the_first_deletion_but_not_its_reason(
    admin_api, erasable
):
    """When and by whom stay; the reason is staff's words about the person, and goes."""
    erasable.soft_delete(reason="Ada asked to leave")
    deleted_at = Candidate.all_objects.get(pk=erasable.pk).deleted_at

    assert admin_api.post(candidate_url(erasable, "erase")).status_code == 200

    stored = Candidate.all_objects.get(pk=erasable.pk)
    assert stored.is_erased
    assert (stored.deleted_at, stored.deleted_by, stored.deletion_reason) == (
        deleted_at,
        None,
        "erased",
    )


def test_erase_clears_the_ai_notes_and_touches_no_one_else(
    admin_api, erasable, interview_in_progress, other_candidate
):
    others = Interview.objects.get(candidate=other_candidate)
    services.start_interview(others)
    theirs = services.append_message(
        others,
        message_type="candidate_response",
        content_text="Grace's own answer.",
        content_audio_url="https://audio.example.com/grace.ogg",
        metadata={"said": "Arlington"},
        audio_metadata={"speaker": "Grace"},
    )[0]
    InterviewSession.objects.filter(interview=others).update(conversation_memory={"n": "Grace"})
    their_action = baker.make(
        AgentAction,
        candidate=other_candidate,
        interview=others,
        agent_type="interviewer",
        action="ask_question",
        status="succeeded",
        input={"about": "Grace"},
        output={"q": 1},
    )
    untouched = (
        InterviewMessage.objects.values().get(pk=theirs.pk),
        InterviewSession.objects.values().get(interview=others),
        AgentAction.objects.values().get(pk=their_action.pk),
        Resume.objects.values().get(candidate=other_candidate),
        Candidate.objects.values().get(pk=other_candidate.pk),
    )

    admin_api.post(candidate_url(erasable, "erase"))

    actions = AgentAction.objects.exclude(pk=their_action.pk)
    assert actions.count() == 2
    assert set(actions.values_list("input", "output")) == {(None, None)}
    answer, question = (
        InterviewMessage.objects.filter(interview=interview_in_progress)
        .order_by("-sequence_number")
        .values("content_text", "metadata", "audio_metadata", "content_audio_url")
    )
    assert answer == {
        "content_text": "[erased]",
        "metadata": None,
        "audio_metadata": None,
        "content_audio_url": None,
    }
    # The interviewer's question stays, with its own metadata; only its audio goes.
    assert question == {
        "content_text": "How does a Python generator keep its state between calls?",
        "metadata": {"topic": "generators"},
        "audio_metadata": {"voice": "interviewer"},
        "content_audio_url": None,
    }
    assert untouched == (
        InterviewMessage.objects.values().get(pk=theirs.pk),
        InterviewSession.objects.values().get(interview=others),
        AgentAction.objects.values().get(pk=their_action.pk),
        Resume.objects.values().get(candidate=other_candidate),
        Candidate.objects.values().get(pk=other_candidate.pk),
    )


def test_erase_removes_resume_urls_and_parsed_data(admin_api, erasable):
    admin_api.post(candidate_url(erasable, "erase"))

    resumes = Resume.all_objects.filter(candidate=erasable)
    assert (
        list(resumes.values_list("file_url", "file_name", "parsed_data"))
        == [("https://erased.invalid/resume", "erased", None)] * 2
    )


def test_erase_replaces_answers_and_drops_audio_but_keeps_questions(
    admin_api, erasable, interview_in_progress
):
    admin_api.post(candidate_url(erasable, "erase"))

    messages = {
        m.message_type: m for m in InterviewMessage.objects.filter(interview=interview_in_progress)
    }
    assert messages["candidate_response"].content_text == "[erased]"
    assert (
        messages["ai_question"].content_text
        == "How does a Python generator keep its state between calls?"
    )
    assert [m.content_audio_url for m in messages.values()] == [None, None]
    session = InterviewSession.objects.get(interview=interview_in_progress)
    assert session.conversation_memory is None


def test_erase_reaches_the_transcripts_of_soft_deleted_interviews(
    admin_api, erasable, interview_in_progress
):
    interview_in_progress.soft_delete(reason="duplicate")

    admin_api.post(candidate_url(erasable, "erase"))

    answer = InterviewMessage.objects.get(
        interview=interview_in_progress, message_type="candidate_response"
    )
    assert (answer.content_text, answer.content_audio_url) == ("[erased]", None)
    session = InterviewSession.objects.get(interview=interview_in_progress)
    assert session.conversation_memory is None


def test_erase_deactivates_the_login_and_deletes_its_tokens(admin_api, erasable):
    login_pk = erasable.user_id

    admin_api.post(candidate_url(erasable, "erase"))

    login = User.objects.get(pk=login_pk)
    assert login.is_active is False
    assert (login.username, login.email, login.first_name, login.last_name) == (
        f"erased-{erasable.pk}",
        "",
        "",
        "",
    )
    assert not login.has_usable_password()
    assert not AuthToken.objects.filter(user_id=login_pk).exists()
    assert (
        authenticate(HttpRequest(), username="ada.lovelace@example.com", password="x9-unused")
        is None
    )
    assert authenticate(HttpRequest(), username=login.username, password="x9-unused") is None


def test_erase_removes_personal_data_from_the_audit_history(admin_api, erasable):
    def history():
        return list(
            Candidate.pgh_event_model.objects.filter(pgh_obj_id=erasable.pk).order_by("pgh_id")
        )

    recorded = history()
    assert any(event.phone == "+44 20 7946 0958" for event in recorded)  # Was recorded.

    admin_api.post(candidate_url(erasable, "erase"))

    events = history()
    # What was recorded stays, anonymous, with the erasure's own two changes after it:
    # the anonymous values, then the soft delete.
    assert [event.pgh_id for event in events[: len(recorded)]] == [e.pgh_id for e in recorded]
    assert len(events) == len(recorded) + 2
    assert {(event.full_name, event.email, event.phone) for event in events} == {
        ("Erased candidate", f"erased-{erasable.pk}@erased.invalid", "")
    }


def test_erase_keeps_interviews_and_assessments(
    admin_api, erasable, interview_in_progress, assessment
):
    admin_api.post(candidate_url(erasable, "erase"))

    assert Interview.all_objects.filter(pk=interview_in_progress.pk, candidate=erasable).exists()
    assert AssessmentResult.all_objects.filter(pk=assessment.pk).exists()
    assert InterviewMessage.objects.filter(interview=interview_in_progress).count() == 2


def test_erase_twice_gives_the_same_result(admin_api, erasable, interview_in_progress):
    first = admin_api.post(candidate_url(erasable, "erase"))
    snapshot = (
        Candidate.all_objects.values("full_name", "email", "phone", "status").get(pk=erasable.pk),
        list(Resume.all_objects.filter(candidate=erasable).values("file_url", "parsed_data")),
        list(InterviewMessage.objects.values("content_text", "content_audio_url")),
    )

    second = admin_api.post(candidate_url(erasable, "erase"))

    assert (first.status_code, second.status_code) == (200, 200)
    ignore = {"updated_at"}
    assert {k: v for k, v in first.json().items() if k not in ignore} == {
        k: v for k, v in second.json().items() if k not in ignore
    }
    assert snapshot == (
        Candidate.all_objects.values("full_name", "email", "phone", "status").get(pk=erasable.pk),
        list(Resume.all_objects.filter(candidate=erasable).values("file_url", "parsed_data")),
        list(InterviewMessage.objects.values("content_text", "content_audio_url")),
    )


def test_erase_without_delete_candidate_is_403_and_changes_nothing(staff_api, erasable):
    client = staff_api("candidates.view_candidate", "candidates.change_candidate")

    response = client.post(candidate_url(erasable, "erase"))

    assert response.status_code == 403
    assert response.json() == FORBIDDEN
    stored = Candidate.objects.get(pk=erasable.pk)
    assert (stored.full_name, stored.email) == ("Augusta Ada King", "ada.lovelace@example.com")
    assert User.objects.get(pk=erasable.user_id).is_active


def test_staff_with_delete_candidate_can_erase(staff_api, erasable):
    client = staff_api("candidates.view_candidate", "candidates.delete_candidate")

    response = client.post(candidate_url(erasable, "erase"))

    assert response.status_code == 200, response.content
    assert "Lovelace" not in Candidate.all_objects.get(pk=erasable.pk).email


def test_an_erased_candidate_cannot_be_restored(admin_api, candidate):
    admin_api.post(f"/api/v1/candidates/{candidate.pk}/erase/")

    response = admin_api.post(f"/api/v1/candidates/{candidate.pk}/restore/")

    assert response.status_code == 409
    assert Candidate.all_objects.get(pk=candidate.pk).is_deleted


def test_erasing_again_writes_nothing(admin_api, candidate):
    admin_api.post(f"/api/v1/candidates/{candidate.pk}/erase/")
    erased = Candidate.all_objects.get(pk=candidate.pk)
    events = Candidate.pgh_event_model.objects.filter(pgh_obj_id=candidate.pk).count()

    response = admin_api.post(f"/api/v1/candidates/{candidate.pk}/erase/")

    assert response.status_code == 200
    assert Candidate.all_objects.get(pk=candidate.pk).updated_at == erased.updated_at
    assert Candidate.pgh_event_model.objects.filter(pgh_obj_id=candidate.pk).count() == events
