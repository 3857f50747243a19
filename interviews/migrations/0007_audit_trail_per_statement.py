"""Interviews' and sessions' audit trail, written once per statement.

The history triggers (core.models.audited) now run once per statement and copy the
statement's rows from its transition tables in one INSERT, instead of one trigger call
per row. The triggers keep their names, so their functions are replaced in place; rolled
back, the row-level triggers are installed again. The history's copies of foreign keys
that no query searches the history by lose their indexes (written for every recorded row,
read by nothing).
"""

import django.db.models.deletion
import pgtrigger.compiler
import pgtrigger.migrations
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("candidates", "0001_initial"),
        ("interviews", "0006_interview_messages_schema_version"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        pgtrigger.migrations.RemoveTrigger(
            model_name="interview",
            name="insert_insert",
        ),
        pgtrigger.migrations.RemoveTrigger(
            model_name="interview",
            name="update_update",
        ),
        pgtrigger.migrations.RemoveTrigger(
            model_name="interview",
            name="delete_delete",
        ),
        pgtrigger.migrations.RemoveTrigger(
            model_name="interviewsession",
            name="insert_insert",
        ),
        pgtrigger.migrations.RemoveTrigger(
            model_name="interviewsession",
            name="update_update",
        ),
        pgtrigger.migrations.RemoveTrigger(
            model_name="interviewsession",
            name="delete_delete",
        ),
        migrations.AlterField(
            model_name="interviewevent",
            name="deleted_by",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                db_index=False,
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                related_query_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AlterField(
            model_name="interviewevent",
            name="resume",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                related_query_name="+",
                to="candidates.resume",
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="interview",
            trigger=pgtrigger.compiler.Trigger(
                name="insert_insert",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func='WITH _pgh_attached_context AS ( SELECT _pgh_attach_context() AS value ) INSERT INTO "interview_events" ("ai_model_used", "candidate_id", "completed_at", "cost_usd", "created_at", "deleted_at", "deleted_by_id", "deletion_reason", "duration_seconds", "id", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "resume_id", "role_type", "scheduled_for", "started_at", "status", "total_tokens_used", "updated_at") SELECT new_values."ai_model_used", new_values."candidate_id", new_values."completed_at", new_values."cost_usd", new_values."created_at", new_values."deleted_at", new_values."deleted_by_id", new_values."deletion_reason", new_values."duration_seconds", new_values."id", _pgh_attached_context.value, NOW(), \'insert\', new_values."id", new_values."resume_id", new_values."role_type", new_values."scheduled_for", new_values."started_at", new_values."status", new_values."total_tokens_used", new_values."updated_at" FROM ( SELECT new_values.* FROM new_values  ) AS new_values, _pgh_attached_context; RETURN NULL;',
                    hash="f86979a921691feeed19183e601df5914fbc9041",
                    level="STATEMENT",
                    operation="INSERT",
                    pgid="pgtrigger_insert_insert_990ca",
                    referencing="REFERENCING NEW TABLE AS new_values ",
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
                    func='IF EXISTS (SELECT FROM new_values OFFSET 1) THEN EXECUTE $pgh$WITH _pgh_attached_context AS ( SELECT _pgh_attach_context() AS value ) INSERT INTO "interview_events" ("ai_model_used", "candidate_id", "completed_at", "cost_usd", "created_at", "deleted_at", "deleted_by_id", "deletion_reason", "duration_seconds", "id", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "resume_id", "role_type", "scheduled_for", "started_at", "status", "total_tokens_used", "updated_at") SELECT new_values."ai_model_used", new_values."candidate_id", new_values."completed_at", new_values."cost_usd", new_values."created_at", new_values."deleted_at", new_values."deleted_by_id", new_values."deletion_reason", new_values."duration_seconds", new_values."id", _pgh_attached_context.value, NOW(), \'update\', new_values."id", new_values."resume_id", new_values."role_type", new_values."scheduled_for", new_values."started_at", new_values."status", new_values."total_tokens_used", new_values."updated_at" FROM ( SELECT new_values.* FROM new_values WHERE EXISTS (SELECT FROM old_values WHERE old_values."id" = new_values."id" AND (old_values.* IS DISTINCT FROM new_values.*)) ) AS new_values, _pgh_attached_context$pgh$; ELSE WITH _pgh_attached_context AS ( SELECT _pgh_attach_context() AS value ) INSERT INTO "interview_events" ("ai_model_used", "candidate_id", "completed_at", "cost_usd", "created_at", "deleted_at", "deleted_by_id", "deletion_reason", "duration_seconds", "id", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "resume_id", "role_type", "scheduled_for", "started_at", "status", "total_tokens_used", "updated_at") SELECT new_values."ai_model_used", new_values."candidate_id", new_values."completed_at", new_values."cost_usd", new_values."created_at", new_values."deleted_at", new_values."deleted_by_id", new_values."deletion_reason", new_values."duration_seconds", new_values."id", _pgh_attached_context.value, NOW(), \'update\', new_values."id", new_values."resume_id", new_values."role_type", new_values."scheduled_for", new_values."started_at", new_values."status", new_values."total_tokens_used", new_values."updated_at" FROM ( SELECT new_values.* FROM new_values WHERE EXISTS (SELECT FROM old_values WHERE old_values."id" = new_values."id" AND (old_values.* IS DISTINCT FROM new_values.*)) ) AS new_values, _pgh_attached_context; END IF; RETURN NULL;',
                    hash="0203aaf1d8f27bf7cbecb02a5e9029e0b09ea83c",
                    level="STATEMENT",
                    operation="UPDATE",
                    pgid="pgtrigger_update_update_c7675",
                    referencing="REFERENCING OLD TABLE AS old_values  NEW TABLE AS new_values ",
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
                    func='WITH _pgh_attached_context AS ( SELECT _pgh_attach_context() AS value ) INSERT INTO "interview_events" ("ai_model_used", "candidate_id", "completed_at", "cost_usd", "created_at", "deleted_at", "deleted_by_id", "deletion_reason", "duration_seconds", "id", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "resume_id", "role_type", "scheduled_for", "started_at", "status", "total_tokens_used", "updated_at") SELECT old_values."ai_model_used", old_values."candidate_id", old_values."completed_at", old_values."cost_usd", old_values."created_at", old_values."deleted_at", old_values."deleted_by_id", old_values."deletion_reason", old_values."duration_seconds", old_values."id", _pgh_attached_context.value, NOW(), \'delete\', old_values."id", old_values."resume_id", old_values."role_type", old_values."scheduled_for", old_values."started_at", old_values."status", old_values."total_tokens_used", old_values."updated_at" FROM ( SELECT old_values.* FROM old_values  ) AS old_values, _pgh_attached_context; RETURN NULL;',
                    hash="3d8526362e7939662afafd77dbfada701585efc6",
                    level="STATEMENT",
                    operation="DELETE",
                    pgid="pgtrigger_delete_delete_9f4e2",
                    referencing="REFERENCING OLD TABLE AS old_values ",
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
                    func='WITH _pgh_attached_context AS ( SELECT _pgh_attach_context() AS value ) INSERT INTO "interview_session_events" ("current_difficulty_level", "interview_id", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "questions_asked_count") SELECT new_values."current_difficulty_level", new_values."interview_id", _pgh_attached_context.value, NOW(), \'insert\', new_values."id", new_values."questions_asked_count" FROM ( SELECT new_values.* FROM new_values  ) AS new_values, _pgh_attached_context; RETURN NULL;',
                    hash="ab630b638fdf3494d255c22e06d814e6b058347e",
                    level="STATEMENT",
                    operation="INSERT",
                    pgid="pgtrigger_insert_insert_e443a",
                    referencing="REFERENCING NEW TABLE AS new_values ",
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
                    func='IF EXISTS (SELECT FROM new_values OFFSET 1) THEN EXECUTE $pgh$WITH _pgh_attached_context AS ( SELECT _pgh_attach_context() AS value ) INSERT INTO "interview_session_events" ("current_difficulty_level", "interview_id", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "questions_asked_count") SELECT new_values."current_difficulty_level", new_values."interview_id", _pgh_attached_context.value, NOW(), \'update\', new_values."id", new_values."questions_asked_count" FROM ( SELECT new_values.* FROM new_values WHERE EXISTS (SELECT FROM old_values WHERE old_values."id" = new_values."id" AND (old_values."current_difficulty_level" IS DISTINCT FROM (new_values."current_difficulty_level") OR old_values."interview_id" IS DISTINCT FROM (new_values."interview_id") OR old_values."questions_asked_count" IS DISTINCT FROM (new_values."questions_asked_count"))) ) AS new_values, _pgh_attached_context$pgh$; ELSE WITH _pgh_attached_context AS ( SELECT _pgh_attach_context() AS value ) INSERT INTO "interview_session_events" ("current_difficulty_level", "interview_id", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "questions_asked_count") SELECT new_values."current_difficulty_level", new_values."interview_id", _pgh_attached_context.value, NOW(), \'update\', new_values."id", new_values."questions_asked_count" FROM ( SELECT new_values.* FROM new_values WHERE EXISTS (SELECT FROM old_values WHERE old_values."id" = new_values."id" AND (old_values."current_difficulty_level" IS DISTINCT FROM (new_values."current_difficulty_level") OR old_values."interview_id" IS DISTINCT FROM (new_values."interview_id") OR old_values."questions_asked_count" IS DISTINCT FROM (new_values."questions_asked_count"))) ) AS new_values, _pgh_attached_context; END IF; RETURN NULL;',
                    hash="a14a9b284909e0bee067fab767c43a53ee3204ed",
                    level="STATEMENT",
                    operation="UPDATE",
                    pgid="pgtrigger_update_update_307ca",
                    referencing="REFERENCING OLD TABLE AS old_values  NEW TABLE AS new_values ",
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
                    func='WITH _pgh_attached_context AS ( SELECT _pgh_attach_context() AS value ) INSERT INTO "interview_session_events" ("current_difficulty_level", "interview_id", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "questions_asked_count") SELECT old_values."current_difficulty_level", old_values."interview_id", _pgh_attached_context.value, NOW(), \'delete\', old_values."id", old_values."questions_asked_count" FROM ( SELECT old_values.* FROM old_values  ) AS old_values, _pgh_attached_context; RETURN NULL;',
                    hash="b0dd0e3b088143b3bea4e439e12da34b0e6bcb27",
                    level="STATEMENT",
                    operation="DELETE",
                    pgid="pgtrigger_delete_delete_f6cd5",
                    referencing="REFERENCING OLD TABLE AS old_values ",
                    table="interview_sessions",
                    when="AFTER",
                ),
            ),
        ),
    ]
