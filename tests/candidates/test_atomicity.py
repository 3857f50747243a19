"""Candidates' multi-step writes are all or nothing: a failure part-way leaves no trace.

Each test makes one step fail inside the database (tests/failing_writes.py) and
compares every touched table before and after.
"""

import pytest
from django.contrib.auth.models import User
from model_bakery import baker
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from candidates.models import Candidate, Resume
from core.admin import REFUSED_MESSAGE
from interviews import services
from interviews.models import AgentAction
from tests.failing_writes import Snapshot, failing_write

PASSWORD = "an4lytical-engine"
CONFLICT = {
    "detail": "The request conflicts with data stored meanwhile (a uniqueness or "
    "consistency rule). Re-read the resource and try again."
}
CHANGELIST = "/admin/candidates/candidate/"

# Committed as in production (no request-wide transaction): a write that is not
# atomic would leave its first steps written, for the snapshot to see. Callers are
# superusers: the groups a data migration makes do not survive the flush after
# each such test.
pytestmark = pytest.mark.django_db(transaction=True)


def give_personal_data(candidate: Candidate) -> Token:
    """Give ``candidate`` personal data in every place erasure reaches; return their token.

    A login and its token, a parsed resume, a running interview whose questions and
    answers carry audio links and metadata, the AI's memory and its notes.
    """
    candidate.user = User.objects.create_user(
        candidate.email,
        email=candidate.email,
        first_name=candidate.full_name.split()[0],
        password=PASSWORD,
    )
    candidate.save(update_fields=["user", "updated_at"])
    resume = baker.make(
        Resume,
        candidate=candidate,
        file_url=f"https://files.example.com/resumes/{candidate.pk}.pdf",
        file_name="cv.pdf",
        file_size=4_096,
        parsing_status=Resume.ParsingStatus.COMPLETED,
        parsed_data={"name": candidate.full_name, "phone": "+44 20 7946 0000"},
    )
    interview = services.start_interview(
        services.create_interview(candidate=candidate, resume=resume, role_type="python")
    )
    for message_type, text in [
        ("ai_question", "What does the GIL protect?"),
        ("candidate_response", "The interpreter's internal state, one thread at a time."),
    ]:
        services.append_message(
            interview,
            message_type=message_type,
            content_text=text,
            content_audio_url=f"https://audio.example.com/{message_type}.ogg",
            audio_metadata={"codec": "opus", "speaker": message_type},
            metadata={"said_by": candidate.full_name},
        )
    services.update_session(
        interview.session, conversation_memory={"candidate": candidate.full_name, "notes": []}
    )
    for with_interview in (interview, None):
        baker.make(
            AgentAction,
            interview=with_interview,
            candidate=candidate,
            agent_type="interviewer",
            action="ask_question",
            rationale="Probe concurrency.",
            status="succeeded",
            input={"resume": resume.parsed_data},
            output={"question": "What does the GIL protect?"},
        )
    return Token.objects.create(user=candidate.user)


def assert_login_still_works(candidate: Candidate, token: Token) -> None:
    """The candidate's login still answers to its password, with the same token."""
    client = APIClient()
    issued = client.post(
        "/api/v1/auth/token/",
        {"username": candidate.email, "password": PASSWORD},
        format="json",
    )
    assert issued.status_code == 200, issued.json()
    assert issued.json() == {"token": token.key}
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    own = client.get(f"/api/v1/candidates/{candidate.pk}/")
    assert own.status_code == 200
    assert (own.json()["full_name"], own.json()["email"]) == (candidate.full_name, candidate.email)


