"""Erasure is all or nothing: a step failing part-way erases nothing, in the API or the admin."""

from decimal import Decimal

import pytest
from axes.models import AccessAttempt
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth.models import User
from django.contrib.contenttypes.models import ContentType
from knox.models import AuthToken
from model_bakery import baker

from assessments.models import AssessmentResult
from candidates.models import Candidate, Resume
from core.admin import REFUSED_MESSAGE
from interviews import services
from interviews.models import AgentAction
from tests.candidates.test_atomicity import (
    CHANGELIST,
    CONFLICT,
    PASSWORD,
    assert_login_still_works,
)
from tests.failing_writes import Snapshot, failing_write

# Committed as in production (no request-wide transaction): a write that is not
# atomic would leave its first steps written, for the snapshot to see. Callers are
# superusers: the groups a data migration makes do not survive the flush after
# each such test.
pytestmark = pytest.mark.django_db(transaction=True)


def give_personal_data(candidate: Candidate) -> str:
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
    baker.make(
        AssessmentResult,
        interview=interview,
        overall_score=Decimal("70.00"),
        skill_scores={"python": {"score": 70}},
        ai_reasoning={"summary": f"{candidate.full_name} knows the GIL"},
    )
    # What Django's admin and the login protection keep about them.
    LogEntry.objects.create(
        user=User.objects.get_or_create(username="editor", is_staff=True)[0],
        content_type=ContentType.objects.get_for_model(Candidate),
        object_id=str(candidate.pk),
        object_repr=str(candidate),
        action_flag=CHANGE,
        change_message="[]",
    )
    baker.make(AccessAttempt, username=candidate.email, failures_since_start=1)
    return AuthToken.objects.create(user=candidate.user)[1]


class TestErasure:
    #: Each step of erase_candidate and of the interviews app's receiver, in order.
    STEPS = [
        pytest.param("candidates", "UPDATE", "NEW.deleted_at IS NOT NULL", id="soft delete"),
        pytest.param("resumes", "UPDATE", None, id="resumes"),
        pytest.param("candidate_events", "UPDATE", None, id="history"),
        pytest.param("auth_user", "UPDATE", None, id="login"),
        pytest.param("knox_authtoken", "DELETE", None, id="tokens"),
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
        pytest.param("interviews", "UPDATE", None, id="deletion reasons"),
        pytest.param("interview_sessions", "UPDATE", None, id="ai memory"),
        pytest.param("agent_actions", "UPDATE", None, id="ai notes"),
        pytest.param("assessment_results", "UPDATE", None, id="ai judgements"),
        pytest.param("assessment_result_events", "UPDATE", None, id="their history"),
        pytest.param("django_admin_log", "UPDATE", None, id="admin log"),
        pytest.param("axes_accessattempt", "DELETE", None, id="failed logins (last step)"),
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
        # Each holds one failed login: the second deletion is the second candidate's, at
        # the last step of their erasure.
        with failing_write("axes_accessattempt", "DELETE", nth=2):
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
