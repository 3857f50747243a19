import uuid

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection
from model_bakery import baker

from candidates.models import Candidate, Resume
from interviews import services
from interviews.models import AgentAction, Interview, InterviewMessage, InterviewSession
from tests.dbutils import assert_refused_by_database


@pytest.mark.parametrize(
    ("assignment", "constraint"),
    [
        ("role_type = 'cobol'", "interviews_role_type_valid"),
        ("status = 'paused'", "interviews_status_valid"),
        ("total_tokens_used = -1", "interviews_tokens_non_negative"),
        ("cost_usd = -0.0001", "interviews_cost_non_negative"),
        ("duration_seconds = -5", "interviews_duration_non_negative"),
        (
            "started_at = now(), completed_at = now() - interval '1 minute'",
            "interviews_completed_after_started",
        ),
        ("status = 'in_progress'", "interviews_started_has_started_at"),
        ("status = 'abandoned'", "interviews_finished_has_completed_at"),
    ],
)
def test_database_refuses_invalid_interview_columns(interview, assignment, constraint):
    assert_refused_by_database(
        f"UPDATE interviews SET {assignment} WHERE id = %s", [interview.pk], constraint
    )


@pytest.mark.parametrize(
    ("assignment", "constraint"),
    [
        ("current_difficulty_level = 'expert'", "interview_sessions_difficulty_valid"),
        ("questions_asked_count = -1", "interview_sessions_questions_non_negative"),
        ("schema_version = 0", "interview_sessions_schema_version_positive"),
    ],
)
def test_database_refuses_invalid_session_columns(interview, assignment, constraint):
    assert_refused_by_database(
        f"UPDATE interview_sessions SET {assignment} WHERE id = %s",
        [interview.session.pk],
        constraint,
    )


@pytest.mark.parametrize(
    ("assignment", "constraint"),
    [
        ("sequence_number = 0", "interview_messages_sequence_positive"),
        ("message_type = 'system'", "interview_messages_type_valid"),
        ("content_text = ''", "interview_messages_content_not_blank"),
        (
            "content_audio_url = 'ftp://audio.example.com/1.ogg'",
            "interview_messages_audio_url_http",
        ),
        ("audio_duration_seconds = -1", "interview_messages_audio_duration_non_negative"),
        ("response_time_seconds = -1", "interview_messages_response_time_non_negative"),
        ("schema_version = 0", "interview_messages_schema_version_positive"),
    ],
)
def test_database_refuses_invalid_message_columns(message, assignment, constraint):
    assert_refused_by_database(
        f"UPDATE interview_messages SET {assignment} WHERE id = %s", [message.pk], constraint
    )


def _next_message(interview, **fields) -> InterviewMessage:
    values = {
        "interview": interview,
        "session": interview.session,
        "sequence_number": 2,
        "message_type": InterviewMessage.MessageType.CANDIDATE_RESPONSE,
        "content_text": "It keeps its frame alive between next() calls.",
    } | fields
    return InterviewMessage(**values)


def test_database_refuses_a_duplicate_sequence_number(message):
    with pytest.raises(IntegrityError, match="interview_messages_sequence_key"):
        _next_message(message.interview, sequence_number=1).save()


def test_a_message_inserted_without_a_number_gets_the_interviews_next(message, candidate):
    other = services.create_interview(candidate=candidate, role_type="react")
    _next_message(other, sequence_number=7).save()  # another interview's numbers count not

    # Not given, as the append service leaves it.
    stored = InterviewMessage.objects.create(
        interview=message.interview,
        session=message.session,
        message_type=InterviewMessage.MessageType.AI_QUESTION,
        content_text="And the generator's frame?",
    )

    # Read back by the insert itself, and what the row holds.
    assert stored.sequence_number == 2
    assert InterviewMessage.objects.get(pk=stored.pk).sequence_number == 2


def test_a_first_message_inserted_without_a_number_is_number_one(candidate):
    interview = services.create_interview(candidate=candidate, role_type="react")
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO interview_messages (interview_id, session_id, message_type,"
            " content_text) VALUES (%s, %s, 'ai_question', 'Why?') RETURNING sequence_number",
            [interview.pk, interview.session.pk],
        )
        assert cursor.fetchone() == (1,)


