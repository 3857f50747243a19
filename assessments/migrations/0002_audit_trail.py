"""The audit trail: event tables and the triggers that fill them (pghistory)."""

import core.json
import core.models
import django.contrib.postgres.functions
import django.core.validators
import django.db.models.deletion
import django.utils.timezone
import pgtrigger.compiler
import pgtrigger.migrations
import uuid
from decimal import Decimal
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("assessments", "0001_initial"),
        ("interviews", "0001_initial"),
        ("pghistory", "0007_auto_20250421_0444"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        # Rolling back drops the triggers but pgtrigger leaves the functions
        # behind; this first operation, undone last, drops them too.
        migrations.RunSQL(
            sql=migrations.RunSQL.noop,
            reverse_sql="""
                DROP FUNCTION IF EXISTS pgtrigger_insert_insert_c0da4();
                DROP FUNCTION IF EXISTS pgtrigger_update_update_5818c();
                DROP FUNCTION IF EXISTS pgtrigger_delete_delete_45872();
            """,
        ),
        migrations.CreateModel(
            name="AssessmentResultEvent",
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
                    "overall_score",
                    models.DecimalField(
                        decimal_places=2,
                        max_digits=5,
                        validators=[
                            django.core.validators.MinValueValidator(Decimal("0")),
                            django.core.validators.MaxValueValidator(Decimal("100")),
                        ],
                    ),
                ),
                (
                    "skill_scores",
                    models.JSONField(
                        encoder=core.json.ExactJSONEncoder,
                        help_text='A JSON object, e.g. {"python": {"score": 82, "level": "advanced"}}.',
                    ),
                ),
                (
                    "skill_boundary_map",
                    models.JSONField(blank=True, encoder=core.json.ExactJSONEncoder, null=True),
                ),
                (
                    "strengths",
                    models.JSONField(blank=True, encoder=core.json.ExactJSONEncoder, null=True),
                ),
                (
                    "weaknesses",
                    models.JSONField(blank=True, encoder=core.json.ExactJSONEncoder, null=True),
                ),
                (
                    "integrity_flags",
                    models.JSONField(blank=True, encoder=core.json.ExactJSONEncoder, null=True),
                ),
                (
                    "ai_reasoning",
                    models.JSONField(blank=True, encoder=core.json.ExactJSONEncoder, null=True),
                ),
                (
                    "recommended_actions",
                    models.JSONField(blank=True, encoder=core.json.ExactJSONEncoder, null=True),
                ),
                (
                    "integrity_score",
                    models.DecimalField(
                        blank=True,
                        decimal_places=2,
                        max_digits=5,
                        null=True,
                        validators=[
                            django.core.validators.MinValueValidator(Decimal("0")),
                            django.core.validators.MaxValueValidator(Decimal("100")),
                        ],
                    ),
                ),
                (
                    "generated_at",
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
                    "review_status",
                    models.CharField(
                        choices=[
                            ("pending", "Pending"),
                            ("approved", "Approved"),
                            ("overridden", "Overridden"),
                        ],
                        db_default="pending",
                        default="pending",
                        max_length=20,
                    ),
                ),
                ("reviewed_at", models.DateTimeField(blank=True, null=True)),
                (
                    "final_score",
                    models.DecimalField(
                        blank=True,
                        decimal_places=2,
                        help_text="The reviewer's score when overridden.",
                        max_digits=5,
                        null=True,
                        validators=[
                            django.core.validators.MinValueValidator(Decimal("0")),
                            django.core.validators.MaxValueValidator(Decimal("100")),
                        ],
                    ),
                ),
                ("review_notes", models.TextField(blank=True, db_default="", default="")),
                ("ai_model", models.CharField(blank=True, max_length=50, null=True)),
                ("prompt_version", models.CharField(blank=True, max_length=50, null=True)),
            ],
            options={
                "db_table": "assessment_result_events",
                "abstract": False,
            },
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="assessmentresult",
            trigger=pgtrigger.compiler.Trigger(
                name="insert_insert",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func='INSERT INTO "assessment_result_events" ("ai_model", "ai_reasoning", "created_at", "deleted_at", "deleted_by_id", "deletion_reason", "final_score", "generated_at", "id", "integrity_flags", "integrity_score", "interview_id", "overall_score", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "prompt_version", "recommended_actions", "review_notes", "review_status", "reviewed_at", "reviewed_by_id", "schema_version", "skill_boundary_map", "skill_scores", "strengths", "updated_at", "weaknesses") VALUES (NEW."ai_model", NEW."ai_reasoning", NEW."created_at", NEW."deleted_at", NEW."deleted_by_id", NEW."deletion_reason", NEW."final_score", NEW."generated_at", NEW."id", NEW."integrity_flags", NEW."integrity_score", NEW."interview_id", NEW."overall_score", _pgh_attach_context(), NOW(), \'insert\', NEW."id", NEW."prompt_version", NEW."recommended_actions", NEW."review_notes", NEW."review_status", NEW."reviewed_at", NEW."reviewed_by_id", NEW."schema_version", NEW."skill_boundary_map", NEW."skill_scores", NEW."strengths", NEW."updated_at", NEW."weaknesses"); RETURN NULL;',
                    hash="c3d333efdb883b69d46434f859abcdd33fdcfe0b",
                    operation="INSERT",
                    pgid="pgtrigger_insert_insert_c0da4",
                    table="assessment_results",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="assessmentresult",
            trigger=pgtrigger.compiler.Trigger(
                name="update_update",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    condition="WHEN (OLD.* IS DISTINCT FROM NEW.*)",
                    func='INSERT INTO "assessment_result_events" ("ai_model", "ai_reasoning", "created_at", "deleted_at", "deleted_by_id", "deletion_reason", "final_score", "generated_at", "id", "integrity_flags", "integrity_score", "interview_id", "overall_score", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "prompt_version", "recommended_actions", "review_notes", "review_status", "reviewed_at", "reviewed_by_id", "schema_version", "skill_boundary_map", "skill_scores", "strengths", "updated_at", "weaknesses") VALUES (NEW."ai_model", NEW."ai_reasoning", NEW."created_at", NEW."deleted_at", NEW."deleted_by_id", NEW."deletion_reason", NEW."final_score", NEW."generated_at", NEW."id", NEW."integrity_flags", NEW."integrity_score", NEW."interview_id", NEW."overall_score", _pgh_attach_context(), NOW(), \'update\', NEW."id", NEW."prompt_version", NEW."recommended_actions", NEW."review_notes", NEW."review_status", NEW."reviewed_at", NEW."reviewed_by_id", NEW."schema_version", NEW."skill_boundary_map", NEW."skill_scores", NEW."strengths", NEW."updated_at", NEW."weaknesses"); RETURN NULL;',
                    hash="9748e64f715c6c4197dae631d13014fab131f7a8",
                    operation="UPDATE",
                    pgid="pgtrigger_update_update_5818c",
                    table="assessment_results",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="assessmentresult",
            trigger=pgtrigger.compiler.Trigger(
                name="delete_delete",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func='INSERT INTO "assessment_result_events" ("ai_model", "ai_reasoning", "created_at", "deleted_at", "deleted_by_id", "deletion_reason", "final_score", "generated_at", "id", "integrity_flags", "integrity_score", "interview_id", "overall_score", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "prompt_version", "recommended_actions", "review_notes", "review_status", "reviewed_at", "reviewed_by_id", "schema_version", "skill_boundary_map", "skill_scores", "strengths", "updated_at", "weaknesses") VALUES (OLD."ai_model", OLD."ai_reasoning", OLD."created_at", OLD."deleted_at", OLD."deleted_by_id", OLD."deletion_reason", OLD."final_score", OLD."generated_at", OLD."id", OLD."integrity_flags", OLD."integrity_score", OLD."interview_id", OLD."overall_score", _pgh_attach_context(), NOW(), \'delete\', OLD."id", OLD."prompt_version", OLD."recommended_actions", OLD."review_notes", OLD."review_status", OLD."reviewed_at", OLD."reviewed_by_id", OLD."schema_version", OLD."skill_boundary_map", OLD."skill_scores", OLD."strengths", OLD."updated_at", OLD."weaknesses"); RETURN NULL;',
                    hash="b6b84dc6a168fab7f445b93f1ac6f44ef355b21b",
                    operation="DELETE",
                    pgid="pgtrigger_delete_delete_45872",
                    table="assessment_results",
                    when="AFTER",
                ),
            ),
        ),
        migrations.AddField(
            model_name="assessmentresultevent",
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
            model_name="assessmentresultevent",
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
            model_name="assessmentresultevent",
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
            model_name="assessmentresultevent",
            name="pgh_obj",
            field=models.ForeignKey(
                db_constraint=False,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="audit_events",
                to="assessments.assessmentresult",
            ),
        ),
        migrations.AddField(
            model_name="assessmentresultevent",
            name="reviewed_by",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                related_query_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
    ]
