"""Every admin list and page: who may open it, and that it stays fast."""

import re

import pytest
from django.contrib.auth.models import Group, User
from django.db import connection
from django.test.utils import CaptureQueriesContext
from model_bakery import baker

from assessments.models import AssessmentResult
from core import pagination
from interviews import services
from interviews.models import AgentAction, InterviewMessage, InterviewSession

MODELS = [
    "candidates/candidate",
    "candidates/resume",
    "interviews/interview",
    "interviews/interviewsession",
    "interviews/interviewmessage",
    "interviews/agentaction",
    "assessments/assessmentresult",
]


@pytest.fixture
def everything(message, assessment, candidate):
    """One object of every model."""
    action = baker.make(
        AgentAction,
        interview=message.interview,
        candidate=candidate,
        agent_type="interviewer",
        action="ask_question",
        status="succeeded",
        input={"question": 1},
    )
    return {
        "candidates/candidate": candidate,
        "candidates/resume": candidate.resumes.get(),
        "interviews/interview": message.interview,
        "interviews/interviewsession": message.session,
        "interviews/interviewmessage": message,
        "interviews/agentaction": action,
        "assessments/assessmentresult": assessment,
    }


@pytest.mark.parametrize("model", MODELS)
def test_superusers_open_every_list_and_page(admin_client, everything, model):
    obj = everything[model]
    assert admin_client.get(f"/admin/{model}/").status_code == 200
    assert admin_client.get(f"/admin/{model}/{obj.pk}/change/").status_code == 200


SOFT_DELETED = [
    "candidates/candidate",
    "candidates/resume",
    "interviews/interview",
    "assessments/assessmentresult",
]


@pytest.mark.parametrize("model", SOFT_DELETED)
def test_djangos_own_bulk_delete_is_not_offered(admin_client, everything, model):
    """Its hard delete would bypass the soft delete (and ask no reason)."""
    obj = everything[model]
    page = admin_client.get(f"/admin/{model}/")
    assert '<option value="soft_delete_selected">' in page.text
    assert 'value="delete_selected"' not in page.text

    response = admin_client.post(
        f"/admin/{model}/",
        {"action": "delete_selected", "_selected_action": [str(obj.pk)], "post": "yes"},
        follow=True,
    )

    assert [str(m) for m in response.context["messages"]] == ["No action selected."]
    stored = type(obj).all_objects.get(pk=obj.pk)
    assert (stored.deleted_at, stored.deletion_reason) == (None, "")


@pytest.mark.parametrize("model", MODELS)
def test_staff_without_permissions_are_refused(client, everything, model):
    client.force_login(User.objects.create_user("nobody", password="x9-unused", is_staff=True))
    obj = everything[model]
    assert client.get(f"/admin/{model}/").status_code == 403
    assert client.get(f"/admin/{model}/{obj.pk}/change/").status_code == 403


@pytest.mark.parametrize("model", MODELS)
def test_anonymous_visitors_are_sent_to_log_in(client, everything, model):
    response = client.get(f"/admin/{model}/")
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


@pytest.mark.parametrize(
    "model",
    [
        "interviews/interviewsession",
        "interviews/interviewmessage",
        "interviews/agentaction",
    ],
)
def test_what_the_ai_writes_is_read_only(admin_client, everything, model):
    obj = everything[model]
    assert admin_client.get(f"/admin/{model}/add/").status_code == 403
    assert admin_client.get(f"/admin/{model}/{obj.pk}/delete/").status_code == 403
    page = admin_client.get(f"/admin/{model}/{obj.pk}/change/")
    assert 'name="_save"' not in page.text
    assert admin_client.post(f"/admin/{model}/{obj.pk}/change/", {}).status_code == 403


