"""Assessments' audit trail, written once per statement.

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
        ("assessments", "0006_updated_at_trigger"),
        ("interviews", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        pgtrigger.migrations.RemoveTrigger(
            model_name="assessmentresult",
            name="insert_insert",
        ),
        pgtrigger.migrations.RemoveTrigger(
            model_name="assessmentresult",
            name="update_update",
        ),
        pgtrigger.migrations.RemoveTrigger(
            model_name="assessmentresult",
            name="delete_delete",
        ),
        migrations.AlterField(
            model_name="assessmentresultevent",
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
            model_name="assessmentresultevent",
            name="reviewed_by",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                related_query_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="assessmentresult",
            trigger=pgtrigger.compiler.Trigger(
                name="insert_insert",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func='WITH _pgh_attached_context AS ( SELECT _pgh_attach_context() AS value ) INSERT INTO "assessment_result_events" ("ai_model", "ai_reasoning", "created_at", "deleted_at", "deleted_by_id", "deletion_reason", "final_score", "generated_at", "id", "integrity_flags", "integrity_score", "interview_id", "overall_score", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "prompt_version", "recommended_actions", "review_notes", "review_status", "reviewed_at", "reviewed_by_id", "schema_version", "skill_boundary_map", "skill_scores", "strengths", "updated_at", "weaknesses") SELECT new_values."ai_model", new_values."ai_reasoning", new_values."created_at", new_values."deleted_at", new_values."deleted_by_id", new_values."deletion_reason", new_values."final_score", new_values."generated_at", new_values."id", new_values."integrity_flags", new_values."integrity_score", new_values."interview_id", new_values."overall_score", _pgh_attached_context.value, NOW(), \'insert\', new_values."id", new_values."prompt_version", new_values."recommended_actions", new_values."review_notes", new_values."review_status", new_values."reviewed_at", new_values."reviewed_by_id", new_values."schema_version", new_values."skill_boundary_map", new_values."skill_scores", new_values."strengths", new_values."updated_at", new_values."weaknesses" FROM ( SELECT new_values.* FROM new_values  ) AS new_values, _pgh_attached_context; RETURN NULL;',
                    hash="66ce46083a3f9c6e919330636c8390b4528825ec",
                    level="STATEMENT",
                    operation="INSERT",
                    pgid="pgtrigger_insert_insert_c0da4",
                    referencing="REFERENCING NEW TABLE AS new_values ",
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
                    func='IF EXISTS (SELECT FROM new_values OFFSET 1) THEN EXECUTE $pgh$WITH _pgh_attached_context AS ( SELECT _pgh_attach_context() AS value ) INSERT INTO "assessment_result_events" ("ai_model", "ai_reasoning", "created_at", "deleted_at", "deleted_by_id", "deletion_reason", "final_score", "generated_at", "id", "integrity_flags", "integrity_score", "interview_id", "overall_score", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "prompt_version", "recommended_actions", "review_notes", "review_status", "reviewed_at", "reviewed_by_id", "schema_version", "skill_boundary_map", "skill_scores", "strengths", "updated_at", "weaknesses") SELECT new_values."ai_model", new_values."ai_reasoning", new_values."created_at", new_values."deleted_at", new_values."deleted_by_id", new_values."deletion_reason", new_values."final_score", new_values."generated_at", new_values."id", new_values."integrity_flags", new_values."integrity_score", new_values."interview_id", new_values."overall_score", _pgh_attached_context.value, NOW(), \'update\', new_values."id", new_values."prompt_version", new_values."recommended_actions", new_values."review_notes", new_values."review_status", new_values."reviewed_at", new_values."reviewed_by_id", new_values."schema_version", new_values."skill_boundary_map", new_values."skill_scores", new_values."strengths", new_values."updated_at", new_values."weaknesses" FROM ( SELECT new_values.* FROM new_values WHERE EXISTS (SELECT FROM old_values WHERE old_values."id" = new_values."id" AND (old_values.* IS DISTINCT FROM new_values.*)) ) AS new_values, _pgh_attached_context$pgh$; ELSE WITH _pgh_attached_context AS ( SELECT _pgh_attach_context() AS value ) INSERT INTO "assessment_result_events" ("ai_model", "ai_reasoning", "created_at", "deleted_at", "deleted_by_id", "deletion_reason", "final_score", "generated_at", "id", "integrity_flags", "integrity_score", "interview_id", "overall_score", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "prompt_version", "recommended_actions", "review_notes", "review_status", "reviewed_at", "reviewed_by_id", "schema_version", "skill_boundary_map", "skill_scores", "strengths", "updated_at", "weaknesses") SELECT new_values."ai_model", new_values."ai_reasoning", new_values."created_at", new_values."deleted_at", new_values."deleted_by_id", new_values."deletion_reason", new_values."final_score", new_values."generated_at", new_values."id", new_values."integrity_flags", new_values."integrity_score", new_values."interview_id", new_values."overall_score", _pgh_attached_context.value, NOW(), \'update\', new_values."id", new_values."prompt_version", new_values."recommended_actions", new_values."review_notes", new_values."review_status", new_values."reviewed_at", new_values."reviewed_by_id", new_values."schema_version", new_values."skill_boundary_map", new_values."skill_scores", new_values."strengths", new_values."updated_at", new_values."weaknesses" FROM ( SELECT new_values.* FROM new_values WHERE EXISTS (SELECT FROM old_values WHERE old_values."id" = new_values."id" AND (old_values.* IS DISTINCT FROM new_values.*)) ) AS new_values, _pgh_attached_context; END IF; RETURN NULL;',
                    hash="1b8ab3742d1be135b02baafa4b29373e11a610fa",
                    level="STATEMENT",
                    operation="UPDATE",
                    pgid="pgtrigger_update_update_5818c",
                    referencing="REFERENCING OLD TABLE AS old_values  NEW TABLE AS new_values ",
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
                    func='WITH _pgh_attached_context AS ( SELECT _pgh_attach_context() AS value ) INSERT INTO "assessment_result_events" ("ai_model", "ai_reasoning", "created_at", "deleted_at", "deleted_by_id", "deletion_reason", "final_score", "generated_at", "id", "integrity_flags", "integrity_score", "interview_id", "overall_score", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "prompt_version", "recommended_actions", "review_notes", "review_status", "reviewed_at", "reviewed_by_id", "schema_version", "skill_boundary_map", "skill_scores", "strengths", "updated_at", "weaknesses") SELECT old_values."ai_model", old_values."ai_reasoning", old_values."created_at", old_values."deleted_at", old_values."deleted_by_id", old_values."deletion_reason", old_values."final_score", old_values."generated_at", old_values."id", old_values."integrity_flags", old_values."integrity_score", old_values."interview_id", old_values."overall_score", _pgh_attached_context.value, NOW(), \'delete\', old_values."id", old_values."prompt_version", old_values."recommended_actions", old_values."review_notes", old_values."review_status", old_values."reviewed_at", old_values."reviewed_by_id", old_values."schema_version", old_values."skill_boundary_map", old_values."skill_scores", old_values."strengths", old_values."updated_at", old_values."weaknesses" FROM ( SELECT old_values.* FROM old_values  ) AS old_values, _pgh_attached_context; RETURN NULL;',
                    hash="f89045ce1975937a572faa47d05da61cff36c54d",
                    level="STATEMENT",
                    operation="DELETE",
                    pgid="pgtrigger_delete_delete_45872",
                    referencing="REFERENCING OLD TABLE AS old_values ",
                    table="assessment_results",
                    when="AFTER",
                ),
            ),
        ),
    ]
