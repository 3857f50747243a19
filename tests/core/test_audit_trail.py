"""Every change is recorded by the database: ORM saves, bulk updates and plain SQL."""

import re

import pghistory
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from model_bakery import baker

from assessments.models import AssessmentResult
from candidates.models import Candidate
from interviews import services
from interviews.models import Interview, InterviewSession


def _events(model, obj):
    return list(model.pgh_event_model.objects.filter(pgh_obj=obj).order_by("pgh_id"))


def test_creation_and_saves_are_recorded(candidate):
    candidate.full_name = "Ada King"
    candidate.save()

    events = _events(Candidate, candidate)
    assert [event.pgh_label for event in events] == ["insert", "update"]
    assert [event.full_name for event in events] == ["Ada Lovelace", "Ada King"]


def test_bulk_updates_are_recorded(candidate):
    Candidate.objects.filter(pk=candidate.pk).update(status=Candidate.Status.INACTIVE)

    last = _events(Candidate, candidate)[-1]
    assert (last.pgh_label, last.status) == ("update", "inactive")


def test_plain_sql_is_recorded_with_the_database_role(candidate):
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE candidates SET phone = '+44 20 7946 0958' WHERE id = %s", [candidate.pk]
        )
        cursor.execute("SELECT current_user")
        [role] = cursor.fetchone()

    last = _events(Candidate, candidate)[-1]
    assert last.phone == "+44 20 7946 0958"
    assert last.pgh_context is None  # Not made by the application ...
    assert last.pgh_db_user == role  # ... but we still know which role made it.


def test_a_status_move_records_from_to_who_and_when(interview):
    recruiter = baker.make("auth.User", is_staff=True)

    with pghistory.context(user=recruiter.pk):
        services.start_interview(interview)

    before, after = _events(Interview, interview)[-2:]
    assert (before.status, after.status) == ("scheduled", "in_progress")
    assert after.pgh_context.metadata["user"] == recruiter.pk
    # When: the database's clock for the move's transaction (here, the test's).
    with connection.cursor() as cursor:
        cursor.execute("SELECT now()")
        assert after.pgh_created_at == cursor.fetchone()[0]


def test_session_history_follows_state_not_working_memory(interview):
    session = interview.session
    session.conversation_memory = {"turns": [1, 2, 3]}
    session.save()
    assert len(_events(InterviewSession, session)) == 1  # Only its creation.

    session.current_difficulty_level = InterviewSession.DifficultyLevel.ADVANCED
    session.save()
    events = _events(InterviewSession, session)
    assert [event.current_difficulty_level for event in events] == ["warmup", "advanced"]


def test_reviews_are_recorded(assessment):
    assessment.review_status = AssessmentResult.ReviewStatus.APPROVED
    assessment.save()
    assert [event.review_status for event in _events(AssessmentResult, assessment)] == [
        "pending",
        "approved",
    ]


def test_hard_deletes_are_recorded(db):
    duplicate = baker.make(Candidate, email="duplicate@example.com", full_name="Duplicate")
    pk = duplicate.pk
    duplicate.delete()
    events = Candidate.pgh_event_model.objects.filter(pgh_obj_id=pk).order_by("pgh_id")
    assert [event.pgh_label for event in events] == ["insert", "delete"]


@pytest.mark.django_db
def test_changes_made_through_a_request_name_the_user_and_url(admin_client, candidate):
    url = f"/admin/candidates/candidate/{candidate.pk}/change/"
    form = {
        "email": candidate.email,
        "full_name": "Augusta Ada King",
        "phone": "",
        "status": "active",
        "target_role": candidate.target_role,
        "experience_level": candidate.experience_level,
        "timezone": "Europe/London",
        "skills": "python,postgresql",
        "user": "",
        # The (read-only) resumes inline's management form.
        "resumes-TOTAL_FORMS": "0",
        "resumes-INITIAL_FORMS": "0",
    }

    response = admin_client.post(url, form)

    assert response.status_code == 302, response.context["adminform"].errors
    last = _events(Candidate, candidate)[-1]
    assert last.full_name == "Augusta Ada King"
    assert last.pgh_context.metadata == {
        "user": response.wsgi_request.user.pk,
        "url": url,
    }


