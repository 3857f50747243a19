"""`manage.py backup` and `restore` in this process, on the test database: what they say,
how they fail, and what they keep off the command line."""

import io
import re
import subprocess
import threading
import tracemalloc
import uuid

import psutil
import psycopg
import pytest
from django.contrib.sessions.models import Session
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone
from psycopg import sql

from candidates.models import Candidate
from ops.embedded_postgres import client_binary
from tests.dbutils import admin_connect, default_database_on, table_contents

pytestmark = pytest.mark.django_db(transaction=True)


def _backup(*args) -> str:
    out = io.StringIO()
    call_command("backup", *args, stdout=out)
    return out.getvalue()


def _restore(*args, answer: str | None = None, monkeypatch=None) -> str:
    if answer is not None:
        monkeypatch.setattr("sys.stdin", io.StringIO(answer + "\n"))
    out = io.StringIO()
    call_command("restore", *args, stdout=out)
    return out.getvalue()


def _contents() -> dict:
    with admin_connect(connection.settings_dict["NAME"]) as conn:
        return table_contents(conn)


@pytest.fixture
def dump(tmp_path, candidate):
    """A backup of the test database holding one candidate."""
    target = tmp_path / "portal.dump"
    said = _backup("--output", str(target))
    size = target.stat().st_size
    name = connection.settings_dict["NAME"]
    assert said == f"Backed up {name} to {target} ({size:,} bytes).\n"
    return target


@pytest.fixture
def long_transcript(message):
    """A transcript message of 2 MiB: more than a pipe, or a piece of a streamed script, holds."""
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE interview_messages SET content_text ="
            " (SELECT string_agg(md5(g::text), '') FROM generate_series(1, 65536) g)"
            " WHERE id = %s",
            [message.pk],
        )
    return message


@pytest.fixture
def large_dump(tmp_path, long_transcript):
    """A backup of the test database, most of it one long transcript message."""
    target = tmp_path / "large.dump"
    _backup("--output", str(target))
    return target


def test_restore_puts_back_what_the_backup_held(dump, candidate, capfd):
    before = _contents()
    Candidate.objects.filter(pk=candidate.pk).update(full_name="Overwritten")

    said = _restore("--noinput", str(dump))

    assert said == f"Restored {connection.settings_dict['NAME']} from {dump}.\n"
    # psql's replies to the script (SET, set_config's result) go nowhere.
    assert capfd.readouterr().out == ""
    assert _contents() == before


def test_restore_asks_first_and_a_no_changes_nothing(dump, candidate, monkeypatch, capsys):
    Candidate.objects.filter(pk=candidate.pk).update(full_name="Kept")
    before = _contents()

    with pytest.raises(CommandError) as refused:
        _restore(str(dump), answer="no", monkeypatch=monkeypatch)

    assert str(refused.value) == "Restore cancelled."
    name = connection.settings_dict["NAME"]
    assert capsys.readouterr().out == (
        f"This replaces the data in {name} with {dump}. Type 'yes' to go on: "
    )
    assert _contents() == before


def test_restore_reads_no_psqlrc(dump, candidate, tmp_path, monkeypatch):
    """An operator's ~/.psqlrc (psql reads it, or $PSQLRC, on start) has no say."""
    psqlrc = tmp_path / "psqlrc"
    psqlrc.write_text("CREATE TABLE psqlrc_was_read ();\n")
    monkeypatch.setenv("PSQLRC", str(psqlrc))

    _restore("--no-input", str(dump))  # The spelling Django's own commands use too.

    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass('psqlrc_was_read')")
        assert cursor.fetchone() == (None,)


def test_restore_goes_on_when_told_yes(dump, candidate, monkeypatch):
    Candidate.objects.filter(pk=candidate.pk).update(full_name="Overwritten")

    _restore(str(dump), answer=" YES ", monkeypatch=monkeypatch)

    assert Candidate.objects.get(pk=candidate.pk).full_name == "Ada Lovelace"


def test_a_backup_makes_the_folders_it_needs(tmp_path, db):
    target = tmp_path / "nightly" / "2026" / "portal.dump"
    _backup("--output", str(target))
    assert target.stat().st_size > 0


