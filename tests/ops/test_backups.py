"""`manage.py backup` and `manage.py restore`: a round trip on a scratch database."""

import contextlib
import os
import signal
import subprocess
import time

import psycopg
import pytest

from ops.embedded_postgres import client_binary
from tests.dbutils import (
    admin_connect,
    database_url,
    project_env,
    project_tables,
    run_project,
    schema,
    start_project,
    table_contents,
)

pytestmark = pytest.mark.slow

#: Damage of every kind, to tables of the apps, of their audit trail and of Django.
DAMAGE = [
    "DELETE FROM interview_messages",
    "DELETE FROM assessment_results",
    "DELETE FROM candidate_events WHERE pgh_label = 'insert'",
    "DELETE FROM auth_group_permissions",
    "UPDATE candidates SET full_name = 'Overwritten'",
    "UPDATE interview_sessions SET conversation_memory = '{\"lost\": true}'",
    "UPDATE agent_actions SET cost_usd = cost_usd + 1",
    "UPDATE django_migrations SET applied = now()",
    "INSERT INTO candidates (email, full_name) VALUES ('intruder@example.com', 'Intruder')",
    "INSERT INTO auth_group (name) VALUES ('Intruders')",
    "DROP INDEX resumes_parsed_data_gin",
]


def _manage(env, *args):
    result = run_project(["manage.py", *args], env, timeout=180)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def _state(dbname) -> tuple[dict, dict]:
    """Every row of every table (with sequence positions), and the schema."""
    with admin_connect(dbname) as conn:
        catalog = schema(conn)
        contents = table_contents(conn)
    # A restored CHECK is parsed again from its text, and PostgreSQL may print the same
    # condition another way (an IN list's casts move), so checks are compared by name;
    # that they still hold is checked below, by the database refusing a bad row.
    catalog["constraints"] = [
        (table, name, kind, None if kind == "c" else definition)
        for table, name, kind, definition in catalog["constraints"]
    ]
    return contents, catalog


def test_a_backup_restores_what_was_there(scratch_database, tmp_path):
    """Restore brings back every row of every table and the schema, and nothing else."""
    env = project_env(DATABASE_URL=database_url(scratch_database))
    _manage(env, "migrate", "--noinput")
    _manage(env, "seed_demo")
    rows, catalog = _state(scratch_database)
    # Nothing to compare would prove nothing: the apps' tables and the audit trail
    # hold rows, and so do Django's own tables.
    assert [table for table in project_tables() if rows[table][0] == 0] == []
    assert rows["auth_group"][0] > 0

    dump = tmp_path / "portal.dump"
    said = _manage(env, "backup", "--output", str(dump))
    assert said == f"Backed up {scratch_database} to {dump} ({dump.stat().st_size:,} bytes).\n"

    with admin_connect(scratch_database) as conn:
        for statement in DAMAGE:
            conn.execute(statement)
    damaged_rows, damaged_catalog = _state(scratch_database)
    assert {table for table in rows if damaged_rows.get(table) != rows[table]} >= {
        "interview_messages",
        "assessment_results",
        "candidates",
        "candidate_events",
        "interview_sessions",
        "agent_actions",
        "auth_group",
        "auth_group_permissions",
        "django_migrations",
    }
    assert damaged_catalog != catalog

    said = _manage(env, "restore", "--noinput", str(dump))
    assert said == f"Restored {scratch_database} from {dump}.\n"

    restored_rows, restored_catalog = _state(scratch_database)
    assert restored_rows == rows
    assert restored_catalog == catalog
    # The audit triggers came back with the schema: a change is recorded again.
    with admin_connect(scratch_database) as conn:
        events_before = conn.execute("SELECT count(*) FROM candidate_events").fetchone()[0]
        updated = conn.execute("UPDATE candidates SET phone = '+1 555 0100'").rowcount
        events_after = conn.execute("SELECT count(*) FROM candidate_events").fetchone()[0]
    assert events_after == events_before + updated == events_before + rows["candidates"][0]
    with admin_connect(scratch_database) as conn, pytest.raises(psycopg.errors.CheckViolation):
        conn.execute("UPDATE candidates SET status = 'hired'")


#: Seconds a restore may take to reach the lock it is held on (Django starts, pg_restore
#: decodes the archive, psql connects), and to finish once let go.
PATIENCE = 120


def _blocked_restore(watcher, dbname: str, blocker: int, restore: subprocess.Popen) -> int:
    """The restore's psql session, once it waits inside its transaction for ``blocker``."""
    deadline = time.monotonic() + PATIENCE
    while time.monotonic() < deadline:
        row = watcher.execute(
            "SELECT pid FROM pg_stat_activity"
            " WHERE datname = %s AND application_name = 'psql' AND xact_start IS NOT NULL"
            "   AND %s = ANY (pg_blocking_pids(pid))",
            [dbname, blocker],
        ).fetchone()
        if row:
            return row[0]
        # Waiting on the process paces the loop and notices a restore that ended early.
        with contextlib.suppress(subprocess.TimeoutExpired):
            restore.wait(timeout=0.05)
            pytest.fail(f"The restore ended before it reached the lock: {restore.communicate()}")
    pytest.fail("The restore never reached the lock.")


