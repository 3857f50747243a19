"""Candidates' audit trail, written once per statement.

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
        ("candidates", "0005_export_permission"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        pgtrigger.migrations.RemoveTrigger(
            model_name="candidate",
            name="insert_insert",
        ),
        pgtrigger.migrations.RemoveTrigger(
            model_name="candidate",
            name="update_update",
        ),
        pgtrigger.migrations.RemoveTrigger(
            model_name="candidate",
            name="delete_delete",
        ),
        migrations.AlterField(
            model_name="candidateevent",
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
            model_name="candidateevent",
            name="user",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                db_index=False,
                help_text="The candidate's own login; its username is the candidate's email.",
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                related_query_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="candidate",
            trigger=pgtrigger.compiler.Trigger(
                name="insert_insert",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func='WITH _pgh_attached_context AS ( SELECT _pgh_attach_context() AS value ) INSERT INTO "candidate_events" ("created_at", "deleted_at", "deleted_by_id", "deletion_reason", "email", "experience_level", "full_name", "id", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "phone", "skills", "status", "target_role", "timezone", "updated_at", "user_id") SELECT new_values."created_at", new_values."deleted_at", new_values."deleted_by_id", new_values."deletion_reason", new_values."email", new_values."experience_level", new_values."full_name", new_values."id", _pgh_attached_context.value, NOW(), \'insert\', new_values."id", new_values."phone", new_values."skills", new_values."status", new_values."target_role", new_values."timezone", new_values."updated_at", new_values."user_id" FROM ( SELECT new_values.* FROM new_values  ) AS new_values, _pgh_attached_context; RETURN NULL;',
                    hash="7a7481cce3f39239c3a9d357197ba8a16b156dd6",
                    level="STATEMENT",
                    operation="INSERT",
                    pgid="pgtrigger_insert_insert_f5e2b",
                    referencing="REFERENCING NEW TABLE AS new_values ",
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
                    func='IF EXISTS (SELECT FROM new_values OFFSET 1) THEN EXECUTE $pgh$WITH _pgh_attached_context AS ( SELECT _pgh_attach_context() AS value ) INSERT INTO "candidate_events" ("created_at", "deleted_at", "deleted_by_id", "deletion_reason", "email", "experience_level", "full_name", "id", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "phone", "skills", "status", "target_role", "timezone", "updated_at", "user_id") SELECT new_values."created_at", new_values."deleted_at", new_values."deleted_by_id", new_values."deletion_reason", new_values."email", new_values."experience_level", new_values."full_name", new_values."id", _pgh_attached_context.value, NOW(), \'update\', new_values."id", new_values."phone", new_values."skills", new_values."status", new_values."target_role", new_values."timezone", new_values."updated_at", new_values."user_id" FROM ( SELECT new_values.* FROM new_values WHERE EXISTS (SELECT FROM old_values WHERE old_values."id" = new_values."id" AND (old_values.* IS DISTINCT FROM new_values.*)) ) AS new_values, _pgh_attached_context$pgh$; ELSE WITH _pgh_attached_context AS ( SELECT _pgh_attach_context() AS value ) INSERT INTO "candidate_events" ("created_at", "deleted_at", "deleted_by_id", "deletion_reason", "email", "experience_level", "full_name", "id", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "phone", "skills", "status", "target_role", "timezone", "updated_at", "user_id") SELECT new_values."created_at", new_values."deleted_at", new_values."deleted_by_id", new_values."deletion_reason", new_values."email", new_values."experience_level", new_values."full_name", new_values."id", _pgh_attached_context.value, NOW(), \'update\', new_values."id", new_values."phone", new_values."skills", new_values."status", new_values."target_role", new_values."timezone", new_values."updated_at", new_values."user_id" FROM ( SELECT new_values.* FROM new_values WHERE EXISTS (SELECT FROM old_values WHERE old_values."id" = new_values."id" AND (old_values.* IS DISTINCT FROM new_values.*)) ) AS new_values, _pgh_attached_context; END IF; RETURN NULL;',
                    hash="2bd96ef24ba1eee2b9654296d3a33f656954cff9",
                    level="STATEMENT",
                    operation="UPDATE",
                    pgid="pgtrigger_update_update_23607",
                    referencing="REFERENCING OLD TABLE AS old_values  NEW TABLE AS new_values ",
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
                    func='WITH _pgh_attached_context AS ( SELECT _pgh_attach_context() AS value ) INSERT INTO "candidate_events" ("created_at", "deleted_at", "deleted_by_id", "deletion_reason", "email", "experience_level", "full_name", "id", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "phone", "skills", "status", "target_role", "timezone", "updated_at", "user_id") SELECT old_values."created_at", old_values."deleted_at", old_values."deleted_by_id", old_values."deletion_reason", old_values."email", old_values."experience_level", old_values."full_name", old_values."id", _pgh_attached_context.value, NOW(), \'delete\', old_values."id", old_values."phone", old_values."skills", old_values."status", old_values."target_role", old_values."timezone", old_values."updated_at", old_values."user_id" FROM ( SELECT old_values.* FROM old_values  ) AS old_values, _pgh_attached_context; RETURN NULL;',
                    hash="5f92e43de24fa09dfc5777d92b89d06c5631f26e",
                    level="STATEMENT",
                    operation="DELETE",
                    pgid="pgtrigger_delete_delete_109a6",
                    referencing="REFERENCING OLD TABLE AS old_values ",
                    table="candidates",
                    when="AFTER",
                ),
            ),
        ),
    ]