def test_a_number_given_explicitly_is_kept(message):
    _next_message(message.interview, sequence_number=5).save()  # a restore keeps its numbers
    assert list(
        message.interview.messages.order_by("sequence_number").values_list(
            "sequence_number", flat=True
        )
    ) == [1, 5]


def test_database_refuses_a_reused_client_message_id(message):
    client_id = uuid.uuid4()
    _next_message(message.interview, client_message_id=client_id).save()
    with pytest.raises(IntegrityError, match="interview_messages_client_message_id_key"):
        _next_message(message.interview, sequence_number=3, client_message_id=client_id).save()


def test_database_refuses_a_session_of_another_interview(message, candidate):
    other = services.create_interview(candidate=candidate, role_type="react")
    assert_refused_by_database(
        "UPDATE interview_messages SET session_id = %s WHERE id = %s",
        [other.session.pk, message.pk],
        "interview_messages_session_of_interview_fk",
    )


def test_full_clean_reports_a_duplicate_sequence_number_on_the_field(message):
    with pytest.raises(ValidationError) as excinfo:
        _next_message(message.interview, sequence_number=1).full_clean()
    assert list(excinfo.value.message_dict) == ["sequence_number"]


def test_full_clean_reports_a_session_of_another_interview(message, candidate):
    other = services.create_interview(candidate=candidate, role_type="react")
    with pytest.raises(ValidationError) as excinfo:
        _next_message(message.interview, session=other.session).full_clean()
    assert excinfo.value.message_dict == {"session": ["The session belongs to another interview."]}
    assert [error.code for error in excinfo.value.error_dict["session"]] == ["session_mismatch"]


def test_full_clean_of_a_message_without_an_interview_names_only_that(message):
    orphan = _next_message(message.interview)
    orphan.interview = None
    with pytest.raises(ValidationError) as excinfo:
        orphan.full_clean()
    assert excinfo.value.message_dict == {"interview": ["This field cannot be null."]}


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("total_tokens_used", -1),
        ("cost_usd", "-0.01"),
        ("role_type", "cobol"),
        ("duration_seconds", -1),
    ],
)
def test_full_clean_reports_invalid_interview_field(interview, field, value):
    setattr(interview, field, value)
    with pytest.raises(ValidationError) as excinfo:
        interview.full_clean()
    assert list(excinfo.value.message_dict) == [field]


def test_full_clean_reports_completion_before_start_on_completed_at(interview_in_progress):
    interview_in_progress.completed_at = interview_in_progress.started_at.replace(year=2000)
    with pytest.raises(ValidationError) as excinfo:
        interview_in_progress.full_clean()
    assert "completed_at" in excinfo.value.message_dict


@pytest.mark.parametrize(
    ("assignment", "constraint"),
    [
        ("agent_type = 'hacker'", "agent_actions_agent_type_valid"),
        ("status = 'maybe'", "agent_actions_status_valid"),
        ("tokens_used = -1", "agent_actions_tokens_non_negative"),
        ("cost_usd = -1", "agent_actions_cost_non_negative"),
        ("action = ''", "agent_actions_action_not_blank"),
        ("schema_version = 0", "agent_actions_schema_version_positive"),
    ],
)
def test_database_refuses_invalid_agent_action_columns(interview, assignment, constraint):
    action = baker.make(
        AgentAction,
        interview=interview,
        agent_type=AgentAction.AgentType.INTERVIEWER,
        action="ask_question",
        status=AgentAction.Status.SUCCEEDED,
    )
    assert_refused_by_database(
        f"UPDATE agent_actions SET {assignment} WHERE id = %s", [action.pk], constraint
    )


def test_creating_an_interview_creates_its_session(interview):
    assert interview.session.version == 1
    assert interview.session.current_difficulty_level == "warmup"


def test_database_refuses_a_session_starting_below_version_one(interview, candidate):
    other = Interview.objects.create(candidate=candidate, role_type="react")
    assert_refused_by_database(
        "INSERT INTO interview_sessions (interview_id, version) VALUES (%s, 0)",
        [other.pk],
        "interview_sessions_version_positive",
    )


