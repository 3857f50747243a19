from candidates.models import Candidate, Resume
from core.api import ModelCleanMixin, PortalSerializer
from core.models import DELETION_FIELDS, TIMESTAMP_FIELDS
from interviews.models import AgentAction, Interview, InterviewMessage, InterviewSession


class InterviewSerializer(ModelCleanMixin, PortalSerializer):
    class Meta:
        model = Interview
        fields = [
            "id",
            "candidate",
            "resume",
            "role_type",
            "status",
            "scheduled_for",
            "started_at",
            "completed_at",
            "duration_seconds",
            "ai_model_used",
            "total_tokens_used",
            "cost_usd",
            *TIMESTAMP_FIELDS,
            *DELETION_FIELDS,
        ]
        # Status and its timestamps change only through start/complete/abandon.
        read_only_fields = [
            "status",
            "started_at",
            "completed_at",
            "duration_seconds",
        ]
        extra_kwargs = {
            "candidate": {"queryset": Candidate.objects.all()},
            "resume": {"queryset": Resume.objects.all()},
        }


class InterviewSessionSerializer(PortalSerializer):
    class Meta:
        model = InterviewSession
        fields = [
            "id",
            "interview",
            "conversation_memory",
            "current_difficulty_level",
            "questions_asked_count",
            "skill_boundaries_identified",
            "progression_state",
            "last_activity_at",
            "schema_version",
            "version",
            *TIMESTAMP_FIELDS,
        ]
        read_only_fields = ["interview", "version"]


class InterviewMessageSerializer(PortalSerializer):
    class Meta:
        model = InterviewMessage
        fields = [
            "id",
            "interview",
            "session",
            "sequence_number",
            "message_type",
            "content_text",
            "content_audio_url",
            "audio_duration_seconds",
            "audio_metadata",
            "response_time_seconds",
            "metadata",
            "schema_version",
            "client_message_id",
            *TIMESTAMP_FIELDS,
        ]
        # The server assigns the number and the session; the interview is in the URL.
        read_only_fields = ["interview", "session", "sequence_number"]
        # No audio is null, not "": an empty link is a mistake worth a 400.
        extra_kwargs = {"content_audio_url": {"allow_blank": False}}
        # Uniqueness of client_message_id makes a retry a replay, not an error.
        validators = []


class AgentActionSerializer(ModelCleanMixin, PortalSerializer):
    class Meta:
        model = AgentAction
        fields = [
            "id",
            "interview",
            "candidate",
            "agent_type",
            "action",
            "rationale",
            "status",
            "ai_model",
            "tokens_used",
            "cost_usd",
            "input",
            "output",
            "schema_version",
            *TIMESTAMP_FIELDS,
        ]
        extra_kwargs = {
            "interview": {"queryset": Interview.all_objects.all()},
            "candidate": {"queryset": Candidate.all_objects.all()},
        }
