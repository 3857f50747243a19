from decimal import Decimal

import pgtrigger
from django.contrib.postgres.indexes import GinIndex
from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone

from candidates.models import Candidate, Resume
from candidates.validators import validate_http_url
from core.models import (
    BaseModel,
    JSONDocumentField,
    SameOwner,
    SoftDeleteModel,
    TransactionNow,
    at_least,
    audited,
    choices_check,
)
from core.personal import DELETION_REASON, Personal, PersonalData

ZERO = Decimal("0")
#: What an erased answer says instead of its text.
ERASED_TEXT = "[erased]"
#: What an expired transcript message says instead of its text.
EXPIRED_TEXT = "[removed after the retention period]"
#: The AI's working memory, its inputs and outputs and its reasons quote answers and
#: resumes.
AI_NOTES = "the AI's working memory, its inputs and outputs and its reasons about them"
#: The session's documents: the AI's memory of the interview and its reading of the
#: candidate's level, each quoting or judging their answers.
AI_SESSION_NOTES = ("conversation_memory", "skill_boundaries_identified", "progression_state")
#: What an agent action or an interview names that is about the AI, not the candidate.
ABOUT_THE_AI = "what the AI did and with which model: not about the candidate"
MONEY = {"max_digits": 10, "decimal_places": 4}


class RoleType(models.TextChoices):
    REACT = "react"
    PYTHON = "python"
    JAVASCRIPT = "javascript"
    FULLSTACK = "fullstack"


class InterviewStatus(models.TextChoices):
    SCHEDULED = "scheduled"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    ABANDONED = "abandoned"


# The subject-access export finds a candidate's interviews in the history by candidate.
@audited(model_name="InterviewEvent", db_table="interview_events", searched_by=("candidate",))
class Interview(BaseModel, SoftDeleteModel):
    RoleType = RoleType
    Status = InterviewStatus

    #: A candidate's login sees its own interviews (core.access).
    owner_lookup = "candidate"
    same_owner = (SameOwner("resume", "candidate", "The resume belongs to another candidate."),)
    personal_data = PersonalData(erasure=(DELETION_REASON,), kept={"ai_model_used": ABOUT_THE_AI})

    #: Target status -> the statuses it may be reached from (see interviews.services).
    ALLOWED_MOVES = {
        Status.IN_PROGRESS: frozenset({Status.SCHEDULED}),
        Status.COMPLETED: frozenset({Status.IN_PROGRESS}),
        Status.ABANDONED: frozenset({Status.SCHEDULED, Status.IN_PROGRESS}),
    }
    FINISHED_STATUSES = (Status.COMPLETED, Status.ABANDONED)

    candidate = models.ForeignKey(Candidate, on_delete=models.PROTECT, related_name="interviews")
    # Indexed together with candidate by interviews_resume_idx, which serves both this
    # key and the composite (resume, candidate) key of migration 0002.
    resume = models.ForeignKey(
        Resume,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="interviews",
        db_index=False,
    )
    role_type = models.CharField(max_length=20, choices=RoleType)
    status = models.CharField(
        max_length=20, choices=Status, default=Status.SCHEDULED, db_default=Status.SCHEDULED
    )
    scheduled_for = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(
        null=True, blank=True, help_text="When the interview ended (completed or abandoned)."
    )
    duration_seconds = models.IntegerField(null=True, blank=True, validators=[MinValueValidator(0)])
    ai_model_used = models.CharField(max_length=50, null=True, blank=True)  # noqa: DJ001 - NULL: not known
    total_tokens_used = models.IntegerField(
        default=0, db_default=0, validators=[MinValueValidator(0)]
    )
    cost_usd = models.DecimalField(
        **MONEY, default=ZERO, db_default=ZERO, validators=[MinValueValidator(ZERO)]
    )

    class Meta(SoftDeleteModel.Meta):
        db_table = "interviews"
        ordering = ["-created_at"]
        constraints = [
            choices_check("role_type", RoleType, name="interviews_role_type_valid"),
            choices_check("status", InterviewStatus, name="interviews_status_valid"),
            models.CheckConstraint(
                condition=models.Q(completed_at__gte=models.F("started_at")),
                name="interviews_completed_after_started",
                violation_error_message="completed_at cannot be before started_at.",
            ),
            # The status moves set these timestamps; a row can never claim to have
            # started or finished without them.
            models.CheckConstraint(
                condition=~models.Q(status__in=["in_progress", "completed"])
                | models.Q(started_at__isnull=False),
                name="interviews_started_has_started_at",
                violation_error_message="A started interview needs started_at.",
            ),
            models.CheckConstraint(
                condition=~models.Q(status__in=["completed", "abandoned"])
                | models.Q(completed_at__isnull=False),
                name="interviews_finished_has_completed_at",
                violation_error_message="A finished interview needs completed_at.",
            ),
            at_least("duration_seconds", 0, name="interviews_duration_non_negative"),
            at_least("total_tokens_used", 0, name="interviews_tokens_non_negative"),
            at_least("cost_usd", 0, name="interviews_cost_non_negative"),
        ]
        indexes = [
            # The status filter and the retention job's "finished" scan.
            models.Index(fields=["status"], name="interviews_status_idx"),
            # Newest-first lists and created_after/created_before filters.
            models.Index(fields=["created_at"], name="interviews_created_at_idx"),
            models.Index(fields=["resume", "candidate"], name="interviews_resume_idx"),
        ]

    constraint_error_fields = {
        "interviews_completed_after_started": "completed_at",
        "interviews_started_has_started_at": "started_at",
        "interviews_finished_has_completed_at": "completed_at",
    }

    def __str__(self):
        return f"{self.get_role_type_display()} interview ({self.get_status_display()})"


