"""Who may do what (SPEC §4.2), endpoint by endpoint and caller by caller.

Much of it is declared rather than computed — core.access's table of actions, the
models' ``owner_lookup``, the groups' permissions — so each declaration is checked
here by the answer it produces, through the API (the admin asks the same module:
tests/core/test_admin_pages.py checks which actions each caller is offered).
"""

import pytest
from django.contrib.auth.models import Group, Permission, User
from django.urls import URLResolver, get_resolver
from model_bakery import baker
from rest_framework.test import APIClient

from assessments.models import AssessmentResult
from candidates.models import Candidate
from core.api import PortalPermission
from interviews.models import AgentAction, Interview, InterviewMessage

#: SPEC §4.2: the two groups a migration makes, with exactly these permissions.
VIEW_EVERYTHING = {
    "candidates.view_candidate",
    "candidates.view_resume",
    "interviews.view_interview",
    "interviews.view_interviewsession",
    "interviews.view_interviewmessage",
    "interviews.view_agentaction",
    "assessments.view_assessmentresult",
}
GROUPS = {
    "Recruiters": VIEW_EVERYTHING | {"assessments.review_assessmentresult"},
    "Interview engine": VIEW_EVERYTHING
    | {
        "interviews.add_interview",
        "interviews.change_interview",
        "interviews.add_interviewsession",
        "interviews.change_interviewsession",
        "interviews.add_interviewmessage",
        "interviews.change_interviewmessage",
        "interviews.add_agentaction",
        "assessments.add_assessmentresult",
        "assessments.change_assessmentresult",
    },
}


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(GROUPS))
def test_the_groups_hold_exactly_their_permissions(name):
    held = {
        f"{app}.{codename}"
        for app, codename in Group.objects.get(name=name).permissions.values_list(
            "content_type__app_label", "codename"
        )
    }
    assert held == GROUPS[name]


@pytest.fixture
def world(candidate, interview_in_progress, other_candidate):
    """The candidate's running interview, its assessment and an agent action."""
    assessment = baker.make(
        AssessmentResult,
        interview=interview_in_progress,
        overall_score=70,
        skill_scores={"python": {"score": 70}},
    )
    action = baker.make(
        AgentAction,
        interview=interview_in_progress,
        agent_type="interviewer",
        action="ask_question",
        status="succeeded",
    )
    other_interview = Interview.objects.get(candidate=other_candidate)
    # The other candidate's transcript has rows: a read that forgot whose it is would
    # find them.
    baker.make(
        InterviewMessage,
        interview=other_interview,
        session=other_interview.session,
        sequence_number=1,
        message_type="ai_question",
        content_text="Theirs.",
    )
    return {
        "candidate": candidate.pk,
        "other": other_candidate.pk,
        "interview": interview_in_progress.pk,
        "other_interview": other_interview.pk,
        "assessment": assessment.pk,
        "action": action.pk,
    }


def _client(user) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


@pytest.fixture
def callers(db, candidate):
    def login(name, *, staff=False, superuser=False, group=None, perms=()):
        user = User.objects.create_user(name, password="x9-unused", is_staff=staff)
        user.is_superuser = superuser
        user.save()
        if group:
            user.groups.add(Group.objects.get(name=group))
        for perm in perms:
            app, codename = perm.split(".")
            user.user_permissions.add(
                Permission.objects.get(content_type__app_label=app, codename=codename)
            )
        return User.objects.get(pk=user.pk)

    own = login(candidate.email)
    candidate.user = own
    candidate.save(update_fields=["user"])
    every_candidate_permission = [
        "candidates.view_candidate",
        "candidates.change_candidate",
        "candidates.delete_candidate",
    ]
    return {
        "anonymous": None,
        "no permissions": login("nobody", staff=True),
        "candidate": own,
        "engine": login("engine", group="Interview engine"),
        "recruiter": login("recruiter", staff=True, group="Recruiters"),
        # Holds the permissions, but restore and erase are for staff logins only.
        "service with candidate permissions": login("service", perms=every_candidate_permission),
        "staff with candidate permissions": login(
            "staff", staff=True, perms=every_candidate_permission
        ),
        "superuser": login("root", staff=True, superuser=True),
    }


