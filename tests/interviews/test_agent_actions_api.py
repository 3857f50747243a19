"""HTTP tests for /api/v1/agent-actions/ (SPEC §4): an append-only audit trail."""

import uuid
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from model_bakery import baker
from rest_framework.test import APIClient

from interviews.models import AgentAction, Interview

LIST_URL = "/api/v1/agent-actions/"
NOWHERE = "0b7c5a36-6a4c-4a5e-9c52-1f6f2f7a4d11"  # A UUID no row has.

NOT_AUTHENTICATED = {"detail": "Authentication credentials were not provided."}
FORBIDDEN = {"detail": "You do not have permission to perform this action."}
NOT_FOUND = {"detail": "No AgentAction matches the given query."}
AT_LEAST_0 = "Ensure this value is greater than or equal to 0."


def detail_url(action_or_pk) -> str:
    pk = getattr(action_or_pk, "pk", action_or_pk)
    return f"{LIST_URL}{pk}/"


def payload(interview=None, candidate=None, **overrides) -> dict:
    body = {
        "agent_type": "interviewer",
        "action": "ask_question",
        "rationale": "The candidate handled generators well; probe coroutines next.",
        "status": "succeeded",
        "ai_model": "gpt-4o-2024-08-06",
        "tokens_used": 1234,
        "cost_usd": "0.0125",
        "input": {"transcript_tail": ["How do generators keep state?"]},
        "output": {"question": "What does `yield from` delegate?"},
    }
    if interview is not None:
        body["interview"] = str(interview.pk)
    if candidate is not None:
        body["candidate"] = str(candidate.pk)
    body.update(overrides)
    return body


def row_state(action: AgentAction) -> dict:
    row = AgentAction.objects.get(pk=action.pk)
    return {
        "interview_id": row.interview_id,
        "candidate_id": row.candidate_id,
        "agent_type": row.agent_type,
        "action": row.action,
        "rationale": row.rationale,
        "status": row.status,
        "tokens_used": row.tokens_used,
        "cost_usd": row.cost_usd,
        "updated_at": row.updated_at,
    }


@pytest.fixture
def other_interview(other_candidate) -> Interview:
    return Interview.objects.get(candidate=other_candidate)


@pytest.fixture
def agent_action(interview, candidate) -> AgentAction:
    return baker.make(
        AgentAction,
        interview=interview,
        candidate=candidate,
        agent_type="scorer",
        action="score_interview",
        rationale="All questions answered.",
        status="succeeded",
        tokens_used=900,
        cost_usd=Decimal("0.0450"),
    )


@pytest.fixture
def all_agent_action_perms_api(make_staff) -> APIClient:
    """Staff holding every model permission on agent actions (add/change/delete/view)."""
    client = APIClient()
    client.force_authenticate(
        make_staff(
            "interviews.view_agentaction",
            "interviews.add_agentaction",
            "interviews.change_agentaction",
            "interviews.delete_agentaction",
            username="audit-admin",
        )
    )
    return client


# --- Create -------------------------------------------------------------------------


def test_create_with_interview_and_candidate_returns_201_with_every_field(
    admin_api, interview, candidate
):
    response = admin_api.post(LIST_URL, payload(interview, candidate), format="json")

    assert response.status_code == 201, response.data
    body = response.json()
    assert body["interview"] == str(interview.pk)
    assert body["candidate"] == str(candidate.pk)
    assert body["agent_type"] == "interviewer"
    assert body["action"] == "ask_question"
    assert body["rationale"].startswith("The candidate handled generators")
    assert body["status"] == "succeeded"
    assert body["ai_model"] == "gpt-4o-2024-08-06"
    assert body["tokens_used"] == 1234
    assert body["cost_usd"] == "0.0125"
    assert body["input"] == {"transcript_tail": ["How do generators keep state?"]}
    assert body["output"] == {"question": "What does `yield from` delegate?"}
    assert body["schema_version"] == 1
    for field in ("id", "created_at", "updated_at"):
        assert body[field], field
    stored = AgentAction.objects.get(pk=body["id"])
    assert stored.interview_id == interview.pk
    assert stored.candidate_id == candidate.pk
    assert stored.cost_usd == Decimal("0.0125")