@pytest.mark.parametrize("model", MODELS)
def test_list_query_count_does_not_grow_with_rows(
    admin_client, everything, model, django_assert_max_num_queries
):
    _add_rows(everything, 40)
    soft_deletable = hasattr(everything[model], "deleted_at")
    with django_assert_max_num_queries(12):
        response = admin_client.get(f"/admin/{model}/" + ("?deleted=all" if soft_deletable else ""))
    assert response.status_code == 200


def _add_rows(everything, count):
    interview = everything["interviews/interview"]
    for number in range(count):
        baker.make(
            InterviewMessage,
            interview=interview,
            session=everything["interviews/interviewsession"],
            sequence_number=number + 2,
            message_type="ai_question",
            content_text=f"Question {number}",
        )
        baker.make(
            AgentAction,
            interview=interview,
            candidate=interview.candidate,
            agent_type="scorer",
            action="score",
            status="succeeded",
        )
    candidates = baker.make(
        "candidates.Candidate",
        email=iter(f"extra{n}@example.com" for n in range(count)),
        full_name=iter(f"Extra {n}" for n in range(count)),
        _quantity=count,
    )
    for extra in candidates:
        resume = baker.make(
            "candidates.Resume",
            candidate=extra,
            file_url="https://files.example.com/cv.pdf",
            file_name="cv.pdf",
            file_size=100,
        )
        extra_interview = baker.make(
            "interviews.Interview", candidate=extra, resume=resume, role_type="react"
        )
        baker.make("interviews.InterviewSession", interview=extra_interview)
        baker.make(
            AssessmentResult,
            interview=extra_interview,
            overall_score=50,
            skill_scores={"react": {"score": 50}},
            # Reviewed, each by a reviewer of its own: the list names them.
            review_status="approved",
            reviewed_by=baker.make(User, username=f"reviewer-of-{extra.full_name}"),
        )


def test_large_unfiltered_lists_do_not_count_every_row(
    admin_client, everything, monkeypatch, django_assert_max_num_queries
):
    _add_rows(everything, 20)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE candidates")
    monkeypatch.setattr(pagination, "EXACT_COUNT_LIMIT", 5)

    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        response = admin_client.get("/admin/candidates/candidate/?deleted=all")

    assert response.status_code == 200
    counts = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("SELECT COUNT(")]
    assert counts == []  # The planner's estimate drew the page links.
    assert "Extra 19" in response.text


@pytest.mark.parametrize(
    ("model", "big_columns"),
    [
        ("candidates/resume", ["parsed_data"]),
        ("interviews/interviewsession", ["conversation_memory", "progression_state"]),
        ("interviews/interviewmessage", ["audio_metadata"]),
        ("interviews/agentaction", ['"input"', '"output"']),
        ("assessments/assessmentresult", ["ai_reasoning", "skill_scores"]),
        ("interviews/interview", ["conversation_memory"]),
    ],
)
def test_lists_leave_large_json_out_of_their_queries(admin_client, everything, model, big_columns):
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        response = admin_client.get(f"/admin/{model}/")

    assert response.status_code == 200
    sql = " ".join(query["sql"] for query in queries.captured_queries)
    assert [column for column in big_columns if column in sql] == []


def test_new_logins_are_told_the_password_rules(admin_client):
    page = admin_client.get("/admin/auth/user/add/").text
    assert "<li>Your password must contain at least one letter and one digit.</li>" in page


def _readonly(page: str, field: str) -> str:
    """The rendered value of a read-only field on an admin page."""
    [value] = re.findall(
        rf'field-{field}">.*?<div class="readonly">(.*?)</div>\s*</div>', page, re.S
    )
    return value