class TestErasure:
    #: Each step of erase_candidate and of the interviews app's receiver, in order.
    STEPS = [
        pytest.param("candidates", "UPDATE", "NEW.deleted_at IS NOT NULL", id="soft delete"),
        pytest.param("resumes", "UPDATE", None, id="resumes"),
        pytest.param("candidate_events", "UPDATE", None, id="history"),
        pytest.param("auth_user", "UPDATE", None, id="login"),
        pytest.param("authtoken_token", "DELETE", None, id="tokens"),
        pytest.param(
            "interview_messages",
            "UPDATE",
            "NEW.message_type = 'candidate_response'",
            id="answers",
        ),
        pytest.param(
            "interview_messages",
            "UPDATE",
            "NEW.content_audio_url IS NULL AND OLD.content_audio_url IS NOT NULL",
            id="audio links",
        ),
        pytest.param("interview_sessions", "UPDATE", None, id="ai memory"),
        pytest.param("agent_actions", "UPDATE", None, id="ai notes (last step)"),
    ]

    @pytest.mark.parametrize(("table", "on", "when"), STEPS)
    def test_a_failing_step_erases_nothing(self, admin_api, candidate, table, on, when):
        """Erasure fails as a whole (409): no step before the failing one stays done."""
        token = give_personal_data(candidate)
        before = Snapshot()

        with failing_write(table, on, when=when):
            response = admin_api.post(f"/api/v1/candidates/{candidate.pk}/erase/")

        assert (response.status_code, response.json()) == (409, CONFLICT)
        before.assert_unchanged()
        assert_login_still_works(candidate, token)

    def test_the_admin_erases_all_of_the_selection_or_none(
        self, admin_client, candidate, other_candidate
    ):
        """Bulk erasure in the admin: the second candidate failing undoes the first."""
        for person in (candidate, other_candidate):
            give_personal_data(person)
        before = Snapshot()
        # Both hold as many agent actions: the next row after one candidate's is the
        # second candidate's, at the last step of their erasure.
        second = AgentAction.objects.filter(candidate=candidate).count() + 1

        with failing_write("agent_actions", "UPDATE", nth=second):
            response = admin_client.post(
                CHANGELIST,
                {
                    "action": "erase_selected",
                    "_selected_action": [str(candidate.pk), str(other_candidate.pk)],
                    "confirm": "yes",
                },
                follow=True,
            )

        assert response.redirect_chain == [(CHANGELIST, 302)]
        assert [(m.level_tag, str(m)) for m in response.context["messages"]] == [
            ("error", REFUSED_MESSAGE)
        ]
        before.assert_unchanged()
        assert not Candidate.all_objects.filter(email__startswith="erased-").exists()


def test_the_admin_soft_deletes_all_of_the_selection_or_none(
    admin_client, candidate, other_candidate
):
    """Bulk soft delete with a reason: the second row failing undoes the first."""
    before = Snapshot()

    with failing_write("candidates", "UPDATE", when="NEW.deleted_at IS NOT NULL", nth=2):
        response = admin_client.post(
            CHANGELIST,
            {
                "action": "soft_delete_selected",
                "_selected_action": [str(candidate.pk), str(other_candidate.pk)],
                "confirm": "yes",
                "reason": "Duplicate records",
            },
            follow=True,
        )

    assert response.redirect_chain == [(CHANGELIST, 302)]
    assert [(m.level_tag, str(m)) for m in response.context["messages"]] == [
        ("error", REFUSED_MESSAGE)
    ]
    before.assert_unchanged()
    assert Candidate.objects.count() == 2


def test_a_candidate_that_cannot_be_stored_leaves_no_login(admin_api):
    """Creation with a password: the login is made first, and goes if the candidate fails."""
    before = Snapshot()

    with failing_write("candidates", "INSERT"):
        response = admin_api.post(
            "/api/v1/candidates/",
            {"email": "grace@example.com", "full_name": "Grace Hopper", "password": PASSWORD},
            format="json",
        )

    assert (response.status_code, response.json()) == (409, CONFLICT)
    before.assert_unchanged()
    assert not User.objects.filter(username="grace@example.com").exists()


def test_a_login_that_cannot_be_renamed_keeps_the_candidates_email(admin_api, candidate):
    """An email change moves the candidate and their login together, or neither."""
    candidate.user = User.objects.create_user(candidate.email, password=PASSWORD)
    candidate.save(update_fields=["user", "updated_at"])
    token = Token.objects.create(user=candidate.user)
    before = Snapshot()

    with failing_write("auth_user", "UPDATE"):
        response = admin_api.patch(
            f"/api/v1/candidates/{candidate.pk}/",
            {"email": "ada.king@example.com"},
            format="json",
        )

    assert (response.status_code, response.json()) == (409, CONFLICT)
    before.assert_unchanged()
    assert_login_still_works(candidate, token)


def test_a_restore_that_cannot_be_recorded_restores_nothing(admin_api, candidate):
    """Restoring writes the row and its audit record together, or neither (409)."""
    candidate.soft_delete(reason="Asked us to")
    before = Snapshot()

    # Refuse the audit record of the restored row: a restore written in several steps
    # would have recorded (and kept) the others before it.
    restored = "NEW.deleted_at IS NULL AND NEW.status = 'active'"
    with failing_write("candidate_events", "INSERT", when=restored):
        response = admin_api.post(f"/api/v1/candidates/{candidate.pk}/restore/")

    assert (response.status_code, response.json()) == (409, CONFLICT)
    before.assert_unchanged()
    assert Candidate.all_objects.get(pk=candidate.pk).status == Candidate.Status.DELETED
