"""The audit trail: event tables and the triggers that fill them (pghistory)."""

import candidates.models
import candidates.validators
import core.models
import django.contrib.postgres.fields
import django.contrib.postgres.functions
import django.db.models.deletion
import pgtrigger.compiler
import pgtrigger.migrations
import uuid
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("candidates", "0001_initial"),
        ("pghistory", "0007_auto_20250421_0444"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        # Rolling back drops the triggers but pgtrigger leaves the functions
        # behind; this first operation, undone last, drops them too.
        migrations.RunSQL(
            sql=migrations.RunSQL.noop,
            reverse_sql="""
                DROP FUNCTION IF EXISTS pgtrigger_insert_insert_f5e2b();
                DROP FUNCTION IF EXISTS pgtrigger_update_update_23607();
                DROP FUNCTION IF EXISTS pgtrigger_delete_delete_109a6();
            """,
        ),
        migrations.CreateModel(
            name="CandidateEvent",
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
                ("email", candidates.models.LowercaseEmailField(max_length=254)),
                ("full_name", models.CharField(max_length=255)),
                ("phone", models.CharField(blank=True, db_default="", default="", max_length=50)),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("active", "Active"),
                            ("inactive", "Inactive"),
                            ("deleted", "Deleted"),
                        ],
                        db_default="active",
                        default="active",
                        max_length=20,
                    ),
                ),
                (
                    "target_role",
                    models.CharField(blank=True, db_default="", default="", max_length=255),
                ),
                (
                    "experience_level",
                    models.CharField(
                        blank=True,
                        choices=[
                            ("entry", "Entry"),
                            ("junior", "Junior"),
                            ("mid", "Mid"),
                            ("senior", "Senior"),
                            ("lead", "Lead"),
                            ("principal", "Principal"),
                        ],
                        db_default="",
                        default="",
                        max_length=20,
                    ),
                ),
                (
                    "timezone",
                    models.CharField(
                        db_default="UTC",
                        default="UTC",
                        max_length=64,
                        validators=[candidates.validators.validate_timezone_name],
                    ),
                ),
                (
                    "skills",
                    django.contrib.postgres.fields.ArrayField(
                        base_field=models.CharField(max_length=100),
                        blank=True,
                        db_default=[],
                        default=list,
                        size=None,
                    ),
                ),
            ],
            options={
                "db_table": "candidate_events",
                "abstract": False,
            },
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="candidate",
            trigger=pgtrigger.compiler.Trigger(
                name="insert_insert",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func='INSERT INTO "candidate_events" ("created_at", "deleted_at", "deleted_by_id", "deletion_reason", "email", "experience_level", "full_name", "id", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "phone", "skills", "status", "target_role", "timezone", "updated_at", "user_id") VALUES (NEW."created_at", NEW."deleted_at", NEW."deleted_by_id", NEW."deletion_reason", NEW."email", NEW."experience_level", NEW."full_name", NEW."id", _pgh_attach_context(), NOW(), \'insert\', NEW."id", NEW."phone", NEW."skills", NEW."status", NEW."target_role", NEW."timezone", NEW."updated_at", NEW."user_id"); RETURN NULL;',
                    hash="be14ab79f18f8a72c3133dc8ce2463d1c13c0026",
                    operation="INSERT",
                    pgid="pgtrigger_insert_insert_f5e2b",
                    table="candidates",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="candidate",
            trigger=pgtrigger.compiler.Trigger(
                name="update_update",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    condition="WHEN (OLD.* IS DISTINCT FROM NEW.*)",
                    func='INSERT INTO "candidate_events" ("created_at", "deleted_at", "deleted_by_id", "deletion_reason", "email", "experience_level", "full_name", "id", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "phone", "skills", "status", "target_role", "timezone", "updated_at", "user_id") VALUES (NEW."created_at", NEW."deleted_at", NEW."deleted_by_id", NEW."deletion_reason", NEW."email", NEW."experience_level", NEW."full_name", NEW."id", _pgh_attach_context(), NOW(), \'update\', NEW."id", NEW."phone", NEW."skills", NEW."status", NEW."target_role", NEW."timezone", NEW."updated_at", NEW."user_id"); RETURN NULL;',
                    hash="20ce717d81cca8af54d679930c78f1414c06d00d",
                    operation="UPDATE",
                    pgid="pgtrigger_update_update_23607",
                    table="candidates",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="candidate",
            trigger=pgtrigger.compiler.Trigger(
                name="delete_delete",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func='INSERT INTO "candidate_events" ("created_at", "deleted_at", "deleted_by_id", "deletion_reason", "email", "experience_level", "full_name", "id", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "phone", "skills", "status", "target_role", "timezone", "updated_at", "user_id") VALUES (OLD."created_at", OLD."deleted_at", OLD."deleted_by_id", OLD."deletion_reason", OLD."email", OLD."experience_level", OLD."full_name", OLD."id", _pgh_attach_context(), NOW(), \'delete\', OLD."id", OLD."phone", OLD."skills", OLD."status", OLD."target_role", OLD."timezone", OLD."updated_at", OLD."user_id"); RETURN NULL;',
                    hash="d55ebb2b888eb62babfee272026d742f86fd986f",
                    operation="DELETE",
                    pgid="pgtrigger_delete_delete_109a6",
                    table="candidates",
                    when="AFTER",
                ),
            ),
        ),
        migrations.AddField(
            model_name="candidateevent",
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
            model_name="candidateevent",
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
            model_name="candidateevent",
            name="pgh_obj",
            field=models.ForeignKey(
                db_constraint=False,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="audit_events",
                to="candidates.candidate",
            ),
        ),
        migrations.AddField(
            model_name="candidateevent",
            name="user",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                help_text="The candidate's own login; its username is the candidate's email.",
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                related_query_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
    ]