def test_every_session_write_raises_its_version(interview):
    session = interview.session
    session.questions_asked_count = 1
    session.save()
    session.refresh_from_db()
    assert session.version == 2

    InterviewSession.objects.filter(pk=session.pk).update(progression_state={"streak": 2})
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE interview_sessions SET version = 1 WHERE id = %s", [session.pk]
        )  # A stale writer cannot set the version back.
    session.refresh_from_db()
    assert session.version == 4


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("current_difficulty_level", "expert"),
        ("questions_asked_count", -1),
        ("schema_version", 0),
    ],
)
def test_full_clean_reports_invalid_session_field(interview, field, value):
    session = interview.session
    setattr(session, field, value)
    with pytest.raises(ValidationError) as excinfo:
        session.full_clean()
    assert list(excinfo.value.message_dict) == [field]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("agent_type", "hacker"),
        ("status", "maybe"),
        ("tokens_used", -5),
        ("cost_usd", "-0.5"),
        ("action", ""),
    ],
)
def test_full_clean_reports_invalid_agent_action_field(interview, field, value):
    action = AgentAction(
        interview=interview,
        agent_type="interviewer",
        action="ask_question",
        status="succeeded",
    )
    action.full_clean()
    setattr(action, field, value)
    with pytest.raises(ValidationError) as excinfo:
        action.full_clean()
    assert list(excinfo.value.message_dict) == [field]


def test_full_clean_reports_an_unknown_session_without_crashing(message):
    stray = _next_message(message.interview)
    stray.session_id = uuid.uuid4()
    with pytest.raises(ValidationError) as excinfo:
        stray.full_clean()
    assert list(excinfo.value.message_dict) == ["session"]


def test_an_interview_cannot_use_another_candidates_resume(interview, candidate):
    other = baker.make(Candidate, email="grace@example.com", full_name="Grace Hopper")
    foreign = baker.make(
        Resume,
        candidate=other,
        file_url="https://files.example.com/grace.pdf",
        file_name="grace.pdf",
        file_size=1024,
    )

    interview.resume = foreign
    with pytest.raises(ValidationError) as excinfo:
        interview.full_clean()
    assert excinfo.value.message_dict == {"resume": ["The resume belongs to another candidate."]}
    assert [error.code for error in excinfo.value.error_dict["resume"]] == ["resume_mismatch"]
    assert_refused_by_database(
        "UPDATE interviews SET resume_id = %s WHERE id = %s",
        [foreign.pk, interview.pk],
        "interviews_resume_of_candidate_fk",
    )


@pytest.mark.parametrize("by", ["orm", "sql"])
def test_deleting_a_resume_only_clears_the_interviews_link(interview, resume, by):
    if by == "orm":
        resume.delete()
    else:  # The database's own rule (interviews_resume_of_candidate_fk), for plain SQL.
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM resumes WHERE id = %s", [resume.pk])
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    interview = Interview.objects.get(pk=interview.pk)
    assert interview.resume_id is None
    assert interview.candidate_id == resume.candidate_id


def test_web_urls_are_accepted_whatever_the_case_of_their_scheme(message):
    message.content_audio_url = "HTTPS://audio.example.com/answer-1.ogg"
    message.full_clean()
    message.save()


def test_soft_deleted_interview_is_hidden_and_cannot_move(interview):
    interview.soft_delete(reason="booked twice")

    assert not Interview.objects.filter(pk=interview.pk).exists()
    with pytest.raises(Interview.DoesNotExist):
        services.start_interview(interview)

    Interview.all_objects.get(pk=interview.pk).restore()
    assert services.start_interview(interview).status == Interview.Status.IN_PROGRESS


def test_full_clean_of_a_message_without_a_session_names_the_field(message):
    orphan = InterviewMessage(
        interview=message.interview,
        sequence_number=2,
        message_type=InterviewMessage.MessageType.AI_QUESTION,
        content_text="And then?",
    )
    with pytest.raises(ValidationError) as excinfo:
        orphan.full_clean()
    assert excinfo.value.message_dict == {"session": ["This field cannot be null."]}