def test_create_with_interview_only(admin_api, interview):
    response = admin_api.post(LIST_URL, payload(interview), format="json")

    assert response.status_code == 201, response.data
    assert response.json()["interview"] == str(interview.pk)
    assert AgentAction.objects.get(pk=response.json()["id"]).interview_id == interview.pk


def test_create_with_candidate_only(admin_api, candidate):
    response = admin_api.post(
        LIST_URL,
        payload(candidate=candidate, agent_type="resume_parser", action="parse_resume"),
        format="json",
    )

    assert response.status_code == 201, response.data
    body = response.json()
    assert body["candidate"] == str(candidate.pk)
    assert body["interview"] is None
    assert body["agent_type"] == "resume_parser"


def test_create_with_neither_interview_nor_candidate(admin_api, db):
    response = admin_api.post(
        LIST_URL, payload(agent_type="orchestrator", action="rebalance_queue"), format="json"
    )

    assert response.status_code == 201, response.data
    assert response.json()["interview"] is None
    assert response.json()["candidate"] is None


def test_create_fills_defaults_and_returns_cost_as_a_string(admin_api, interview):
    response = admin_api.post(
        LIST_URL,
        {
            "interview": str(interview.pk),
            "agent_type": "integrity_checker",
            "action": "check_tab_focus",
            "status": "failed",
        },
        format="json",
    )

    assert response.status_code == 201, response.data
    body = response.json()
    assert body["tokens_used"] == 0
    assert body["cost_usd"] == "0.0000"
    assert body["rationale"] == ""
    assert body["schema_version"] == 1
    assert body["status"] == "failed"


def test_cost_sent_as_a_json_number_comes_back_as_a_four_place_string(admin_api, interview):
    response = admin_api.post(LIST_URL, payload(interview, cost_usd=0.5), format="json")

    assert response.status_code == 201, response.data
    assert response.json()["cost_usd"] == "0.5000"
    assert not isinstance(response.json()["cost_usd"], float)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("agent_type", "poet", '"poet" is not a valid choice.'),
        ("agent_type", "", '"" is not a valid choice.'),
        ("agent_type", None, "This field may not be null."),
        ("status", "maybe", '"maybe" is not a valid choice.'),
        ("tokens_used", -1, AT_LEAST_0),
        ("tokens_used", "many", "A valid integer is required."),
        ("tokens_used", 1.5, "A valid integer is required."),
        ("cost_usd", "-0.0001", AT_LEAST_0),
        ("cost_usd", -1, AT_LEAST_0),
        ("cost_usd", "abc", "A valid number is required."),
        ("cost_usd", "0.00001", "Ensure that there are no more than 4 decimal places."),
        ("cost_usd", "NaN", "A valid number is required."),
        ("cost_usd", "1000000.0000", "Ensure that there are no more than 10 digits in total."),
        ("action", "", "This field may not be blank."),
        ("action", None, "This field may not be null."),
        ("action", "x" * 101, "Ensure this field has no more than 100 characters."),
        ("ai_model", "m" * 51, "Ensure this field has no more than 50 characters."),
        ("schema_version", 0, "Ensure this value is greater than or equal to 1."),
    ],
)
def test_create_refuses_an_invalid_value_naming_the_field(
    admin_api, interview, field, value, message
):
    response = admin_api.post(LIST_URL, payload(interview, **{field: value}), format="json")

    assert response.status_code == 400
    assert response.json() == {field: [message]}
    assert not AgentAction.objects.exists()


@pytest.mark.parametrize("field", ["agent_type", "action", "status"])
def test_create_refuses_a_missing_required_field(admin_api, interview, field):
    body = payload(interview)
    del body[field]

    response = admin_api.post(LIST_URL, body, format="json")

    assert response.status_code == 400
    assert response.json() == {field: ["This field is required."]}
    assert not AgentAction.objects.exists()