@pytest.fixture
def other_role(db):
    """A role of the server's that the restoring one is not."""
    name = f"portal_other_{uuid.uuid4().hex[:8]}"
    with admin_connect() as conn:
        conn.execute(f'CREATE ROLE "{name}"')
    yield name
    with admin_connect(connection.settings_dict["NAME"]) as conn:
        conn.execute(f'DROP OWNED BY "{name}"')
        conn.execute(f'DROP ROLE "{name}"')


def test_a_restore_leaves_out_owners_and_privileges(tmp_path, candidate, other_role):
    """A backup restores under whichever role restores it, granting nothing to others."""
    with connection.cursor() as cursor:
        cursor.execute(f'ALTER TABLE resumes OWNER TO "{other_role}"')
        cursor.execute(f'GRANT SELECT ON candidates TO "{other_role}"')
    dump = tmp_path / "portal.dump"
    _backup("--output", str(dump))

    _restore("--noinput", str(dump))

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tableowner = current_user FROM pg_tables WHERE tablename = 'resumes'"
        )
        assert cursor.fetchone() == (True,)
        cursor.execute("SELECT has_table_privilege(%s, 'candidates', 'SELECT')", [other_role])
        assert cursor.fetchone() == (False,)


def test_the_default_backup_goes_to_backups_named_by_database_and_time(settings, tmp_path, db):
    settings.BASE_DIR = tmp_path

    said = _backup()

    [made] = (tmp_path / "backups").iterdir()
    name = connection.settings_dict["NAME"]
    assert re.fullmatch(rf"{re.escape(name)}-\d{{8}}-\d{{6}}\.dump", made.name)
    assert said.startswith(f"Backed up {name} to {made} (")


def test_a_backup_that_cannot_be_written_says_why(tmp_path, db):
    with pytest.raises(CommandError) as failed:
        _backup("--output", str(tmp_path))  # A directory, not a file.
    assert str(failed.value).startswith("pg_dump failed:\npg_dump: error: could not open")


def test_restoring_what_is_not_a_backup_says_why_and_changes_nothing(tmp_path, candidate):
    not_a_dump = tmp_path / "notes.dump"
    not_a_dump.write_text("Shopping list: eggs, flour, milk, butter, sugar, lemons.\n" * 20)
    before = _contents()

    with pytest.raises(CommandError) as failed:
        _restore("--noinput", str(not_a_dump))

    assert str(failed.value).startswith(
        "pg_restore failed:\npg_restore: error: input file does not appear to be a valid"
    )
    assert _contents() == before


@pytest.mark.parametrize("backup", ["dump", "large_dump"])
def test_a_restore_the_database_refuses_changes_nothing(backup, candidate, request):
    """Refused early in a long script, psql stops reading while pg_restore still writes:
    the restore stops too, and says why."""
    dump = request.getfixturevalue(backup)
    # Something of the operator's own depends on a table the restore must replace.
    with connection.cursor() as cursor:
        cursor.execute("CREATE VIEW candidate_names AS SELECT full_name FROM candidates")
    # Emptying the tables after a test leaves views in place: later backups would hold it.
    request.addfinalizer(_drop_candidate_names)
    Candidate.objects.filter(pk=candidate.pk).update(full_name="Changed since")
    before = _contents()

    with pytest.raises(CommandError) as failed:
        _restore("--noinput", str(dump))

    message = str(failed.value)
    assert message.startswith("Restore failed (nothing changed):\n")
    assert "cannot drop table public.candidates because other objects depend on it" in message
    assert _contents() == before


def _drop_candidate_names():
    with connection.cursor() as cursor:
        cursor.execute("DROP VIEW candidate_names")


