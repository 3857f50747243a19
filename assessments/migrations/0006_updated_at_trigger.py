"""updated_at kept by the database: a trigger on the table (core.models.UPDATED_AT_TRIGGER)."""

import pgtrigger.compiler
import pgtrigger.migrations
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("assessments", "0005_one_message_per_rule"),
    ]

    operations = [
        # Rolling back drops the triggers but pgtrigger leaves the functions
        # behind; this first operation, undone last, drops them too.
        migrations.RunSQL(
            sql=migrations.RunSQL.noop,
            reverse_sql="""
                DROP FUNCTION IF EXISTS pgtrigger_keep_updated_at_748e2();
            """,
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="assessmentresult",
            trigger=pgtrigger.compiler.Trigger(
                name="keep_updated_at",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    condition='WHEN (OLD."updated_at" IS NOT DISTINCT FROM NEW."updated_at" AND OLD.* IS DISTINCT FROM NEW.*)',
                    func='NEW."updated_at" := clock_timestamp(); RETURN NEW;',
                    hash="27a147aa6b536ed264dc2b1d65987a2f39f6c71a",
                    operation="UPDATE",
                    pgid="pgtrigger_keep_updated_at_748e2",
                    table="assessment_results",
                    when="BEFORE",
                ),
            ),
        ),
    ]
