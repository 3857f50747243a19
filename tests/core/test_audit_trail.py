"""Every change is recorded by the database: ORM saves, bulk updates and plain SQL."""

import contextlib
import json
import re

import pghistory
import pytest
from django.db import DatabaseError, connection, transaction
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


# --- Statement-level triggers: bulk writes pay once per statement ---------------------

#: The audited tables and their history tables.
AUDITED_TABLES = {
    model._meta.db_table: model.pgh_event_model._meta.db_table
    for model in (Candidate, Interview, InterviewSession, AssessmentResult)
}


def test_history_is_written_once_per_statement_from_its_transition_tables(db):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname, t.tgtype & 1 = 1, t.tgoldtable IS NOT NULL,"
            " t.tgnewtable IS NOT NULL FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid"
            " WHERE c.relname = ANY(%s) AND t.tgname ~ '^pgtrigger_(insert|update|delete)_'",
            [list(AUDITED_TABLES)],
        )
        triggers = cursor.fetchall()
    # Each table: insert (new rows), update (old and new rows), delete (old rows).
    assert sorted(triggers) == sorted(
        (table, False, old, new)
        for table in AUDITED_TABLES
        for old, new in ((False, True), (True, True), (True, False))
    )


def _bulk_candidates(count: int) -> list[Candidate]:
    return Candidate.objects.bulk_create(
        Candidate(email=f"bulk{n}@example.com", full_name=f"Bulk {n}", target_role="Tester")
        for n in range(count)
    )


def _transaction_time():
    with connection.cursor() as cursor:
        cursor.execute("SELECT now(), current_user")
        return cursor.fetchone()


def test_a_bulk_insert_records_every_row_with_who_and_when(db):
    recruiter = baker.make("auth.User", is_staff=True)

    with pghistory.context(user=recruiter.pk, url="/bulk"):
        made = _bulk_candidates(3)

    events = Candidate.pgh_event_model.objects.filter(pgh_obj__in=made).order_by("email")
    now, role = _transaction_time()
    assert [
        (e.pgh_label, e.pgh_obj_id, e.email, e.pgh_created_at, e.pgh_db_user) for e in events
    ] == [("insert", c.pk, c.email, now, role) for c in made]
    assert {e.pgh_context.metadata["user"] for e in events} == {recruiter.pk}


def test_a_bulk_update_records_the_rows_it_changed_and_only_those(db):
    made = _bulk_candidates(4)
    recruiter = baker.make("auth.User", is_staff=True)
    Candidate.objects.filter(pk__in=[made[0].pk, made[1].pk]).update(target_role="Data engineer")

    # Two rows already hold the value: the statement matches four, changes two.
    with pghistory.context(user=recruiter.pk):
        Candidate.objects.filter(pk__in=[c.pk for c in made]).update(target_role="Data engineer")

    updates = Candidate.pgh_event_model.objects.filter(
        pgh_label="update", pgh_context__isnull=False
    )
    assert sorted((e.pgh_obj_id, e.target_role) for e in updates) == sorted(
        (c.pk, "Data engineer") for c in made[2:]
    )
    assert {e.pgh_context.metadata["user"] for e in updates} == {recruiter.pk}


def test_a_bulk_delete_records_the_rows_as_they_were(db):
    made = _bulk_candidates(3)
    Candidate.objects.filter(pk=made[0].pk).update(phone="+1 555 0100")

    Candidate.all_objects.filter(pk__in=[c.pk for c in made]).delete()

    deletes = Candidate.pgh_event_model.objects.filter(pgh_label="delete")
    assert sorted((e.pgh_obj_id, e.phone) for e in deletes) == sorted(
        [(made[0].pk, "+1 555 0100"), (made[1].pk, ""), (made[2].pk, "")]
    )


def test_a_bulk_update_of_sessions_records_changes_of_their_state_only(candidate):
    interviews = [services.create_interview(candidate=candidate, role_type="python") for _ in "abc"]
    sessions = InterviewSession.objects.filter(interview__in=interviews)
    # The working memory of all three changes, the difficulty of one.
    sessions.update(conversation_memory={"turns": [1]})
    sessions.filter(interview=interviews[0]).update(current_difficulty_level="advanced")
    sessions.update(current_difficulty_level="advanced", conversation_memory={"turns": [1, 2]})

    updates = InterviewSession.pgh_event_model.objects.filter(pgh_label="update")
    assert sorted((e.interview_id, e.current_difficulty_level) for e in updates) == sorted(
        [
            (interviews[0].pk, "advanced"),
            (interviews[1].pk, "advanced"),
            (interviews[2].pk, "advanced"),
        ]
    )