@pytest.mark.parametrize("field", ["interview", "candidate"])
@pytest.mark.parametrize(
    ("value", "message"),
    [
        (NOWHERE, f'Invalid pk "{NOWHERE}" - object does not exist.'),
        ("not-a-uuid", "Must be a valid UUID."),
        (["x"], "Must be a valid UUID."),
    ],
    ids=["unknown", "malformed", "list"],
)
def test_create_refuses_an_unknown_or_malformed_reference(admin_api, db, field, value, message):
    body = payload()
    body[field] = value

    response = admin_api.post(LIST_URL, body, format="json")

    assert response.status_code == 400
    assert response.json() == {field: [message]}
    assert not AgentAction.objects.exists()


def test_create_refuses_a_candidate_that_is_not_the_interviews_candidate(
    admin_api, interview, other_candidate
):
    response = admin_api.post(LIST_URL, payload(interview, other_candidate), format="json")

    assert response.status_code == 400
    assert response.json() == {"candidate": ["Not the candidate of this interview."]}
    assert not AgentAction.objects.exists()


def test_malformed_json_body_is_400_and_stores_nothing(admin_api, db):
    response = admin_api.post(
        LIST_URL, data='{"agent_type": "scorer", ', content_type="application/json"
    )

    assert response.status_code == 400
    assert response.json() == {
        "detail": "JSON parse error - "
        "Expecting property name enclosed in double quotes: line 1 column 26 (char 25)"
    }
    assert not AgentAction.objects.exists()


# --- Retrieve and list --------------------------------------------------------------


def test_retrieve_returns_the_action_with_cost_as_a_string(admin_api, agent_action):
    response = admin_api.get(detail_url(agent_action))

    assert response.status_code == 200
    body = response.json()
    assert body["id"] == str(agent_action.pk)
    assert body["interview"] == str(agent_action.interview_id)
    assert body["candidate"] == str(agent_action.candidate_id)
    assert body["agent_type"] == "scorer"
    assert body["action"] == "score_interview"
    assert body["tokens_used"] == 900
    assert body["cost_usd"] == "0.0450"


def test_retrieve_unknown_id_is_404(admin_api, db):
    response = admin_api.get(detail_url(uuid.uuid4()))

    assert response.status_code == 404
    assert response.json() == NOT_FOUND


def test_list_is_paginated_newest_first(admin_api, interview):
    first = baker.make(
        AgentAction,
        interview=interview,
        agent_type="interviewer",
        action="greet",
        status="succeeded",
    )
    second = baker.make(
        AgentAction,
        interview=interview,
        agent_type="interviewer",
        action="ask_question",
        status="succeeded",
    )

    response = admin_api.get(LIST_URL)

    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"count", "next", "previous", "results"}
    assert body["count"] == 2
    assert [row["id"] for row in body["results"]] == [str(second.pk), str(first.pk)]


def test_list_can_be_ordered_by_creation_time(admin_api, interview):
    first = baker.make(
        AgentAction,
        interview=interview,
        agent_type="interviewer",
        action="greet",
        status="succeeded",
    )
    second = baker.make(
        AgentAction,
        interview=interview,
        agent_type="interviewer",
        action="ask_question",
        status="succeeded",
    )

    response = admin_api.get(LIST_URL, {"ordering": "created_at"})

    assert [row["id"] for row in response.json()["results"]] == [str(first.pk), str(second.pk)]


@pytest.mark.parametrize("ordering", ["cost_usd", "nonsense", "-action"])
def test_ordering_by_an_unknown_field_is_400(admin_api, agent_action, ordering):
    response = admin_api.get(LIST_URL, {"ordering": ordering})

    assert response.status_code == 400
    assert response.json() == {
        "ordering": [f"Cannot order by {ordering}; choose from created_at, updated_at."]
    }


# --- Filters ------------------------------------------------------------------------


@pytest.fixture
def trail(interview, candidate, other_interview, other_candidate):
    """Actions on two interviews, of several kinds, named for filter tests."""
    return {
        "ask": baker.make(
            AgentAction,
            interview=interview,
            candidate=candidate,
            agent_type="interviewer",
            action="ask_question",
            status="succeeded",
        ),
        "score": baker.make(
            AgentAction,
            interview=interview,
            candidate=candidate,
            agent_type="scorer",
            action="score_interview",
            status="failed",
        ),
        "parse": baker.make(
            AgentAction,
            interview=None,
            candidate=candidate,
            agent_type="resume_parser",
            action="parse_resume",
            status="succeeded",
        ),
        "grace": baker.make(
            AgentAction,
            interview=other_interview,
            candidate=other_candidate,
            agent_type="interviewer",
            action="ask_question",
            status="succeeded",
        ),
    }