# (caller, method, path, body) -> status. Paths name ids from `world`.
MATRIX = [
    # Candidates: everyone signed in with view permission reads; a candidate only theirs.
    ("anonymous", "get", "/candidates/", None, 401),
    ("no permissions", "get", "/candidates/", None, 403),
    ("candidate", "get", "/candidates/", None, 200),
    ("candidate", "get", "/candidates/{candidate}/", None, 200),
    ("candidate", "get", "/candidates/{other}/", None, 404),
    ("candidate", "patch", "/candidates/{candidate}/", {"phone": "1"}, 403),
    ("candidate", "delete", "/candidates/{candidate}/", None, 403),
    ("engine", "get", "/candidates/{candidate}/", None, 200),
    ("engine", "patch", "/candidates/{candidate}/", {"phone": "1"}, 403),
    ("recruiter", "get", "/candidates/{other}/", None, 200),
    ("recruiter", "delete", "/candidates/{candidate}/", None, 403),
    # Restore and erase: staff with the permission, nobody else.
    ("candidate", "post", "/candidates/{candidate}/erase/", None, 403),
    ("engine", "post", "/candidates/{candidate}/erase/", None, 403),
    ("recruiter", "post", "/candidates/{candidate}/erase/", None, 403),
    ("service with candidate permissions", "post", "/candidates/{candidate}/erase/", None, 403),
    ("service with candidate permissions", "post", "/candidates/{candidate}/restore/", None, 403),
    ("staff with candidate permissions", "post", "/candidates/{candidate}/restore/", None, 200),
    ("staff with candidate permissions", "post", "/candidates/{candidate}/erase/", None, 200),
    ("recruiter", "post", "/candidates/{candidate}/restore/", None, 403),
    # Interviews: a candidate reads their own; the engine moves them; recruiters read.
    ("candidate", "get", "/interviews/{interview}/", None, 200),
    ("candidate", "get", "/interviews/{other_interview}/", None, 404),
    ("candidate", "post", "/interviews/{interview}/complete/", None, 403),
    ("recruiter", "post", "/interviews/{interview}/complete/", None, 403),
    ("engine", "post", "/interviews/{interview}/complete/", None, 200),
    # Each move needs change_interview: viewing it is not enough.
    ("recruiter", "post", "/interviews/{interview}/start/", None, 403),
    ("recruiter", "post", "/interviews/{interview}/abandon/", None, 403),
    ("engine", "post", "/interviews/{interview}/abandon/", None, 200),
    # Allowed to try; the interview is already running (SPEC §3's moves).
    ("engine", "post", "/interviews/{interview}/start/", None, 409),
    ("recruiter", "get", "/interviews/{interview}/", None, 200),
    # Sessions: not for candidates; written by the engine only.
    ("candidate", "get", "/interviews/{interview}/session/", None, 403),
    ("recruiter", "get", "/interviews/{interview}/session/", None, 200),
    ("recruiter", "patch", "/interviews/{interview}/session/", {"questions_asked_count": 1}, 403),
    ("engine", "patch", "/interviews/{interview}/session/", {"questions_asked_count": 1}, 200),
    # Transcripts: a candidate reads their own; only the engine appends.
    ("candidate", "get", "/interviews/{interview}/messages/", None, 200),
    ("candidate", "get", "/interviews/{other_interview}/messages/", None, 404),
    ("candidate", "post", "/interviews/{interview}/messages/", {"x": 1}, 403),
    ("recruiter", "post", "/interviews/{interview}/messages/", {"x": 1}, 403),
    (
        "engine",
        "post",
        "/interviews/{interview}/messages/",
        {"message_type": "ai_question", "content_text": "Why?"},
        201,
    ),
    # Agent actions and assessments: never for candidates.
    ("candidate", "get", "/agent-actions/", None, 403),
    ("candidate", "get", "/agent-actions/{action}/", None, 403),
    ("recruiter", "get", "/agent-actions/{action}/", None, 200),
    ("candidate", "get", "/assessments/", None, 403),
    ("candidate", "get", "/assessments/{assessment}/", None, 403),
    ("recruiter", "get", "/assessments/{assessment}/", None, 200),
    ("recruiter", "patch", "/assessments/{assessment}/", {"overall_score": "99"}, 403),
    ("engine", "patch", "/assessments/{assessment}/", {"overall_score": "71"}, 200),
    # Reviews: the review permission (recruiters), not the engine's change permission.
    ("engine", "post", "/assessments/{assessment}/review/", {"review_status": "approved"}, 403),
    ("recruiter", "post", "/assessments/{assessment}/review/", {"review_status": "approved"}, 200),
    ("candidate", "post", "/assessments/{assessment}/review/", {"review_status": "approved"}, 403),
    # Deleted rows are staff's to see, whoever asks for them.
    ("candidate", "get", "/candidates/?include_deleted=true", None, 403),
    ("engine", "get", "/candidates/?include_deleted=true", None, 403),
    ("recruiter", "get", "/candidates/?include_deleted=true", None, 200),
    # An endpoint's description (OPTIONS) is open to every login but a candidate's.
    ("anonymous", "options", "/interviews/{interview}/session/", None, 401),
    ("candidate", "options", "/interviews/{interview}/session/", None, 403),
    ("candidate", "options", "/candidates/", None, 403),
    ("no permissions", "options", "/interviews/{interview}/session/", None, 200),
    ("no permissions", "options", "/assessments/", None, 200),
    ("no permissions", "trace", "/assessments/", None, 405),
]