@contextlib.contextmanager
def _plans_of_trigger_statements():
    """Collect the plans PostgreSQL runs for the statements that triggers run.

    auto_explain reports them; a server that does not ship it (the embedded one) skips
    the test.
    """
    plans: list[dict] = []

    def collect(diagnostic):
        _duration, _, plan = (diagnostic.message_primary or "").partition("plan:")
        if plan:
            plans.append(json.loads(plan))

    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("LOAD 'auto_explain'")
    except DatabaseError as error:
        pytest.skip(f"auto_explain cannot be loaded here: {error}")
    with connection.cursor() as cursor:
        for setting, value in [
            ("auto_explain.log_min_duration", "0"),
            ("auto_explain.log_nested_statements", "on"),
            ("auto_explain.log_format", "json"),
            ("client_min_messages", "log"),
        ]:
            cursor.execute("SELECT set_config(%s, %s, true)", [setting, value])
    connection.connection.add_notice_handler(collect)
    try:
        yield plans
    finally:
        connection.connection.remove_notice_handler(collect)
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config('auto_explain.log_min_duration', '-1', true)")


def _scanned(node: dict) -> dict:
    """The node under any Hash, Sort or Materialize above it."""
    while len(node.get("Plans", [])) == 1:
        [node] = node["Plans"]
    return node


def _joins_of_the_transition_tables(plan: dict):
    """The plan nodes that join the statement's old rows with its new rows."""
    children = plan.get("Plans", [])
    if len(children) == 2 and all(
        _scanned(child)["Node Type"] == "Named Tuplestore Scan" for child in children
    ):
        yield plan
    for child in children:
        yield from _joins_of_the_transition_tables(child)


def test_a_bulk_update_after_one_row_updates_is_planned_for_its_size(candidate):
    """PL/pgSQL keeps a trigger query's plan for the connection's life: the plan made
    for a one-row update (a nested loop) would compare every row of a later bulk update
    with every other. The bulk update's rows are joined by a plan made for them."""
    made = _bulk_candidates(3000)

    with _plans_of_trigger_statements() as plans:
        for _ in range(3):
            Candidate.objects.filter(pk=candidate.pk).update(phone="+1 555 0100")
            Candidate.objects.filter(pk=candidate.pk).update(phone="")
        Candidate.objects.filter(pk__in=[c.pk for c in made]).update(target_role="Data engineer")

    recorded = [
        plan["Plan"]
        for plan in plans
        if plan["Query Text"].startswith("WITH _pgh_attached_context")
        and 'INSERT INTO "candidate_events"' in plan["Query Text"]
    ]
    assert len(recorded) == 7
    [[bulk_join]] = [list(_joins_of_the_transition_tables(recorded[-1]))]
    assert bulk_join["Node Type"] != "Nested Loop", bulk_join
    # Planned for this statement's 3,000 rows, not for one.
    assert [_scanned(side)["Plan Rows"] for side in bulk_join["Plans"]] == [len(made)] * 2
    assert Candidate.pgh_event_model.objects.filter(
        pgh_label="update", target_role="Data engineer"
    ).count() == len(made)


def test_the_history_is_indexed_by_what_reads_it(db):
    """By event (pgh_id), by recorded row (the admin's history page, erasure), by
    request (pgh_context_id), and by the keys the subject-access export searches the
    history by; no other column: each index is written for every recorded row."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname, array_agg(a.attname ORDER BY a.attname) FROM pg_index i"
            " JOIN pg_class c ON c.oid = i.indrelid"
            " JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = ANY (i.indkey::int2[])"
            " WHERE c.relname = ANY(%s) GROUP BY c.relname",
            [list(AUDITED_TABLES.values())],
        )
        indexed = dict(cursor.fetchall())
    row = ["pgh_context_id", "pgh_id", "pgh_obj_id"]
    assert indexed == {
        "candidate_events": row,
        "interview_events": sorted([*row, "candidate_id"]),
        "interview_session_events": sorted([*row, "interview_id"]),
        "assessment_result_events": sorted([*row, "interview_id"]),
    }
