"""Migrations apply, roll back app by app, and apply again, leaving nothing behind."""

import pytest

from tests.dbutils import OUR_TABLES, admin_connect, database_url, project_env, run_project

APPS_IN_ROLLBACK_ORDER = ["assessments", "interviews", "candidates"]
AUDIT_TABLES = [
    "candidate_events",
    "interview_events",
    "interview_session_events",
    "assessment_result_events",
]


def _migrate(env, *args):
    result = run_project(["manage.py", "migrate", "--noinput", *args], env)
    assert result.returncode == 0, result.stderr


def _ours_in_catalog(dbname: str) -> dict[str, list]:
    """Tables, indexes, constraints, sequences, types and functions of our apps."""
    patterns = [f"{table}%" for table in OUR_TABLES + AUDIT_TABLES] + [
        "assessments_%",
        "int_sessions_%",
        "int_messages_%",
    ]
    with admin_connect(dbname) as conn:
        relations = conn.execute(
            "SELECT relname, relkind FROM pg_class"
            " WHERE relnamespace = 'public'::regnamespace AND relname LIKE ANY (%s)"
            " ORDER BY relname",
            [patterns],
        ).fetchall()
        constraints = conn.execute(
            "SELECT conname FROM pg_constraint WHERE conname LIKE ANY (%s) ORDER BY conname",
            [patterns],
        ).fetchall()
        types = conn.execute(
            "SELECT typname FROM pg_type"
            " WHERE typnamespace = 'public'::regnamespace AND typname LIKE ANY (%s)"
            " ORDER BY typname",
            [patterns],
        ).fetchall()
        # The audit trail's trigger functions (pgtrigger names them pgtrigger_*).
        functions = conn.execute(
            "SELECT proname FROM pg_proc"
            " WHERE pronamespace = 'public'::regnamespace AND proname LIKE 'pgtrigger_%%'"
            " ORDER BY proname"
        ).fetchall()
        recorded = conn.execute(
            "SELECT app, name FROM django_migrations WHERE app = ANY (%s) ORDER BY app, name",
            [APPS_IN_ROLLBACK_ORDER],
        ).fetchall()
    return {
        "relations": relations,
        "constraints": constraints,
        "types": types,
        "functions": functions,
        "recorded migrations": recorded,
    }


@pytest.mark.slow
def test_migrate_zero_for_each_app_and_back(scratch_database):
    env = project_env(DATABASE_URL=database_url(scratch_database))

    _migrate(env)
    applied = _ours_in_catalog(scratch_database)
    assert {name for name, _kind in applied["relations"]} >= set(OUR_TABLES + AUDIT_TABLES)
    # insert, update and delete on four audited tables, and the session version bump.
    assert len(applied["functions"]) == 13

    for app in APPS_IN_ROLLBACK_ORDER:
        _migrate(env, app, "zero")
    assert _ours_in_catalog(scratch_database) == {
        "relations": [],
        "constraints": [],
        "types": [],
        "functions": [],
        "recorded migrations": [],
    }

    _migrate(env)
    assert _ours_in_catalog(scratch_database) == applied