def _restore_killed_mid_way(dbname: str, tmp_path, kill) -> tuple[tuple, tuple, int]:
    """Back up, change the data, then start a restore and ``kill(restore)`` inside it.

    Returns the state just before the restore and after it, and the length of the
    restore's SQL script.
    """
    env = project_env(DATABASE_URL=database_url(dbname))
    _manage(env, "migrate", "--noinput")
    _manage(env, "seed_demo")
    with admin_connect(dbname) as conn:
        # A working memory of a megabyte: far more than a pipe holds.
        conn.execute(
            "UPDATE interview_sessions SET conversation_memory ="
            " jsonb_build_object('notes', repeat('x', 1000000))"
            " WHERE id = (SELECT min(id::text)::uuid FROM interview_sessions)"
        )
    dump = tmp_path / "portal.dump"
    _manage(env, "backup", "--output", str(dump))
    script = subprocess.run(
        [str(client_binary("pg_restore")), "--file", "-", str(dump)],
        capture_output=True,
        check=True,
    ).stdout
    # Unlike the backup, so that any part of it restored would show.
    with admin_connect(dbname) as conn:
        conn.execute("DELETE FROM interview_messages")
        conn.execute("UPDATE candidates SET full_name = 'Changed since the backup'")
    before = _state(dbname)

    with admin_connect(dbname) as locker, admin_connect(dbname) as watcher:
        with locker.transaction(force_rollback=True):
            # The restore drops and recreates every table, so it waits for this lock
            # after it has already changed other tables.
            locker.execute("LOCK TABLE candidates IN ACCESS SHARE MODE")
            restore = start_project(["manage.py", "restore", "--noinput", str(dump)], env)
            try:
                session = _blocked_restore(watcher, dbname, locker.info.backend_pid, restore)
                changed = watcher.execute(
                    "SELECT count(*) FROM pg_locks WHERE pid = %s AND granted"
                    " AND locktype = 'relation' AND mode = 'AccessExclusiveLock'",
                    [session],
                ).fetchone()[0]
                assert changed > 0  # Mid-way: it holds tables it has altered.
            finally:
                kill(restore)
                restore.communicate()
        # Let go, the restore's session runs on until its client is gone or its script
        # ends; this lock is granted once its transaction is over, either way.
        locker.execute(f"SET lock_timeout = '{PATIENCE}s'")
        with locker.transaction(force_rollback=True):
            locker.execute("LOCK TABLE candidates IN ACCESS EXCLUSIVE MODE")
    return before, _state(dbname), len(script)


def test_a_restore_killed_mid_way_changes_nothing(scratch_database, tmp_path):
    """Restore is all or nothing: killed inside its transaction, it leaves no trace."""
    before, after, _length = _restore_killed_mid_way(
        scratch_database, tmp_path, lambda restore: os.killpg(restore.pid, signal.SIGKILL)
    )
    assert after == before


def test_a_restore_whose_command_dies_is_all_or_nothing(scratch_database, tmp_path):
    """psql outlives the command feeding it its script: it must not commit part of it."""
    before, after, length = _restore_killed_mid_way(
        scratch_database, tmp_path, lambda restore: restore.kill()
    )
    # psql waits on the lock, so the command feeding it blocks once the pipe (64 KiB)
    # is full: the script is far longer, so psql is left with a part of it.
    assert length > 1_000_000
    assert after == before


#: The most memory (resident set) the restore command may take, whatever the backup's size.
MEMORY_BOUND = 128 * 1024 * 1024

#: Runs manage.py with the arguments it is given, then prints the peak resident set of
#: its own process in KiB (pg_restore and psql, the programs it starts, are not counted;
#: ``ru_maxrss`` would also count this test's process, which the command starts from).
PEAK_MEMORY_OF_MANAGE_PY = """
import runpy, sys
sys.argv = ["manage.py", *sys.argv[1:]]
try:
    runpy.run_path("manage.py", run_name="__main__")
finally:
    with open("/proc/self/status") as status:
        print(next(line.split()[1] for line in status if line.startswith("VmHWM:")))
"""


def _archive_digest(conn) -> tuple[int, str]:
    return conn.execute(
        "SELECT count(*), md5(string_agg(md5(content_text), '' ORDER BY id))"
        " FROM transcript_archive"
    ).fetchone()


def test_a_restore_streams_in_flat_memory(scratch_database, tmp_path):
    """A backup whose SQL is twice the memory bound restores within it."""
    env = project_env(DATABASE_URL=database_url(scratch_database))
    with admin_connect(scratch_database) as conn:
        # 200,000 transcripts of 1.5 kB: 300 MB of SQL, and a backup of a few MB.
        conn.execute(
            "CREATE TABLE transcript_archive AS SELECT g AS id,"
            " repeat(md5(g::text), 48) AS content_text FROM generate_series(1, 200000) g"
        )
        script_data = conn.execute("SELECT sum(length(content_text)) FROM transcript_archive")
        assert script_data.fetchone()[0] > 2 * MEMORY_BOUND
        backed_up = _archive_digest(conn)
    dump = tmp_path / "large.dump"
    _manage(env, "backup", "--output", str(dump))
    with admin_connect(scratch_database) as conn:  # Rows for the restore to bring back.
        conn.execute("DELETE FROM transcript_archive WHERE id % 2 = 0")

    result = run_project(
        ["-c", PEAK_MEMORY_OF_MANAGE_PY, "restore", "--noinput", str(dump)], env, timeout=180
    )

    assert result.returncode == 0, result.stderr
    restored, peak_kib = result.stdout.splitlines()
    assert restored == f"Restored {scratch_database} from {dump}."
    assert int(peak_kib) * 1024 < MEMORY_BOUND
    with admin_connect(scratch_database) as conn:
        assert _archive_digest(conn) == backed_up


def test_restore_refuses_a_missing_file(scratch_database, tmp_path):
    env = project_env(DATABASE_URL=database_url(scratch_database))
    result = run_project(["manage.py", "restore", "--noinput", str(tmp_path / "none.dump")], env)
    assert result.returncode != 0
    assert "No backup file" in result.stderr
