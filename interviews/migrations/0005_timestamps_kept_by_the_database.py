"""Timestamps kept by the database.

* updated_at: a trigger on each table (core.models.UPDATED_AT_TRIGGER).
* A message's insert moves its session's last_activity_at (same statement).
* The session's version rises on writes of its state only (UPDATE OF every column
  but last_activity_at), so an append does not make the engine's If-Match fail.
"""

import pgtrigger.compiler
import pgtrigger.migrations
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("interviews", "0004_json_validation"),
    ]

    operations = [
        # Rolling back drops the triggers but pgtrigger leaves the functions
        # behind; this first operation, undone last, drops them too.
        migrations.RunSQL(
            sql=migrations.RunSQL.noop,
            reverse_sql="""
                DROP FUNCTION IF EXISTS pgtrigger_keep_updated_at_ef863();
                DROP FUNCTION IF EXISTS pgtrigger_keep_updated_at_2abaa();
                DROP FUNCTION IF EXISTS pgtrigger_interview_messages_session_activity_580b4();
                DROP FUNCTION IF EXISTS pgtrigger_keep_updated_at_b3691();
                DROP FUNCTION IF EXISTS pgtrigger_keep_updated_at_44d7d();
            """,
        ),
        pgtrigger.migrations.RemoveTrigger(
            model_name="interviewsession",
            name="interview_sessions_bump_version",
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="agentaction",
            trigger=pgtrigger.compiler.Trigger(
                name="keep_updated_at",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    condition='WHEN (OLD."updated_at" IS NOT DISTINCT FROM NEW."updated_at" AND OLD.* IS DISTINCT FROM NEW.*)',
                    func='NEW."updated_at" := clock_timestamp(); RETURN NEW;',
                    hash="5899c6a1d876f54bb7ea41d9babcebac5702a29c",
                    operation="UPDATE",
                    pgid="pgtrigger_keep_updated_at_ef863",
                    table="agent_actions",
                    when="BEFORE",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="interview",
            trigger=pgtrigger.compiler.Trigger(
                name="keep_updated_at",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    condition='WHEN (OLD."updated_at" IS NOT DISTINCT FROM NEW."updated_at" AND OLD.* IS DISTINCT FROM NEW.*)',
                    func='NEW."updated_at" := clock_timestamp(); RETURN NEW;',
                    hash="b8c86aabc7a4c4d7ddd1bbfbe684c4eeb866301c",
                    operation="UPDATE",
                    pgid="pgtrigger_keep_updated_at_2abaa",
                    table="interviews",
                    when="BEFORE",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="interviewmessage",
            trigger=pgtrigger.compiler.Trigger(
                name="interview_messages_session_activity",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func='UPDATE "interview_sessions" SET "last_activity_at" = NEW."created_at" WHERE "id" = NEW."session_id" AND "last_activity_at" < NEW."created_at"; RETURN NULL;',
                    hash="ea1d59e73fab9d34debbda3ce935ed4d811ae45a",
                    operation="INSERT",
                    pgid="pgtrigger_interview_messages_session_activity_580b4",
                    table="interview_messages",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="interviewmessage",
            trigger=pgtrigger.compiler.Trigger(
                name="keep_updated_at",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    condition='WHEN (OLD."updated_at" IS NOT DISTINCT FROM NEW."updated_at" AND OLD.* IS DISTINCT FROM NEW.*)',
                    func='NEW."updated_at" := clock_timestamp(); RETURN NEW;',
                    hash="559fd27d33382c6695a15f770dd5d13a5f1f858b",
                    operation="UPDATE",
                    pgid="pgtrigger_keep_updated_at_b3691",
                    table="interview_messages",
                    when="BEFORE",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="interviewsession",
            trigger=pgtrigger.compiler.Trigger(
                name="interview_sessions_bump_version",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func="NEW.version := OLD.version + 1; RETURN NEW;",
                    hash="3b28e9a979f24564bdd5891ef6f85108df0caf87",
                    operation='UPDATE OF "id", "created_at", "updated_at", "interview_id", "conversation_memory", "current_difficulty_level", "questions_asked_count", "skill_boundaries_identified", "progression_state", "schema_version", "version"',
                    pgid="pgtrigger_interview_sessions_bump_version_a50b2",
                    table="interview_sessions",
                    when="BEFORE",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="interviewsession",
            trigger=pgtrigger.compiler.Trigger(
                name="keep_updated_at",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    condition='WHEN (OLD."updated_at" IS NOT DISTINCT FROM NEW."updated_at" AND OLD.* IS DISTINCT FROM NEW.*)',
                    func='NEW."updated_at" := clock_timestamp(); RETURN NEW;',
                    hash="9299a8c59d6f6da4823bcefd9284837d1c749eb7",
                    operation="UPDATE",
                    pgid="pgtrigger_keep_updated_at_44d7d",
                    table="interview_sessions",
                    when="BEFORE",
                ),
            ),
        ),
    ]