class DifficultyLevel(models.TextChoices):
    WARMUP = "warmup"
    STANDARD = "standard"
    ADVANCED = "advanced"


#: The columns a write of the session's state names: all but last_activity_at, which
#: a transcript append moves without being a write of the state.
SESSION_STATE_COLUMNS = (
    "id",
    "created_at",
    "updated_at",
    "interview_id",
    "conversation_memory",
    "current_difficulty_level",
    "questions_asked_count",
    "skill_boundaries_identified",
    "progression_state",
    "schema_version",
    "version",
)


# The working memory changes on every turn; the audit trail follows the state fields.
@audited(
    model_name="InterviewSessionEvent",
    db_table="interview_session_events",
    fields=["interview", "current_difficulty_level", "questions_asked_count"],
    searched_by=("interview",),
)
class InterviewSession(BaseModel):
    """The AI interviewer's working state for one interview."""

    DifficultyLevel = DifficultyLevel

    personal_data = PersonalData(
        erasure=(Personal(AI_NOTES, erased=dict.fromkeys(AI_SESSION_NOTES)),),
        expiry=dict.fromkeys(AI_SESSION_NOTES),
    )

    interview = models.OneToOneField(Interview, on_delete=models.CASCADE, related_name="session")
    conversation_memory = JSONDocumentField(null=True, blank=True)
    current_difficulty_level = models.CharField(
        max_length=20,
        choices=DifficultyLevel,
        default=DifficultyLevel.WARMUP,
        db_default=DifficultyLevel.WARMUP,
    )
    questions_asked_count = models.IntegerField(
        default=0, db_default=0, validators=[MinValueValidator(0)]
    )
    skill_boundaries_identified = JSONDocumentField(null=True, blank=True)
    progression_state = JSONDocumentField(null=True, blank=True)
    last_activity_at = models.DateTimeField(default=timezone.now, db_default=TransactionNow())
    schema_version = models.IntegerField(default=1, db_default=1, validators=[MinValueValidator(1)])
    version = models.IntegerField(
        default=1,
        db_default=1,
        validators=[MinValueValidator(1)],
        help_text="Raised by one on every write, by the database (optimistic concurrency).",
    )

    class Meta:
        db_table = "interview_sessions"
        triggers = [
            # Every write raises the version, whichever path it takes (ORM, admin,
            # bulk update, SQL), so a stale If-Match can never match again. An append
            # moving last_activity_at alone is not a write of the state: it must not
            # make the engine's next If-Match fail.
            pgtrigger.Trigger(
                name="interview_sessions_bump_version",
                when=pgtrigger.Before,
                operation=pgtrigger.UpdateOf(*SESSION_STATE_COLUMNS),
                func="NEW.version := OLD.version + 1; RETURN NEW;",
            ),
        ]
        constraints = [
            # Target of the composite foreign key from interview_messages that keeps
            # a message's session and interview in agreement (migration 0002).
            models.UniqueConstraint(
                fields=["id", "interview"], name="interview_sessions_id_interview_key"
            ),
            choices_check(
                "current_difficulty_level",
                DifficultyLevel,
                name="interview_sessions_difficulty_valid",
            ),
            at_least("questions_asked_count", 0, name="interview_sessions_questions_non_negative"),
            at_least("schema_version", 1, name="interview_sessions_schema_version_positive"),
            at_least("version", 1, name="interview_sessions_version_positive"),
        ]
        indexes = [
            # Finding idle sessions (the engine's clean-up of stalled interviews).
            models.Index(fields=["last_activity_at"], name="int_sessions_last_activity_idx"),
            GinIndex(fields=["conversation_memory"], name="int_sessions_memory_gin"),
            GinIndex(fields=["skill_boundaries_identified"], name="int_sessions_boundaries_gin"),
            GinIndex(fields=["progression_state"], name="int_sessions_progression_gin"),
        ]

    def __str__(self):
        return f"Session of {self.interview_id}"