def test_api_changes_name_the_token_user(interview):
    from knox.models import AuthToken
    from rest_framework.test import APIClient

    engine = baker.make("auth.User", username="interview-engine", is_superuser=True)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {AuthToken.objects.create(user=engine)[1]}")

    response = client.post(f"/api/v1/interviews/{interview.pk}/start/")

    assert response.status_code == 200
    before, after = _events(Interview, interview)[-2:]
    assert (before.status, after.status) == ("scheduled", "in_progress")
    assert after.pgh_context.metadata == {
        "user": engine.pk,
        "url": f"/api/v1/interviews/{interview.pk}/start/",
    }


def test_staff_read_the_history_on_the_page(admin_client, admin_user, candidate):
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user")
        [role] = cursor.fetchone()
    Candidate.objects.filter(pk=candidate.pk).update(target_role="Data engineer")  # No user.
    # A write that changes nothing shown (only bookkeeping) is listed without changes.
    Candidate.objects.filter(pk=candidate.pk).update(updated_at=timezone.now())
    with pghistory.context(user=admin_user.pk):
        Candidate.objects.filter(pk=candidate.pk).update(
            full_name="Ada King", phone="+44 20 7946 0958"
        )

    page = admin_client.get(f"/admin/candidates/candidate/{candidate.pk}/change/").text

    [table] = re.findall(r'<table class="history">.*?</table>', page, re.S)
    events = Candidate.pgh_event_model.objects.filter(pgh_obj=candidate).order_by("-pgh_id")
    when = [f"{event.pgh_created_at:%Y-%m-%d %H:%M:%S}" for event in events]
    # Newest first: when, what kind of event, who, what changed.
    rows = [
        (
            "update",
            "admin",
            "full_name: &#x27;Ada Lovelace&#x27; → &#x27;Ada King&#x27;; "
            "phone: &#x27;&#x27; → &#x27;+44 20 7946 0958&#x27;",
        ),
        ("update", f"database role {role}", "—"),
        (
            "update",
            f"database role {role}",
            "target_role: &#x27;Backend engineer&#x27; → &#x27;Data engineer&#x27;",
        ),
        ("insert", f"database role {role}", "created"),
    ]
    assert table == (
        '<table class="history"><thead><tr><th>When (UTC)</th><th>Event</th><th>Who</th>'
        "<th>What changed</th></tr></thead><tbody>"
        + "".join(
            f"<tr><td>{at}</td><td>{label}</td><td>{who}</td><td>{changed}</td></tr>"
            for at, (label, who, changed) in zip(when, rows, strict=True)
        )
        + "</tbody></table>"
    )


def test_the_history_section_takes_a_fixed_number_of_queries(
    admin_client, admin_user, candidate, django_assert_max_num_queries
):
    def page_queries() -> int:
        with CaptureQueriesContext(connection) as queries:
            admin_client.get(f"/admin/candidates/candidate/{candidate.pk}/change/")
        return len(queries)

    with pghistory.context(user=admin_user.pk):
        Candidate.objects.filter(pk=candidate.pk).update(phone="+1 555 0100")
    page_queries()  # Warm: sessions, permissions.
    few = page_queries()
    for number in range(1, 11):
        with pghistory.context(user=admin_user.pk):
            Candidate.objects.filter(pk=candidate.pk).update(phone=f"+1 555 01{number:02d}")
    assert page_queries() == few


def test_a_record_without_history_says_so(admin_client, candidate):
    Candidate.pgh_event_model.objects.filter(pgh_obj=candidate).delete()
    page = admin_client.get(f"/admin/candidates/candidate/{candidate.pk}/change/").text
    assert re.search(r'field-history">.*?<div class="readonly">—</div>', page, re.S)
    assert '<table class="history">' not in page
