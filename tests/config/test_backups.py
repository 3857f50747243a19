"""`manage.py backup` and `manage.py restore`: a round trip on a scratch database."""

import pytest

from tests.dbutils import admin_connect, database_url, project_env, run_project

pytestmark = pytest.mark.slow


def _manage(env, *args):
    result = run_project(["manage.py", *args], env, timeout=180)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def _snapshot(dbname):
    with admin_connect(dbname) as conn:
        return {
            "candidates": conn.execute(
                "SELECT email, full_name, status FROM candidates ORDER BY email"
            ).fetchall(),
            "messages": conn.execute(
                "SELECT interview_id, sequence_number, content_text FROM interview_messages"
                " ORDER BY interview_id, sequence_number"
            ).fetchall(),
            "assessments": conn.execute(
                "SELECT overall_score, skill_scores FROM assessment_results ORDER BY 1"
            ).fetchall(),
            "groups": conn.execute("SELECT name FROM auth_group ORDER BY name").fetchall(),
        }


def test_a_backup_restores_what_was_there(scratch_database, tmp_path):
    env = project_env(DATABASE_URL=database_url(scratch_database))
    _manage(env, "migrate", "--noinput")
    _manage(env, "seed_demo")
    before = _snapshot(scratch_database)
    assert before["messages"]
    assert before["assessments"]

    dump = tmp_path / "portal.dump"
    assert "Backed up" in _manage(env, "backup", "--output", str(dump))

    with admin_connect(scratch_database) as conn:
        conn.execute("DELETE FROM interview_messages")
        conn.execute("UPDATE candidates SET full_name = 'Overwritten'")
        conn.execute("DELETE FROM assessment_results")

    assert "Restored" in _manage(env, "restore", "--noinput", str(dump))

    assert _snapshot(scratch_database) == before
    # The audit triggers came back with the schema: a change is recorded again.
    with admin_connect(scratch_database) as conn:
        events_before = conn.execute("SELECT count(*) FROM candidate_events").fetchone()[0]
        conn.execute("UPDATE candidates SET phone = '+1 555 0100'")
        events_after = conn.execute("SELECT count(*) FROM candidate_events").fetchone()[0]
    assert events_after == events_before + len(before["candidates"])


def test_restore_refuses_a_missing_file(scratch_database, tmp_path):
    env = project_env(DATABASE_URL=database_url(scratch_database))
    result = run_project(["manage.py", "restore", "--noinput", str(tmp_path / "none.dump")], env)
    assert result.returncode != 0
    assert "No backup file" in result.stderr
