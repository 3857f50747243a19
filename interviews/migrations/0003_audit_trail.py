"""The audit trail: event tables and the triggers that fill them (pghistory)."""

import core.models
import django.contrib.postgres.functions
import django.core.validators
import django.db.models.deletion
import pgtrigger.compiler
import pgtrigger.migrations
import uuid
from decimal import Decimal
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("candidates", "0001_initial"),
        ("interviews", "0002_composite_keys"),
        ("pghistory", "0007_auto_20250421_0444"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        # Rolling back drops the triggers but pgtrigger leaves the functions
        # behind; this first operation, undone last, drops them too.
        migrations.RunSQL(
            sql=migrations.RunSQL.noop,
            reverse_sql="""
                DROP FUNCTION IF EXISTS pgtrigger_insert_insert_990ca();
                DROP FUNCTION IF EXISTS pgtrigger_update_update_c7675();
                DROP FUNCTION IF EXISTS pgtrigger_delete_delete_9f4e2();
                DROP FUNCTION IF EXISTS pgtrigger_insert_insert_e443a();
                DROP FUNCTION IF EXISTS pgtrigger_update_update_307ca();
                DROP FUNCTION IF EXISTS pgtrigger_delete_delete_f6cd5();
            """,
        ),
        migrations.CreateModel(
            name="InterviewEvent",
            fields=[
                ("pgh_id", models.AutoField(primary_key=True, serialize=False)),
                ("pgh_created_at", models.DateTimeField(auto_now_add=True)),
                ("pgh_label", models.TextField(help_text="The event label.")),
                (
                    "pgh_db_user",
                    models.TextField(db_default=core.models.DatabaseUser(), editable=False),
                ),
                (
                    "id",
                    models.UUIDField(
                        db_default=django.contrib.postgres.functions.RandomUUID(),
                        default=uuid.uuid4,
                        editable=False,
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
            ],
            options={
                "db_table": "interview_events",
                "abstract": False,
            },
        ),
        migrations.CreateModel(
            name="InterviewSessionEvent",
            fields=[
                ("pgh_id", models.AutoField(primary_key=True, serialize=False)),
                ("pgh_created_at", models.DateTimeField(auto_now_add=True)),
                ("pgh_label", models.TextField(help_text="The event label.")),
                (
                    "pgh_db_user",
                    models.TextField(db_default=core.models.DatabaseUser(), editable=False),
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
            ],
            options={
                "db_table": "interview_session_events",
                "abstract": False,
            },
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="interview",
            trigger=pgtrigger.compiler.Trigger(
                name="insert_insert",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func='INSERT INTO "interview_events" ("ai_model_used", "candidate_id", "completed_at", "cost_usd", "created_at", "deleted_at", "deleted_by_id", "deletion_reason", "duration_seconds", "id", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "resume_id", "role_type", "scheduled_for", "started_at", "status", "total_tokens_used", "updated_at") VALUES (NEW."ai_model_used", NEW."candidate_id", NEW."completed_at", NEW."cost_usd", NEW."created_at", NEW."deleted_at", NEW."deleted_by_id", NEW."deletion_reason", NEW."duration_seconds", NEW."id", _pgh_attach_context(), NOW(), \'insert\', NEW."id", NEW."resume_id", NEW."role_type", NEW."scheduled_for", NEW."started_at", NEW."status", NEW."total_tokens_used", NEW."updated_at"); RETURN NULL;',
                    hash="ae0393b06ef14b01f77c621e46d954d5d1a1fcd3",
                    operation="INSERT",
                    pgid="pgtrigger_insert_insert_990ca",
                    table="interviews",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="interview",
            trigger=pgtrigger.compiler.Trigger(
                name="update_update",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    condition="WHEN (OLD.* IS DISTINCT FROM NEW.*)",
                    func='INSERT INTO "interview_events" ("ai_model_used", "candidate_id", "completed_at", "cost_usd", "created_at", "deleted_at", "deleted_by_id", "deletion_reason", "duration_seconds", "id", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "resume_id", "role_type", "scheduled_for", "started_at", "status", "total_tokens_used", "updated_at") VALUES (NEW."ai_model_used", NEW."candidate_id", NEW."completed_at", NEW."cost_usd", NEW."created_at", NEW."deleted_at", NEW."deleted_by_id", NEW."deletion_reason", NEW."duration_seconds", NEW."id", _pgh_attach_context(), NOW(), \'update\', NEW."id", NEW."resume_id", NEW."role_type", NEW."scheduled_for", NEW."started_at", NEW."status", NEW."total_tokens_used", NEW."updated_at"); RETURN NULL;',
                    hash="b8b0ac59fd9b665ad6f3149591da88919c0dcd8f",
                    operation="UPDATE",
                    pgid="pgtrigger_update_update_c7675",
                    table="interviews",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="interview",
            trigger=pgtrigger.compiler.Trigger(
                name="delete_delete",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func='INSERT INTO "interview_events" ("ai_model_used", "candidate_id", "completed_at", "cost_usd", "created_at", "deleted_at", "deleted_by_id", "deletion_reason", "duration_seconds", "id", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "resume_id", "role_type", "scheduled_for", "started_at", "status", "total_tokens_used", "updated_at") VALUES (OLD."ai_model_used", OLD."candidate_id", OLD."completed_at", OLD."cost_usd", OLD."created_at", OLD."deleted_at", OLD."deleted_by_id", OLD."deletion_reason", OLD."duration_seconds", OLD."id", _pgh_attach_context(), NOW(), \'delete\', OLD."id", OLD."resume_id", OLD."role_type", OLD."scheduled_for", OLD."started_at", OLD."status", OLD."total_tokens_used", OLD."updated_at"); RETURN NULL;',
                    hash="834767f0cdeefa2b6d8083f88d17e74ba22cafd7",
                    operation="DELETE",
                    pgid="pgtrigger_delete_delete_9f4e2",
                    table="interviews",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="interviewsession",
            trigger=pgtrigger.compiler.Trigger(
                name="insert_insert",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func='INSERT INTO "interview_session_events" ("current_difficulty_level", "interview_id", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "questions_asked_count") VALUES (NEW."current_difficulty_level", NEW."interview_id", _pgh_attach_context(), NOW(), \'insert\', NEW."id", NEW."questions_asked_count"); RETURN NULL;',
                    hash="fb790b79032a1ae55c909648852b4059fc3525d0",
                    operation="INSERT",
                    pgid="pgtrigger_insert_insert_e443a",
                    table="interview_sessions",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="interviewsession",
            trigger=pgtrigger.compiler.Trigger(
                name="update_update",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    condition='WHEN (OLD."current_difficulty_level" IS DISTINCT FROM (NEW."current_difficulty_level") OR OLD."interview_id" IS DISTINCT FROM (NEW."interview_id") OR OLD."questions_asked_count" IS DISTINCT FROM (NEW."questions_asked_count"))',
                    func='INSERT INTO "interview_session_events" ("current_difficulty_level", "interview_id", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "questions_asked_count") VALUES (NEW."current_difficulty_level", NEW."interview_id", _pgh_attach_context(), NOW(), \'update\', NEW."id", NEW."questions_asked_count"); RETURN NULL;',
                    hash="3a33020f165ae5db66810bea7d74abf868669b6d",
                    operation="UPDATE",
                    pgid="pgtrigger_update_update_307ca",
                    table="interview_sessions",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="interviewsession",
            trigger=pgtrigger.compiler.Trigger(
                name="delete_delete",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func='INSERT INTO "interview_session_events" ("current_difficulty_level", "interview_id", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "questions_asked_count") VALUES (OLD."current_difficulty_level", OLD."interview_id", _pgh_attach_context(), NOW(), \'delete\', OLD."id", OLD."questions_asked_count"); RETURN NULL;',
                    hash="99606413a3b6a668b3c2cce70bb5954c02433648",
                    operation="DELETE",
                    pgid="pgtrigger_delete_delete_f6cd5",
                    table="interview_sessions",
                    when="AFTER",
                ),
            ),
        ),
        migrations.AddField(
            model_name="interviewevent",
            name="candidate",
            field=models.ForeignKey(
                db_constraint=False,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                related_query_name="+",
                to="candidates.candidate",
            ),
        ),
        migrations.AddField(
            model_name="interviewevent",
            name="deleted_by",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                related_query_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AddField(
            model_name="interviewevent",
            name="pgh_context",
            field=models.ForeignKey(
                db_constraint=False,
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to="pghistory.context",
            ),
        ),
        migrations.AddField(
            model_name="interviewevent",
            name="pgh_obj",
            field=models.ForeignKey(
                db_constraint=False,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="audit_events",
                to="interviews.interview",
            ),
        ),
        migrations.AddField(
            model_name="interviewevent",
            name="resume",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                related_query_name="+",
                to="candidates.resume",
            ),
        ),
        migrations.AddField(
            model_name="interviewsessionevent",
            name="interview",
            field=models.ForeignKey(
                db_constraint=False,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                related_query_name="+",
                to="interviews.interview",
            ),
        ),
        migrations.AddField(
            model_name="interviewsessionevent",
            name="pgh_context",
            field=models.ForeignKey(
                db_constraint=False,
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to="pghistory.context",
            ),
        ),
        migrations.AddField(
            model_name="interviewsessionevent",
            name="pgh_obj",
            field=models.ForeignKey(
                db_constraint=False,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="interview_current_difficulty_level_questions_asked_count_audit_events",
                to="interviews.interviewsession",
            ),
        ),
    ]