class MessageType(models.TextChoices):
    AI_QUESTION = "ai_question", "AI question"
    CANDIDATE_RESPONSE = "candidate_response", "Candidate response"


class InterviewMessage(BaseModel):
    """One question or answer of an interview's transcript."""

    MessageType = MessageType

    owner_lookup = "interview__candidate"
    same_owner = (SameOwner("session", "interview", "The session belongs to another interview."),)
    personal_data = PersonalData(
        erasure=(
            Personal(
                f"the candidate's answers in interview transcripts (replaced by {ERASED_TEXT})",
                erased={"content_text": ERASED_TEXT, "metadata": None, "audio_metadata": None},
                rows=models.Q(message_type=MessageType.CANDIDATE_RESPONSE),
            ),
            Personal(
                "every audio recording link of their interviews",
                erased={"content_audio_url": None},
            ),
        ),
        expiry={
            "content_text": EXPIRED_TEXT,
            "content_audio_url": None,
            "audio_metadata": None,
            "metadata": None,
        },
    )

    # No index of its own: the unique (interview, sequence_number) index leads with it.
    interview = models.ForeignKey(
        Interview, on_delete=models.CASCADE, related_name="messages", db_index=False
    )
    # Indexed together with interview by int_messages_session_idx, which serves both
    # this key and the composite (session, interview) key of migration 0002.
    session = models.ForeignKey(
        InterviewSession, on_delete=models.CASCADE, related_name="messages", db_index=False
    )
    # NULL by default, for the database to fill: a message inserted without a number
    # gets the interview's next one (interview_messages_number, below), read back in
    # the insert's own RETURNING.
    sequence_number = models.IntegerField(validators=[MinValueValidator(1)], db_default=None)
    message_type = models.CharField(max_length=20, choices=MessageType)
    content_text = models.TextField()
    content_audio_url = models.TextField(  # noqa: DJ001 - NULL: no audio
        null=True, blank=True, validators=[validate_http_url]
    )
    audio_duration_seconds = models.IntegerField(
        null=True, blank=True, validators=[MinValueValidator(0)]
    )
    audio_metadata = JSONDocumentField(null=True, blank=True)
    response_time_seconds = models.IntegerField(
        null=True, blank=True, validators=[MinValueValidator(0)]
    )
    metadata = JSONDocumentField(null=True, blank=True)
    schema_version = models.IntegerField(
        default=1,
        db_default=1,
        validators=[MinValueValidator(1)],
        help_text="Version of the audio_metadata and metadata documents.",
    )
    client_message_id = models.UUIDField(
        null=True, blank=True, help_text="Set by the client so a retried append is safe."
    )

    class Meta:
        db_table = "interview_messages"
        ordering = ["interview_id", "sequence_number"]
        triggers = [
            # Numbering in the insert itself, not a read of the last number first: one
            # round trip less on the hot path. Gapless and duplicate-free only under
            # the interview's row lock, which the append service takes (two inserts
            # without it could compute the same number; the unique key refuses the
            # second). A number given explicitly (a restore, a fixture) is kept.
            pgtrigger.Trigger(
                name="interview_messages_number",
                when=pgtrigger.Before,
                operation=pgtrigger.Insert,
                condition=pgtrigger.Q(new__sequence_number__isnull=True),
                func=(
                    'SELECT COALESCE(MAX("sequence_number"), 0) + 1'
                    ' INTO NEW."sequence_number" FROM "interview_messages"'
                    ' WHERE "interview_id" = NEW."interview_id"; RETURN NEW;'
                ),
            ),
            # Each message is the session's latest activity, in the insert's own
            # statement: whatever inserts it (the append service, SQL), and no extra
            # round trip on the hot path. Never backwards, and no write when it would
            # not move (no new row version, no version bump: see SESSION_STATE_COLUMNS).
            pgtrigger.Trigger(
                name="interview_messages_session_activity",
                when=pgtrigger.After,
                operation=pgtrigger.Insert,
                func=(
                    'UPDATE "interview_sessions" SET "last_activity_at" = NEW."created_at"'
                    ' WHERE "id" = NEW."session_id" AND "last_activity_at" < NEW."created_at";'
                    " RETURN NULL;"
                ),
            ),
        ]
        constraints = [
            # Gapless, duplicate-free transcripts; the index also serves ordered reads
            # (WHERE interview_id = ? AND sequence_number > ? ORDER BY sequence_number).
            models.UniqueConstraint(
                fields=["interview", "sequence_number"],
                name="interview_messages_sequence_key",
            ),
            # Retried appends find the message they already stored.
            models.UniqueConstraint(
                fields=["interview", "client_message_id"],
                name="interview_messages_client_message_id_key",
            ),
            at_least("sequence_number", 1, name="interview_messages_sequence_positive"),
            choices_check("message_type", MessageType, name="interview_messages_type_valid"),
            models.CheckConstraint(
                condition=~models.Q(content_text=""),
                name="interview_messages_content_not_blank",
            ),
            models.CheckConstraint(
                condition=models.Q(content_audio_url__iregex=r"^https?://"),
                name="interview_messages_audio_url_http",
            ),
            at_least(
                "audio_duration_seconds", 0, name="interview_messages_audio_duration_non_negative"
            ),
            at_least(
                "response_time_seconds", 0, name="interview_messages_response_time_non_negative"
            ),
            at_least("schema_version", 1, name="interview_messages_schema_version_positive"),
        ]
        indexes = [
            models.Index(fields=["session", "interview"], name="int_messages_session_idx"),
            GinIndex(fields=["audio_metadata"], name="int_messages_audio_meta_gin"),
            GinIndex(fields=["metadata"], name="int_messages_metadata_gin"),
        ]

    constraint_error_fields = {
        "interview_messages_sequence_key": "sequence_number",
        "interview_messages_client_message_id_key": "client_message_id",
        "interview_messages_content_not_blank": "content_text",
        "interview_messages_audio_url_http": "content_audio_url",
    }

    def __str__(self):
        return f"#{self.sequence_number} {self.get_message_type_display()}"