@pytest.mark.parametrize(
    ("caller", "method", "path", "body", "status"),
    MATRIX,
    ids=[f"{caller}-{method}-{path}" for caller, method, path, _body, _status in MATRIX],
)
def test_who_may_do_what(callers, world, caller, method, path, body, status):
    if path.endswith("/restore/"):
        Candidate.objects.get(pk=world["candidate"]).soft_delete(reason="to restore")
    url = "/api/v1" + path.format(**world)

    response = getattr(_client(callers[caller]), method)(url, body, format="json")

    assert response.status_code == status, response.content


def test_a_method_no_action_answers_to_is_named_in_the_405(callers):
    response = _client(callers["superuser"]).generic("TRACE", "/api/v1/assessments/")
    assert (response.status_code, response.json()) == (
        405,
        {"detail": 'Method "TRACE" not allowed.'},
    )


def test_a_move_needs_the_interview_change_permission(make_staff, world):
    client = _client(make_staff("interviews.view_interview", username="viewer"))
    url = f"/api/v1/interviews/{world['interview']}/complete/"
    assert client.post(url).status_code == 403
    client = _client(
        make_staff("interviews.view_interview", "interviews.change_interview", username="mover")
    )
    assert client.post(url).status_code == 200
    assert Interview.objects.get(pk=world["interview"]).status == "completed"


def test_a_staff_login_linked_to_a_candidate_record_acts_as_staff(make_staff, world):
    """Only non-staff logins are narrowed to their own record (SPEC §4.2)."""
    staff = make_staff("candidates.view_candidate", username="linked")
    Candidate.objects.filter(pk=world["candidate"]).update(user=staff)
    response = _client(staff).get(f"/api/v1/candidates/{world['other']}/")
    assert response.status_code == 200
    assert response.json()["id"] == str(world["other"])


def _api_views(patterns, prefix=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _api_views(pattern.url_patterns, prefix + str(pattern.pattern))
        else:
            yield prefix + str(pattern.pattern), pattern.callback


def test_every_api_view_names_its_model():
    """PortalPermission reads the model from the view's class-level queryset."""
    views = {
        route: getattr(callback, "cls", None)
        for route, callback in _api_views(get_resolver().url_patterns)
        if route.startswith("api/v1/")
    }
    assert views
    checked = {
        route: view.queryset is not None
        for route, view in views.items()
        if view is not None and PortalPermission in view.permission_classes
    }
    assert len(checked) == len(views) - 1  # All but the token endpoint.
    assert all(checked.values()), checked