def names(response, trail) -> set[str]:
    by_id = {str(row.pk): name for name, row in trail.items()}
    return {by_id[row["id"]] for row in response.json()["results"]}


def test_filter_by_interview(admin_api, trail, interview, other_interview):
    assert names(admin_api.get(LIST_URL, {"interview": str(interview.pk)}), trail) == {
        "ask",
        "score",
    }
    assert names(admin_api.get(LIST_URL, {"interview": str(other_interview.pk)}), trail) == {
        "grace"
    }


def test_filter_by_candidate(admin_api, trail, candidate, other_candidate):
    assert names(admin_api.get(LIST_URL, {"candidate": str(candidate.pk)}), trail) == {
        "ask",
        "score",
        "parse",
    }
    assert names(admin_api.get(LIST_URL, {"candidate": str(other_candidate.pk)}), trail) == {
        "grace"
    }
    assert admin_api.get(LIST_URL, {"candidate": str(uuid.uuid4())}).json()["count"] == 0


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"agent_type": "interviewer"}, {"ask", "grace"}),
        ({"agent_type": "scorer"}, {"score"}),
        ({"agent_type": "orchestrator"}, set()),
        ({"status": "failed"}, {"score"}),
        ({"status": "succeeded"}, {"ask", "parse", "grace"}),
        ({"agent_type": "interviewer", "status": "failed"}, set()),
    ],
)
def test_filter_by_agent_type_and_status(admin_api, trail, params, expected):
    response = admin_api.get(LIST_URL, params)

    assert response.status_code == 200
    assert names(response, trail) == expected
    assert response.json()["count"] == len(expected)


@pytest.mark.parametrize(
    ("param", "value", "message"),
    [
        ("agent_type", "poet", "Select a valid choice. poet is not one of the available choices."),
        ("status", "maybe", "Select a valid choice. maybe is not one of the available choices."),
        ("interview", "not-a-uuid", "Enter a valid UUID."),
        ("candidate", "not-a-uuid", "Enter a valid UUID."),
    ],
)
def test_malformed_filter_value_is_400_naming_the_parameter(
    admin_api, trail, param, value, message
):
    response = admin_api.get(LIST_URL, {param: value})

    assert response.status_code == 400
    assert response.json() == {param: [message]}


# --- Append-only --------------------------------------------------------------------


@pytest.mark.parametrize("caller", ["admin_api", "all_agent_action_perms_api"])
@pytest.mark.parametrize("method", ["put", "patch", "delete"])
def test_agent_actions_cannot_be_changed_or_deleted(request, agent_action, caller, method):
    client = request.getfixturevalue(caller)
    before = row_state(agent_action)

    response = getattr(client, method)(
        detail_url(agent_action),
        payload(agent_action.interview, action="rewritten_history", tokens_used=1),
        format="json",
    )

    assert response.status_code == 405
    assert response.json() == {"detail": f'Method "{method.upper()}" not allowed.'}
    assert row_state(agent_action) == before


@pytest.mark.parametrize("method", ["put", "patch", "delete"])
def test_list_url_refuses_bulk_changes(admin_api, agent_action, method):
    before = row_state(agent_action)

    response = getattr(admin_api, method)(LIST_URL, payload(), format="json")

    assert response.status_code == 405
    assert response.json() == {"detail": f'Method "{method.upper()}" not allowed.'}
    assert row_state(agent_action) == before


# --- Permissions --------------------------------------------------------------------


def test_engine_creates_and_views_agent_actions(engine_api, interview, candidate):
    created = engine_api.post(LIST_URL, payload(interview, candidate), format="json")

    assert created.status_code == 201, created.data
    assert created.json()["cost_usd"] == "0.0125"
    assert engine_api.get(detail_url(created.json()["id"])).status_code == 200
    listed = engine_api.get(LIST_URL)
    assert listed.status_code == 200
    assert [row["id"] for row in listed.json()["results"]] == [created.json()["id"]]