class AgentType(models.TextChoices):
    INTERVIEWER = "interviewer"
    SCORER = "scorer"
    INTEGRITY_CHECKER = "integrity_checker"
    RESUME_PARSER = "resume_parser"
    ORCHESTRATOR = "orchestrator"


class AgentActionStatus(models.TextChoices):
    SUCCEEDED = "succeeded"
    FAILED = "failed"


class AgentAction(BaseModel):
    """What the AI did and why: an append-only audit trail."""

    AgentType = AgentType
    Status = AgentActionStatus

    personal_data = PersonalData(
        erasure=(
            Personal(AI_NOTES, erased={"input": None, "output": None, "rationale": ERASED_TEXT}),
        ),
        # The reason for an action stays past the retention period: it is the record of
        # why the AI decided what it did, which the candidate may contest.
        expiry={"input": None, "output": None},
        kept=dict.fromkeys(("action", "ai_model"), ABOUT_THE_AI),
    )
    same_owner = (
        SameOwner(
            "interview",
            "candidate",
            "Not the candidate of this interview.",
            error_field="candidate",
        ),
    )

    # PROTECT: the audit trail outlives nothing it describes.
    interview = models.ForeignKey(
        Interview,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="agent_actions",
    )
    candidate = models.ForeignKey(
        Candidate,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="agent_actions",
    )
    agent_type = models.CharField(max_length=20, choices=AgentType)
    action = models.CharField(
        max_length=100, help_text="e.g. ask_question, raise_difficulty, score_interview"
    )
    rationale = models.TextField(
        blank=True, default="", db_default="", help_text="Why the AI did it."
    )
    status = models.CharField(max_length=20, choices=Status)
    ai_model = models.CharField(max_length=50, null=True, blank=True)  # noqa: DJ001 - NULL: not known
    tokens_used = models.IntegerField(default=0, db_default=0, validators=[MinValueValidator(0)])
    cost_usd = models.DecimalField(
        **MONEY, default=ZERO, db_default=ZERO, validators=[MinValueValidator(ZERO)]
    )
    input = JSONDocumentField(null=True, blank=True)
    output = JSONDocumentField(null=True, blank=True)
    schema_version = models.IntegerField(default=1, db_default=1, validators=[MinValueValidator(1)])

    class Meta:
        db_table = "agent_actions"
        ordering = ["-created_at"]
        constraints = [
            choices_check("agent_type", AgentType, name="agent_actions_agent_type_valid"),
            choices_check("status", AgentActionStatus, name="agent_actions_status_valid"),
            models.CheckConstraint(
                condition=~models.Q(action=""), name="agent_actions_action_not_blank"
            ),
            at_least("tokens_used", 0, name="agent_actions_tokens_non_negative"),
            at_least("cost_usd", 0, name="agent_actions_cost_non_negative"),
            at_least("schema_version", 1, name="agent_actions_schema_version_positive"),
        ]
        indexes = [
            # The agent_type filter (e.g. everything the scorer did).
            models.Index(fields=["agent_type"], name="agent_actions_agent_type_idx"),
            # Newest-first audit lists.
            models.Index(fields=["created_at"], name="agent_actions_created_at_idx"),
            GinIndex(fields=["input"], name="agent_actions_input_gin"),
            GinIndex(fields=["output"], name="agent_actions_output_gin"),
        ]

    constraint_error_fields = {"agent_actions_action_not_blank": "action"}

    def __str__(self):
        return f"{self.agent_type}: {self.action}"