def test_a_truncated_backup_says_why_and_changes_nothing(large_dump, candidate):
    truncated = large_dump.with_name("truncated.dump")
    truncated.write_bytes(large_dump.read_bytes()[: large_dump.stat().st_size // 2])
    # Cut in the middle of its data, the archive still yields the start of a script,
    # which drops and recreates the tables, but not its end, with the COMMIT.
    partial = subprocess.run(
        [str(client_binary("pg_restore")), "--clean", "--if-exists", "--single-transaction",
         "--file", "-", str(truncated)],
        capture_output=True, check=False,
    )  # fmt: skip
    assert partial.returncode == 1
    assert b"\nDROP TABLE IF EXISTS public.candidates;\n" in partial.stdout
    assert b"\nCOPY public.interview_messages " in partial.stdout
    assert b"\nCOMMIT;\n" not in partial.stdout
    Candidate.objects.filter(pk=candidate.pk).update(full_name="Changed since")
    before = _contents()

    with pytest.raises(CommandError) as failed:
        _restore("--noinput", str(truncated))

    assert str(failed.value) == (
        "pg_restore failed:\npg_restore: error: could not read from input file: end of file"
    )
    assert _contents() == before


def test_a_long_value_is_restored_whole_in_little_memory(large_dump, long_transcript):
    """A line of the script longer than the pieces it flows in arrives whole, and is
    never held whole here."""
    before = _contents()
    with connection.cursor() as cursor:
        cursor.execute("UPDATE interview_messages SET content_text = 'Overwritten'")

    tracemalloc.start()
    try:
        _restore("--noinput", str(large_dump))
        _size, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert _contents() == before
    assert peak < 1024 * 1024  # The line is 2 MiB.


def test_data_that_reads_like_a_setting_is_restored(tmp_path, older_server_database):
    """Settings older servers do not know are left out of the script's opening only:
    a row of data starting with the same words is restored with the rest."""
    Session.objects.create(
        session_key="SET transaction_timeout = 0;", session_data="", expire_date=timezone.now()
    )
    dump = tmp_path / "portal.dump"
    _backup("--output", str(dump))
    before = _contents()

    with default_database_on(OLDER_SERVER["port"], older_server_database):
        _restore("--noinput", str(dump))

    with psycopg.connect(**OLDER_SERVER, dbname=older_server_database) as conn:
        assert table_contents(conn) == before


#: How long the database lets a transaction run in the test below, and how much longer
#: the restore is held up before it may go on.
TRANSACTION_TIMEOUT_MS = 100


def test_a_long_restore_outlasts_the_database_transaction_timeout(dump, candidate):
    """A server that knows transaction_timeout gets the script's own ``SET
    transaction_timeout = 0``: a timeout set on the database or role, which the restore's
    session inherits, would otherwise end a restore that runs longer."""
    if connection.pg_version < 170000:
        pytest.skip("transaction_timeout exists from PostgreSQL 17 on")
    before = _contents()
    Candidate.objects.filter(pk=candidate.pk).update(full_name="Changed since")
    name = connection.settings_dict["NAME"]
    database = sql.Identifier(name)
    finished, outcome = threading.Event(), {}

    def run():
        try:
            outcome["said"] = _restore("--noinput", str(dump))
        except CommandError as error:
            outcome["failed"] = str(error)
        finally:
            connection.close()
            finished.set()

    # Both connect before the timeout is set, so neither has it.
    with admin_connect(name) as admin, admin_connect(name) as holder:
        holder.autocommit = False
        holder.execute("LOCK TABLE candidates IN ACCESS SHARE MODE")  # The restore waits.
        admin.execute(
            sql.SQL("ALTER DATABASE {} SET transaction_timeout = {}").format(
                database, sql.Literal(f"{TRANSACTION_TIMEOUT_MS}ms")
            )
        )
        worker = threading.Thread(target=run)
        try:
            worker.start()
            # Held up until its transaction has run three timeouts long, or until it ended.
            held = sql.SQL(
                "SELECT clock_timestamp() - xact_start > {} * interval '1 ms'"
                " FROM pg_stat_activity WHERE datname = %s AND application_name = 'psql'"
                " AND wait_event_type = 'Lock'"
            ).format(sql.Literal(3 * TRANSACTION_TIMEOUT_MS))
            while not finished.is_set():
                waited = admin.execute(held, [name]).fetchone()
                if waited is not None and waited[0]:
                    break
        finally:
            admin.execute(sql.SQL("ALTER DATABASE {} RESET transaction_timeout").format(database))
            holder.rollback()
            worker.join(60)

    assert outcome == {"said": f"Restored {name} from {dump}.\n"}
    assert _contents() == before


def test_a_missing_backup_file_is_refused(tmp_path, db):
    with pytest.raises(CommandError) as refused:
        _restore("--noinput", str(tmp_path / "none.dump"))
    assert str(refused.value) == f"No backup file at {tmp_path / 'none.dump'}."


PASSWORD = "kept-off-the-command-line"


def _look_at_child(program: str, lock: str, command) -> tuple[list[str], dict, str]:
    """Run ``command`` in a thread while ``lock`` holds ``program`` up; return the
    program's command line and environment, and what the command said."""
    finished, outcome = threading.Event(), {}

    def run():
        try:
            outcome["said"] = command()
        finally:
            connection.close()
            finished.set()

    with admin_connect(connection.settings_dict["NAME"]) as holder:
        holder.autocommit = False
        holder.execute(lock)
        worker = threading.Thread(target=run)
        worker.start()
        child = _wait_for_child(program, until=finished)
        command_line, environment = child.cmdline(), child.environ()
        holder.rollback()
    worker.join(60)
    return command_line, environment, outcome["said"]


def test_the_database_password_never_shows_on_a_command_line(tmp_path, candidate, monkeypatch):
    """Every local user can read command lines (ps); the password goes in the environment."""
    monkeypatch.setitem(connection.settings_dict, "PASSWORD", PASSWORD)

    command_line, environment, said = _look_at_child(
        "pg_dump",
        "LOCK TABLE candidates IN ACCESS EXCLUSIVE MODE",
        lambda: _backup("--output", str(tmp_path / "p.dump")),
    )

    assert said.startswith(f"Backed up {connection.settings_dict['NAME']} to ")
    assert not any(PASSWORD in part for part in command_line)
    assert environment["PGPASSWORD"] == PASSWORD


def test_restore_keeps_the_password_off_its_command_line(dump, monkeypatch):
    monkeypatch.setitem(connection.settings_dict, "PASSWORD", PASSWORD)

    command_line, environment, said = _look_at_child(
        "psql",
        "LOCK TABLE candidates IN ACCESS SHARE MODE",
        lambda: _restore("--noinput", str(dump)),
    )

    assert said == f"Restored {connection.settings_dict['NAME']} from {dump}.\n"
    assert not any(PASSWORD in part for part in command_line)
    assert environment["PGPASSWORD"] == PASSWORD


def _wait_for_child(name: str, *, until: threading.Event) -> psutil.Process:
    """This process's child running ``name``; fails if the work ends without one."""
    me = psutil.Process()
    while not until.is_set():
        for child in me.children(recursive=True):
            try:
                if child.name() == name:
                    return child
            except psutil.NoSuchProcess:
                continue
    raise AssertionError(f"no {name} process ran")


#: Every machine here runs a PostgreSQL 15 server beside the embedded one (CI runs the
#: suite on each): the version before the client tools' newer settings.
OLDER_SERVER = {"host": "127.0.0.1", "port": 5432, "user": "postgres"}


@pytest.fixture
def older_server_database():
    """The name of a new database on the PostgreSQL 15 server."""
    try:
        admin = psycopg.connect(**OLDER_SERVER, dbname="postgres", autocommit=True)
    except psycopg.OperationalError as error:
        pytest.skip(f"no PostgreSQL server at 127.0.0.1:5432 to restore into ({error})")
    name = f"restore_{uuid.uuid4().hex[:12]}"
    with admin:
        if admin.info.server_version >= 170000:
            pytest.skip("the server at 127.0.0.1:5432 knows the newer settings: not older")
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        try:
            yield name
        finally:
            admin.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))


def test_a_backup_restores_into_an_older_server(dump, older_server_database):
    """The settings only newer servers know are left out of the script."""
    before = _contents()
    with default_database_on(OLDER_SERVER["port"], older_server_database):
        _restore("--noinput", str(dump))

    with psycopg.connect(**OLDER_SERVER, dbname=older_server_database) as conn:
        assert table_contents(conn) == before