def test_the_ai_records_show_their_documents_pretty_printed(admin_client, everything):
    session, message = (
        everything["interviews/interviewsession"],
        everything["interviews/interviewmessage"],
    )
    action = everything["interviews/agentaction"]
    InterviewSession.objects.filter(pk=session.pk).update(
        conversation_memory={"notes": "memory", "b": 1, "aa": "Zoë"},
        skill_boundaries_identified={"python": "boundary"},
        progression_state={"streak": 2},
    )
    InterviewMessage.objects.filter(pk=message.pk).update(
        metadata={"topic": "generators"}, audio_metadata={"codec": "opus"}
    )
    AgentAction.objects.filter(pk=action.pk).update(input={"asked": 1}, output={"next": 2})

    def pretty(key, value):
        return f'<pre class="json">{{\n  &quot;{key}&quot;: {value}\n}}</pre>'

    page = admin_client.get(f"/admin/interviews/interviewsession/{session.pk}/change/").text
    # Keys in alphabetical order, text as written.
    assert _readonly(page, "memory") == (
        '<pre class="json">{\n  &quot;aa&quot;: &quot;Zoë&quot;,\n  &quot;b&quot;: 1,\n'
        "  &quot;notes&quot;: &quot;memory&quot;\n}</pre>"
    )
    assert _readonly(page, "boundaries") == pretty("python", "&quot;boundary&quot;")
    assert _readonly(page, "progression") == pretty("streak", "2")
    assert '<table class="history">' in _readonly(page, "history")

    page = admin_client.get(f"/admin/interviews/interviewmessage/{message.pk}/change/").text
    assert _readonly(page, "meta") == pretty("topic", "&quot;generators&quot;")
    assert _readonly(page, "audio_meta") == pretty("codec", "&quot;opus&quot;")

    page = admin_client.get(f"/admin/interviews/agentaction/{action.pk}/change/").text
    assert _readonly(page, "input_json") == pretty("asked", "1")
    assert _readonly(page, "output_json") == pretty("next", "2")


def _count_queries(queries) -> list[str]:
    return [q["sql"] for q in queries.captured_queries if q["sql"].startswith("SELECT COUNT(")]


@pytest.mark.parametrize(("estimate", "counted"), [(5, True), (6, False)])
def test_the_estimate_is_used_only_above_the_limit(
    admin_client, everything, monkeypatch, estimate, counted
):
    monkeypatch.setattr(pagination, "EXACT_COUNT_LIMIT", 5)
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE pg_class SET reltuples = %s WHERE oid = 'candidates'::regclass", [estimate]
        )

    with CaptureQueriesContext(connection) as queries:
        page = admin_client.get("/admin/candidates/candidate/?deleted=all").text

    assert bool(_count_queries(queries)) is counted
    shown = 1 if counted else estimate  # One candidate in fact; the estimate says otherwise.
    assert f"{shown} candidate" in page


def test_a_filtered_list_counts_one_past_the_limit(admin_client, everything, monkeypatch):
    monkeypatch.setattr(pagination, "EXACT_COUNT_LIMIT", 5)
    _add_rows(everything, 9)

    page = admin_client.get("/admin/candidates/candidate/?deleted=no").text

    # Ten live candidates; the count stops at six: enough to know there are more.
    assert "6 candidates" in page


def test_the_deleted_filter_offers_live_deleted_and_all(admin_client, everything):
    page = admin_client.get("/admin/candidates/candidate/").text
    section = re.search(r"By deleted.*?</ul>", page, re.S).group(0)
    assert re.findall(r'<li( class="selected")?>\s*<a href="(.*?)"[^>]*>(.*?)</a>', section) == [
        (' class="selected"', "?deleted=no", "Live only"),
        ("", "?deleted=yes", "Deleted only"),
        ("", "?deleted=all", "All"),
    ]
    chosen = admin_client.get("/admin/candidates/candidate/?deleted=yes").text
    section = re.search(r"By deleted.*?</ul>", chosen, re.S).group(0)
    assert re.findall(r'<li class="selected">\s*<a [^>]*>(.*?)</a>', section) == ["Deleted only"]


