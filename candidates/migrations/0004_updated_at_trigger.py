"""updated_at kept by the database: a trigger on each table (core.models.UPDATED_AT_TRIGGER).

Bulk updates and plain SQL move updated_at too. Each table gets its own trigger and
function, so rolling this app back removes exactly its own.
"""

import pgtrigger.compiler
import pgtrigger.migrations
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("candidates", "0003_json_validation"),
    ]

    operations = [
        # Rolling back drops the triggers but pgtrigger leaves the functions
        # behind; this first operation, undone last, drops them too.
        migrations.RunSQL(
            sql=migrations.RunSQL.noop,
            reverse_sql="""
                DROP FUNCTION IF EXISTS pgtrigger_keep_updated_at_4d409();
                DROP FUNCTION IF EXISTS pgtrigger_keep_updated_at_b931e();
            """,
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="candidate",
            trigger=pgtrigger.compiler.Trigger(
                name="keep_updated_at",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    condition='WHEN (OLD."updated_at" IS NOT DISTINCT FROM NEW."updated_at" AND OLD.* IS DISTINCT FROM NEW.*)',
                    func='NEW."updated_at" := clock_timestamp(); RETURN NEW;',
                    hash="bd1268391004e4a1f05cc73aba014678b2cda96d",
                    operation="UPDATE",
                    pgid="pgtrigger_keep_updated_at_4d409",
                    table="candidates",
                    when="BEFORE",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="resume",
            trigger=pgtrigger.compiler.Trigger(
                name="keep_updated_at",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    condition='WHEN (OLD."updated_at" IS NOT DISTINCT FROM NEW."updated_at" AND OLD.* IS DISTINCT FROM NEW.*)',
                    func='NEW."updated_at" := clock_timestamp(); RETURN NEW;',
                    hash="1485f73595776f97fca9aac237c5544b8b98c526",
                    operation="UPDATE",
                    pgid="pgtrigger_keep_updated_at_b931e",
                    table="resumes",
                    when="BEFORE",
                ),
            ),
        ),
    ]
