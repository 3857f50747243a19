"""Transcript messages numbered by the database, in the insert itself.

A message inserted without a sequence_number (the column's default is now NULL) gets
its interview's last number plus one from a BEFORE INSERT trigger, and the insert's
RETURNING hands it back: the append no longer reads the last number first. Both
changes touch only the catalog (no row is read or rewritten). Rolled back, the column
has no default again and the trigger is gone: inserts must then name the number, as
the append service before this migration did.
"""

import django.core.validators
import pgtrigger.compiler
import pgtrigger.migrations
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("interviews", "0007_audit_trail_per_statement"),
    ]

    operations = [
        # Rolling back drops the trigger but pgtrigger leaves its function behind; this
        # first operation, undone last, drops it too.
        migrations.RunSQL(
            sql=migrations.RunSQL.noop,
            reverse_sql="DROP FUNCTION IF EXISTS pgtrigger_interview_messages_number_615a2();",
        ),
        migrations.AlterField(
            model_name="interviewmessage",
            name="sequence_number",
            field=models.IntegerField(
                db_default=None, validators=[django.core.validators.MinValueValidator(1)]
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="interviewmessage",
            trigger=pgtrigger.compiler.Trigger(
                name="interview_messages_number",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    condition='WHEN (NEW."sequence_number" IS NULL)',
                    func='SELECT COALESCE(MAX("sequence_number"), 0) + 1 INTO NEW."sequence_number" FROM "interview_messages" WHERE "interview_id" = NEW."interview_id"; RETURN NEW;',
                    hash="ba01243aa32bc080f0a418672daf6c64178fa98d",
                    operation="INSERT",
                    pgid="pgtrigger_interview_messages_number_615a2",
                    table="interview_messages",
                    when="BEFORE",
                ),
            ),
        ),
    ]