def test_the_candidate_list_counts_each_ones_interviews(admin_client, interview, other_candidate):
    services.create_interview(candidate=interview.candidate, role_type="react")
    lonely = baker.make("candidates.Candidate", email="lonely@example.com", full_name="Lonely")

    page = admin_client.get("/admin/candidates/candidate/").text

    def count(candidate):
        row = re.search(rf">{candidate.full_name}</a>.*?</tr>", page, re.S).group(0)
        return re.search(r'<td class="field-interview_count">(\d+)</td>', row).group(1)

    assert (count(interview.candidate), count(other_candidate), count(lonely)) == ("2", "1", "0")


def test_assessments_are_not_added_from_the_admin(admin_client, db):
    assert admin_client.get("/admin/assessments/assessmentresult/add/").status_code == 403


def test_erasing_needs_the_delete_permission_not_a_superuser(client, make_staff, candidate):
    client.force_login(make_staff("candidates.view_candidate", "candidates.delete_candidate"))
    page = client.get("/admin/candidates/candidate/").text
    assert '<option value="erase_selected">' in page
    client.force_login(make_staff("candidates.view_candidate", username="viewer"))
    page = client.get("/admin/candidates/candidate/").text
    assert "erase_selected" not in page


def test_a_change_page_loads_the_documents_with_the_row(admin_client, everything):
    """Lists leave JSON out; a change page shows it, in the row's own query."""
    resume = everything["candidates/resume"]
    with CaptureQueriesContext(connection) as queries:
        admin_client.get(f"/admin/candidates/resume/{resume.pk}/change/")
    lazy = [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].startswith('SELECT "resumes"."id", "resumes"."parsed_data" FROM')
    ]
    assert lazy == []


#: SPEC §5: each list filters by its status fields, roles, levels and dates.
LIST_FILTERS = {
    "candidates/candidate": ["status", "experience level", "created at", "deleted"],
    "candidates/resume": ["parsing status", "uploaded at", "deleted"],
    "interviews/interview": ["status", "role type", "created at", "started at", "deleted"],
    "interviews/interviewsession": ["current difficulty level", "last activity at"],
    "interviews/interviewmessage": ["message type", "created at"],
    "interviews/agentaction": ["agent type", "status", "created at"],
    "assessments/assessmentresult": [
        "review status",
        "role type",
        "generated at",
        "reviewed at",
        "deleted",
    ],
}


@pytest.mark.parametrize("model", MODELS)
def test_each_list_offers_its_filters(admin_client, everything, model):
    page = admin_client.get(f"/admin/{model}/").text
    assert re.findall(r'data-filter-title="([^"]*)"', page) == LIST_FILTERS[model]


#: The bulk actions each kind of staff is offered, list by list: recruiters (who view
#: everything) export candidates and nothing else; superusers get every action.
RECRUITER_ACTIONS = {"candidates/candidate": ["export_csv"]}
ALL_ACTIONS = {
    "candidates/candidate": [
        "soft_delete_selected",
        "restore_selected",
        "erase_selected",
        "export_csv",
        "export_personal_data",
    ],
    "candidates/resume": ["soft_delete_selected", "restore_selected"],
    "interviews/interview": [
        "soft_delete_selected",
        "restore_selected",
        "start_selected",
        "complete_selected",
        "abandon_selected",
    ],
    "assessments/assessmentresult": ["soft_delete_selected", "restore_selected"],
}


def _offered_actions(page: str) -> list[str]:
    select = re.search(r'<select name="action".*?</select>', page, re.S)
    return re.findall(r'<option value="(\w+)"', select.group(0)) if select else []


@pytest.mark.parametrize("model", MODELS)
def test_each_list_offers_each_caller_only_the_actions_they_may_run(
    client, admin_client, everything, model
):
    recruiter = User.objects.create_user("recruiter", password="x9-unused", is_staff=True)
    recruiter.groups.add(Group.objects.get(name="Recruiters"))
    client.force_login(recruiter)

    assert _offered_actions(client.get(f"/admin/{model}/").text) == RECRUITER_ACTIONS.get(model, [])
    assert _offered_actions(admin_client.get(f"/admin/{model}/").text) == ALL_ACTIONS.get(model, [])