def test_recruiter_views_but_cannot_create(recruiter_api, agent_action, interview):
    assert recruiter_api.get(LIST_URL).json()["count"] == 1
    assert recruiter_api.get(detail_url(agent_action)).status_code == 200

    response = recruiter_api.post(LIST_URL, payload(interview), format="json")

    assert response.status_code == 403
    assert response.json() == FORBIDDEN
    assert AgentAction.objects.count() == 1


@pytest.mark.parametrize("method", ["put", "patch", "delete"])
def test_engine_cannot_change_agent_actions(engine_api, agent_action, method):
    before = row_state(agent_action)

    response = getattr(engine_api, method)(
        detail_url(agent_action), payload(agent_action.interview), format="json"
    )

    # Without the change/delete permission the engine is refused before the method is
    # looked at; a superuser meets the missing method itself (405, tested above).
    assert response.status_code == 403
    assert response.json() == FORBIDDEN
    assert row_state(agent_action) == before


def requests_for(agent_action, interview):
    return [
        ("get", LIST_URL, None),
        ("get", detail_url(agent_action), None),
        ("post", LIST_URL, payload(interview)),
    ]


@pytest.mark.parametrize("index", range(3), ids=["list", "retrieve", "create"])
def test_staff_without_permissions_gets_403(
    staff_without_permissions, agent_action, interview, index
):
    method, url, body = requests_for(agent_action, interview)[index]

    response = getattr(staff_without_permissions, method)(url, body, format="json")

    assert response.status_code == 403
    assert response.json() == FORBIDDEN
    assert AgentAction.objects.count() == 1


@pytest.mark.parametrize("index", range(3), ids=["list", "retrieve", "create"])
def test_anonymous_caller_gets_401(api_client, agent_action, interview, index):
    method, url, body = requests_for(agent_action, interview)[index]

    response = getattr(api_client, method)(url, body, format="json")

    assert response.status_code == 401
    assert response.json() == NOT_AUTHENTICATED
    assert AgentAction.objects.count() == 1


@pytest.mark.parametrize("index", range(3), ids=["list", "retrieve", "create"])
def test_candidate_never_sees_agent_actions(candidate_api, agent_action, interview, index):
    # `agent_action` is about the candidate's own interview: still not theirs to see.
    method, url, body = requests_for(agent_action, interview)[index]

    response = getattr(candidate_api, method)(url, body, format="json")

    assert response.status_code == 403
    assert response.json() == FORBIDDEN
    assert "rationale" not in response.content.decode()
    assert AgentAction.objects.count() == 1


# --- Query counts -------------------------------------------------------------------


def make_actions(interview, candidate, count: int) -> None:
    baker.make(
        AgentAction,
        interview=interview,
        candidate=candidate,
        agent_type="interviewer",
        action="ask_question",
        status="succeeded",
        cost_usd=Decimal("0.0010"),
        _quantity=count,
    )


@pytest.mark.parametrize("caller", ["admin_api", "engine_api", "recruiter_api"])
def test_list_query_count_does_not_grow_with_rows(
    request, interview, candidate, django_assert_max_num_queries, caller
):
    client = request.getfixturevalue(caller)
    client.get(LIST_URL)  # Warm-up: permission caches are filled once per login.
    make_actions(interview, candidate, 1)
    with CaptureQueriesContext(connection) as one_row:
        assert client.get(LIST_URL).json()["count"] == 1

    make_actions(interview, candidate, 29)
    with django_assert_max_num_queries(len(one_row.captured_queries)):
        response = client.get(LIST_URL)

    assert response.json()["count"] == 30
    assert len(response.json()["results"]) == 30


def test_list_of_thirty_actions_takes_a_handful_of_queries(
    admin_api, interview, candidate, django_assert_max_num_queries
):
    make_actions(interview, candidate, 30)

    with django_assert_max_num_queries(4):
        response = admin_api.get(LIST_URL)

    assert len(response.json()["results"]) == 30
