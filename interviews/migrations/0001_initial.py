import core.json
import core.models
import django.contrib.postgres.functions
import django.contrib.postgres.indexes
import django.core.validators
import django.db.models.deletion
import django.db.models.manager
import django.utils.timezone
import pgtrigger.compiler
import pgtrigger.migrations
import uuid
from decimal import Decimal
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("candidates", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        # Rolling back drops the trigger but pgtrigger leaves the function
        # behind; this first operation, undone last, drops it too.
        migrations.RunSQL(
            sql=migrations.RunSQL.noop,
            reverse_sql="""
                DROP FUNCTION IF EXISTS pgtrigger_interview_sessions_bump_version_a50b2();
            """,
        ),
        migrations.CreateModel(
            name="Interview",
            fields=[
                (
                    "id",
                    models.UUIDField(
                        db_default=django.contrib.postgres.functions.RandomUUID(),
                        default=uuid.uuid4,
                        editable=False,
                        primary_key=True,
                        serialize=False,
                    ),
                ),
                (
                    "created_at",
                    models.DateTimeField(
                        auto_now_add=True, db_default=core.models.TransactionNow()
                    ),
                ),
                (
                    "updated_at",
                    models.DateTimeField(auto_now=True, db_default=core.models.TransactionNow()),
                ),
                ("deleted_at", models.DateTimeField(blank=True, editable=False, null=True)),
                (
                    "deletion_reason",
                    models.TextField(blank=True, db_default="", default="", editable=False),
                ),
                (
                    "role_type",
                    models.CharField(
                        choices=[
                            ("react", "React"),
                            ("python", "Python"),
                            ("javascript", "Javascript"),
                            ("fullstack", "Fullstack"),
                        ],
                        max_length=20,
                    ),
                ),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("scheduled", "Scheduled"),
                            ("in_progress", "In Progress"),
                            ("completed", "Completed"),
                            ("abandoned", "Abandoned"),
                        ],
                        db_default="scheduled",
                        default="scheduled",
                        max_length=20,
                    ),
                ),
                ("scheduled_for", models.DateTimeField(blank=True, null=True)),
                ("started_at", models.DateTimeField(blank=True, null=True)),
                (
                    "completed_at",
                    models.DateTimeField(
                        blank=True,
                        help_text="When the interview ended (completed or abandoned).",
                        null=True,
                    ),
                ),
                (
                    "duration_seconds",
                    models.IntegerField(
                        blank=True,
                        null=True,
                        validators=[django.core.validators.MinValueValidator(0)],
                    ),
                ),
                ("ai_model_used", models.CharField(blank=True, max_length=50, null=True)),
                (
                    "total_tokens_used",
                    models.IntegerField(
                        db_default=0,
                        default=0,
                        validators=[django.core.validators.MinValueValidator(0)],
                    ),
                ),
                (
                    "cost_usd",
                    models.DecimalField(
                        db_default=Decimal("0"),
                        decimal_places=4,
                        default=Decimal("0"),
                        max_digits=10,
                        validators=[django.core.validators.MinValueValidator(Decimal("0"))],
                    ),
                ),
                (
                    "candidate",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="interviews",
                        to="candidates.candidate",
                    ),
                ),
                (
                    "deleted_by",
                    models.ForeignKey(
                        blank=True,
                        editable=False,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "resume",
                    models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="interviews",
                        to="candidates.resume",
                    ),
                ),
            ],
            options={
                "db_table": "interviews",
                "ordering": ["-created_at"],
                "abstract": False,
                "base_manager_name": "all_objects",
            },
            managers=[
                ("objects", django.db.models.manager.Manager()),
                ("all_objects", django.db.models.manager.Manager()),
            ],
        ),
        migrations.CreateModel(
            name="AgentAction",
            fields=[
                (
                    "id",
                    models.UUIDField(
                        db_default=django.contrib.postgres.functions.RandomUUID(),
                        default=uuid.uuid4,
                        editable=False,
                        primary_key=True,
                        serialize=False,
                    ),
                ),
                (
                    "created_at",
                    models.DateTimeField(
                        auto_now_add=True, db_default=core.models.TransactionNow()
                    ),
                ),
                (
                    "updated_at",
                    models.DateTimeField(auto_now=True, db_default=core.models.TransactionNow()),
                ),
                (
                    "agent_type",
                    models.CharField(
                        choices=[
                            ("interviewer", "Interviewer"),
                            ("scorer", "Scorer"),
                            ("integrity_checker", "Integrity Checker"),
                            ("resume_parser", "Resume Parser"),
                            ("orchestrator", "Orchestrator"),
                        ],
                        max_length=20,
                    ),
                ),
                (
                    "action",
                    models.CharField(
                        help_text="e.g. ask_question, raise_difficulty, score_interview",
                        max_length=100,
                    ),
                ),
                (
                    "rationale",
                    models.TextField(
                        blank=True, db_default="", default="", help_text="Why the AI did it."
                    ),
                ),
                (
                    "status",
                    models.CharField(
                        choices=[("succeeded", "Succeeded"), ("failed", "Failed")], max_length=20
                    ),
                ),
                ("ai_model", models.CharField(blank=True, max_length=50, null=True)),
                (
                    "tokens_used",
                    models.IntegerField(
                        db_default=0,
                        default=0,
                        validators=[django.core.validators.MinValueValidator(0)],
                    ),
                ),
                (
                    "cost_usd",
                    models.DecimalField(
                        db_default=Decimal("0"),
                        decimal_places=4,
                        default=Decimal("0"),
                        max_digits=10,
                        validators=[django.core.validators.MinValueValidator(Decimal("0"))],
                    ),
                ),
                (
                    "input",
                    models.JSONField(blank=True, encoder=core.json.ExactJSONEncoder, null=True),
                ),
                (
                    "output",
                    models.JSONField(blank=True, encoder=core.json.ExactJSONEncoder, null=True),
                ),
                (
                    "schema_version",
                    models.IntegerField(
                        db_default=1,
                        default=1,
                        validators=[django.core.validators.MinValueValidator(1)],
                    ),
                ),
                (
                    "candidate",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="agent_actions",
                        to="candidates.candidate",
                    ),
                ),
                (
                    "interview",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="agent_actions",
                        to="interviews.interview",
                    ),
                ),
            ],
            options={
                "db_table": "agent_actions",
                "ordering": ["-created_at"],
            },
        ),
        migrations.CreateModel(
            name="InterviewSession",
            fields=[
                (
                    "id",
                    models.UUIDField(
                        db_default=django.contrib.postgres.functions.RandomUUID(),
                        default=uuid.uuid4,
                        editable=False,
                        primary_key=True,
                        serialize=False,
                    ),
                ),
                (
                    "created_at",
                    models.DateTimeField(
                        auto_now_add=True, db_default=core.models.TransactionNow()
                    ),
                ),
                (
                    "updated_at",
                    models.DateTimeField(auto_now=True, db_default=core.models.TransactionNow()),
                ),
                (
                    "conversation_memory",
                    models.JSONField(blank=True, encoder=core.json.ExactJSONEncoder, null=True),
                ),
                (
                    "current_difficulty_level",
                    models.CharField(
                        choices=[
                            ("warmup", "Warmup"),
                            ("standard", "Standard"),
                            ("advanced", "Advanced"),
                        ],
                        db_default="warmup",
                        default="warmup",
                        max_length=20,
                    ),
                ),
                (
                    "questions_asked_count",
                    models.IntegerField(
                        db_default=0,
                        default=0,
                        validators=[django.core.validators.MinValueValidator(0)],
                    ),
                ),
                (
                    "skill_boundaries_identified",
                    models.JSONField(blank=True, encoder=core.json.ExactJSONEncoder, null=True),
                ),
                (
                    "progression_state",
                    models.JSONField(blank=True, encoder=core.json.ExactJSONEncoder, null=True),
                ),
                (
                    "last_activity_at",
                    models.DateTimeField(
                        db_default=core.models.TransactionNow(), default=django.utils.timezone.now
                    ),
                ),
                (
                    "schema_version",
                    models.IntegerField(
                        db_default=1,
                        default=1,
                        validators=[django.core.validators.MinValueValidator(1)],
                    ),
                ),
                (
                    "version",
                    models.IntegerField(
                        db_default=1,
                        default=1,
                        help_text="Raised by one on every write, by the database (optimistic concurrency).",
                        validators=[django.core.validators.MinValueValidator(1)],
                    ),
                ),
                (
                    "interview",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="session",
                        to="interviews.interview",
                    ),
                ),
            ],
            options={
                "db_table": "interview_sessions",
            },
        ),
        migrations.CreateModel(
            name="InterviewMessage",
            fields=[
                (
                    "id",
                    models.UUIDField(
                        db_default=django.contrib.postgres.functions.RandomUUID(),
                        default=uuid.uuid4,
                        editable=False,
                        primary_key=True,
                        serialize=False,
                    ),
                ),
                (
                    "created_at",
                    models.DateTimeField(
                        auto_now_add=True, db_default=core.models.TransactionNow()
                    ),
                ),
                (
                    "updated_at",
                    models.DateTimeField(auto_now=True, db_default=core.models.TransactionNow()),
                ),
                (
                    "sequence_number",
                    models.IntegerField(validators=[django.core.validators.MinValueValidator(1)]),
                ),
                (
                    "message_type",
                    models.CharField(
                        choices=[
                            ("ai_question", "AI question"),
                            ("candidate_response", "Candidate response"),
                        ],
                        max_length=20,
                    ),
                ),
                ("content_text", models.TextField()),
                (
                    "content_audio_url",
                    models.TextField(
                        blank=True,
                        null=True,
                        validators=[django.core.validators.URLValidator(schemes=["http", "https"])],
                    ),
                ),
                (
                    "audio_duration_seconds",
                    models.IntegerField(
                        blank=True,
                        null=True,
                        validators=[django.core.validators.MinValueValidator(0)],
                    ),
                ),
                (
                    "audio_metadata",
                    models.JSONField(blank=True, encoder=core.json.ExactJSONEncoder, null=True),
                ),
                (
                    "response_time_seconds",
                    models.IntegerField(
                        blank=True,
                        null=True,
                        validators=[django.core.validators.MinValueValidator(0)],
                    ),
                ),
                (
                    "metadata",
                    models.JSONField(blank=True, encoder=core.json.ExactJSONEncoder, null=True),
                ),
                (
                    "client_message_id",
                    models.UUIDField(
                        blank=True,
                        help_text="Set by the client so a retried append is safe.",
                        null=True,
                    ),
                ),
                (
                    "interview",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="messages",
                        to="interviews.interview",
                    ),
                ),
                (
                    "session",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="messages",
                        to="interviews.interviewsession",
                    ),
                ),
            ],
            options={
                "db_table": "interview_messages",
                "ordering": ["interview_id", "sequence_number"],
            },
        ),
        migrations.AddIndex(
            model_name="interview",
            index=models.Index(fields=["status"], name="interviews_status_idx"),
        ),
        migrations.AddIndex(
            model_name="interview",
            index=models.Index(fields=["created_at"], name="interviews_created_at_idx"),
        ),
        migrations.AddIndex(
            model_name="interview",
            index=models.Index(fields=["resume", "candidate"], name="interviews_resume_idx"),
        ),
        migrations.AddConstraint(
            model_name="interview",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("role_type__in", ["react", "python", "javascript", "fullstack"])
                ),
                name="interviews_role_type_valid",
            ),
        ),
        migrations.AddConstraint(
            model_name="interview",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("status__in", ["scheduled", "in_progress", "completed", "abandoned"])
                ),
                name="interviews_status_valid",
            ),
        ),
        migrations.AddConstraint(
            model_name="interview",
            constraint=models.CheckConstraint(
                condition=models.Q(("completed_at__gte", models.F("started_at"))),
                name="interviews_completed_after_started",
                violation_error_message="completed_at cannot be before started_at.",
            ),
        ),
        migrations.AddConstraint(
            model_name="interview",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("status__in", ["in_progress", "completed"]), _negated=True),
                    ("started_at__isnull", False),
                    _connector="OR",
                ),
                name="interviews_started_has_started_at",
                violation_error_message="A started interview needs started_at.",
            ),
        ),
        migrations.AddConstraint(
            model_name="interview",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("status__in", ["completed", "abandoned"]), _negated=True),
                    ("completed_at__isnull", False),
                    _connector="OR",
                ),
                name="interviews_finished_has_completed_at",
                violation_error_message="A finished interview needs completed_at.",
            ),
        ),
        migrations.AddConstraint(
            model_name="interview",
            constraint=models.CheckConstraint(
                condition=models.Q(("duration_seconds__gte", 0)),
                name="interviews_duration_non_negative",
            ),
        ),
        migrations.AddConstraint(
            model_name="interview",
            constraint=models.CheckConstraint(
                condition=models.Q(("total_tokens_used__gte", 0)),
                name="interviews_tokens_non_negative",
            ),
        ),
        migrations.AddConstraint(
            model_name="interview",
            constraint=models.CheckConstraint(
                condition=models.Q(("cost_usd__gte", 0)), name="interviews_cost_non_negative"
            ),
        ),
        migrations.AddIndex(
            model_name="agentaction",
            index=models.Index(fields=["agent_type"], name="agent_actions_agent_type_idx"),
        ),
        migrations.AddIndex(
            model_name="agentaction",
            index=models.Index(fields=["created_at"], name="agent_actions_created_at_idx"),
        ),
        migrations.AddIndex(
            model_name="agentaction",
            index=django.contrib.postgres.indexes.GinIndex(
                fields=["input"], name="agent_actions_input_gin"
            ),
        ),
        migrations.AddIndex(
            model_name="agentaction",
            index=django.contrib.postgres.indexes.GinIndex(
                fields=["output"], name="agent_actions_output_gin"
            ),
        ),
        migrations.AddConstraint(
            model_name="agentaction",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    (
                        "agent_type__in",
                        [
                            "interviewer",
                            "scorer",
                            "integrity_checker",
                            "resume_parser",
                            "orchestrator",
                        ],
                    )
                ),
                name="agent_actions_agent_type_valid",
            ),
        ),
        migrations.AddConstraint(
            model_name="agentaction",
            constraint=models.CheckConstraint(
                condition=models.Q(("status__in", ["succeeded", "failed"])),
                name="agent_actions_status_valid",
            ),
        ),
        migrations.AddConstraint(
            model_name="agentaction",
            constraint=models.CheckConstraint(
                condition=models.Q(("action", ""), _negated=True),
                name="agent_actions_action_not_blank",
            ),
        ),
        migrations.AddConstraint(
            model_name="agentaction",
            constraint=models.CheckConstraint(
                condition=models.Q(("tokens_used__gte", 0)),
                name="agent_actions_tokens_non_negative",
            ),
        ),
        migrations.AddConstraint(
            model_name="agentaction",
            constraint=models.CheckConstraint(
                condition=models.Q(("cost_usd__gte", 0)), name="agent_actions_cost_non_negative"
            ),
        ),
        migrations.AddConstraint(
            model_name="agentaction",
            constraint=models.CheckConstraint(
                condition=models.Q(("schema_version__gte", 1)),
                name="agent_actions_schema_version_positive",
            ),
        ),
        migrations.AddIndex(
            model_name="interviewsession",
            index=models.Index(fields=["last_activity_at"], name="int_sessions_last_activity_idx"),
        ),
        migrations.AddIndex(
            model_name="interviewsession",
            index=django.contrib.postgres.indexes.GinIndex(
                fields=["conversation_memory"], name="int_sessions_memory_gin"
            ),
        ),
        migrations.AddIndex(
            model_name="interviewsession",
            index=django.contrib.postgres.indexes.GinIndex(
                fields=["skill_boundaries_identified"], name="int_sessions_boundaries_gin"
            ),
        ),
        migrations.AddIndex(
            model_name="interviewsession",
            index=django.contrib.postgres.indexes.GinIndex(
                fields=["progression_state"], name="int_sessions_progression_gin"
            ),
        ),
        migrations.AddConstraint(
            model_name="interviewsession",
            constraint=models.UniqueConstraint(
                fields=("id", "interview"), name="interview_sessions_id_interview_key"
            ),
        ),
        migrations.AddConstraint(
            model_name="interviewsession",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("current_difficulty_level__in", ["warmup", "standard", "advanced"])
                ),
                name="interview_sessions_difficulty_valid",
            ),
        ),
        migrations.AddConstraint(
            model_name="interviewsession",
            constraint=models.CheckConstraint(
                condition=models.Q(("questions_asked_count__gte", 0)),
                name="interview_sessions_questions_non_negative",
            ),
        ),
        migrations.AddConstraint(
            model_name="interviewsession",
            constraint=models.CheckConstraint(
                condition=models.Q(("schema_version__gte", 1)),
                name="interview_sessions_schema_version_positive",
            ),
        ),
        migrations.AddConstraint(
            model_name="interviewsession",
            constraint=models.CheckConstraint(
                condition=models.Q(("version__gte", 1)), name="interview_sessions_version_positive"
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="interviewsession",
            trigger=pgtrigger.compiler.Trigger(
                name="interview_sessions_bump_version",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func="NEW.version := OLD.version + 1; RETURN NEW;",
                    hash="9b878e75f0d15c6681c3d50b89ddd4a6ed359560",
                    operation="UPDATE",
                    pgid="pgtrigger_interview_sessions_bump_version_a50b2",
                    table="interview_sessions",
                    when="BEFORE",
                ),
            ),
        ),
        migrations.AddIndex(
            model_name="interviewmessage",
            index=models.Index(fields=["session", "interview"], name="int_messages_session_idx"),
        ),
        migrations.AddIndex(
            model_name="interviewmessage",
            index=django.contrib.postgres.indexes.GinIndex(
                fields=["audio_metadata"], name="int_messages_audio_meta_gin"
            ),
        ),
        migrations.AddIndex(
            model_name="interviewmessage",
            index=django.contrib.postgres.indexes.GinIndex(
                fields=["metadata"], name="int_messages_metadata_gin"
            ),
        ),
        migrations.AddConstraint(
            model_name="interviewmessage",
            constraint=models.UniqueConstraint(
                fields=("interview", "sequence_number"), name="interview_messages_sequence_key"
            ),
        ),
        migrations.AddConstraint(
            model_name="interviewmessage",
            constraint=models.UniqueConstraint(
                fields=("interview", "client_message_id"),
                name="interview_messages_client_message_id_key",
            ),
        ),
        migrations.AddConstraint(
            model_name="interviewmessage",
            constraint=models.CheckConstraint(
                condition=models.Q(("sequence_number__gte", 1)),
                name="interview_messages_sequence_positive",
            ),
        ),
        migrations.AddConstraint(
            model_name="interviewmessage",
            constraint=models.CheckConstraint(
                condition=models.Q(("message_type__in", ["ai_question", "candidate_response"])),
                name="interview_messages_type_valid",
            ),
        ),
        migrations.AddConstraint(
            model_name="interviewmessage",
            constraint=models.CheckConstraint(
                condition=models.Q(("content_text", ""), _negated=True),
                name="interview_messages_content_not_blank",
            ),
        ),
        migrations.AddConstraint(
            model_name="interviewmessage",
            constraint=models.CheckConstraint(
                condition=models.Q(("content_audio_url__iregex", "^https?://")),
                name="interview_messages_audio_url_http",
            ),
        ),
        migrations.AddConstraint(
            model_name="interviewmessage",
            constraint=models.CheckConstraint(
                condition=models.Q(("audio_duration_seconds__gte", 0)),
                name="interview_messages_audio_duration_non_negative",
            ),
        ),
        migrations.AddConstraint(
            model_name="interviewmessage",
            constraint=models.CheckConstraint(
                condition=models.Q(("response_time_seconds__gte", 0)),
                name="interview_messages_response_time_non_negative",
            ),
        ),
    ]
