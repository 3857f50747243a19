"""Running PostgreSQL's client programs against the database Django uses."""

import contextlib
import os
import subprocess
import tempfile
from collections.abc import Iterator
from typing import IO

import psycopg
from django.core.management.base import CommandError
from django.db import connection

from ops.embedded_postgres import client_binary


def _target():
    """The conninfo (without password) and environment for Django's database."""
    params = connection.get_connection_params()  # Starts the embedded server if needed.
    conninfo = psycopg.conninfo.make_conninfo(
        **{
            key: str(params[key])
            for key in ("host", "port", "user", "dbname", "sslmode")
            if params.get(key)
        }
    )
    env = dict(os.environ)
    if params.get("password"):
        env["PGPASSWORD"] = str(params["password"])  # Not on the command line.
    return conninfo, env


def run_client(program: str, *args: str) -> None:
    """Run ``program`` (pg_dump) on Django's database; raise on failure."""
    conninfo, env = _target()
    command = [str(client_binary(program)), *args, "--dbname", conninfo]
    result = subprocess.run(command, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise CommandError(f"{program} failed:\n{result.stderr.strip()}")


#: Settings that PostgreSQL 18's client tools write but servers before 17 do not know.
_NEWER_SETTINGS = (b"SET transaction_timeout",)
_NEWER_SETTINGS_SINCE = 170000

#: What the script's opening holds, before its first object: comments, psql's
#: meta-commands, blank lines, BEGIN and the settings the restore runs under.
_OPENING = (b"--", b"\\", b"\n", b"BEGIN;", b"SET ")

#: The most of the script held in memory at once; a longer line passes in pieces.
_PIECE = 64 * 1024


def restore_archive(path: str) -> None:
    """Replay a pg_dump archive into Django's database, in one transaction.

    pg_restore turns the archive into SQL, which flows on to psql in pieces of at most
    ``_PIECE`` bytes, so memory stays flat whatever the archive's size. The settings
    that only newer servers know are left out of the script's opening when the server
    is older, so a PostgreSQL 18 dump restores into 15 to 18 alike; a newer server
    keeps them, so the database's or role's own transaction_timeout cannot cut a long
    restore short.

    The script itself holds the transaction (pg_restore --single-transaction writes
    BEGIN first and COMMIT last) rather than psql --single-transaction, which commits
    whatever it has read when its input ends: had this process died while feeding
    psql, that would commit a partial restore. A script cut short has no COMMIT, so
    psql's session ends with the transaction open and PostgreSQL rolls it back.
    pg_restore writes COMMIT only once the whole archive has been read (in one
    transaction, it stops at its first error); when it fails all the same, psql is
    stopped before its input ends.
    """
    conninfo, env = _target()
    unknown = _NEWER_SETTINGS if connection.pg_version < _NEWER_SETTINGS_SINCE else ()
    # Error output goes to files, which never fill up and block the program writing it.
    with tempfile.TemporaryFile() as decode_errors, tempfile.TemporaryFile() as replay_errors:
        # pg_restore only turns the file into SQL: it needs no connection, hence no password.
        pg_restore = subprocess.Popen(
            [str(client_binary("pg_restore")), "--single-transaction", "--clean", "--if-exists",
             "--no-owner", "--no-privileges", "--file", "-", path],
            stdout=subprocess.PIPE, stderr=decode_errors,
        )  # fmt: skip
        psql = subprocess.Popen(
            [str(client_binary("psql")), "--no-psqlrc", "--quiet", "--set", "ON_ERROR_STOP=1",
             "--dbname", conninfo],
            stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=replay_errors, env=env,
        )  # fmt: skip
        try:
            failed = _replay(pg_restore, psql, unknown)
        finally:
            # What still runs here is stopped: the other program failed, or this one was
            # interrupted. psql stopped before the script's COMMIT leaves nothing changed.
            for program in (pg_restore, psql):
                program.kill()
                program.wait()
            pg_restore.stdout.close()
            with contextlib.suppress(BrokenPipeError):  # Unsent script psql no longer reads.
                psql.stdin.close()
        if failed is pg_restore:
            raise CommandError(f"pg_restore failed:\n{_said(decode_errors)}")
        if failed is psql:
            raise CommandError(f"Restore failed (nothing changed):\n{_said(replay_errors)}")


def _replay(
    pg_restore: subprocess.Popen, psql: subprocess.Popen, unknown: tuple[bytes, ...]
) -> subprocess.Popen | None:
    """Feed pg_restore's script, without the ``unknown`` settings, to psql; return the
    program that failed, if one did."""
    try:
        for piece in _script_pieces(pg_restore.stdout, unknown):
            psql.stdin.write(piece)
        if pg_restore.wait() != 0:
            return pg_restore
        psql.stdin.close()
    except BrokenPipeError:
        pass  # psql stopped reading its script: it failed, as its exit status says.
    return psql if psql.wait() != 0 else None


def _script_pieces(script: IO[bytes], unknown: tuple[bytes, ...]) -> Iterator[bytes]:
    """The script, line by line (a long line in pieces), without the ``unknown`` settings."""
    in_opening = at_line_start = True
    leaving_out = False
    while piece := script.readline(_PIECE):
        if at_line_start:
            # Only the opening: further down, a line of data may start with the same words.
            in_opening = in_opening and piece.startswith(_OPENING)
            leaving_out = in_opening and piece.startswith(unknown)
        at_line_start = piece.endswith(b"\n")
        if not leaving_out:
            yield piece


def _said(errors: IO[bytes]) -> str:
    """What a program wrote to its error output."""
    errors.seek(0)
    return errors.read().decode(errors="replace").strip()
