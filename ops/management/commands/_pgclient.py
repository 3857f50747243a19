"""Running PostgreSQL's client programs against the database Django uses."""

import os
import subprocess

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


#: Settings that PostgreSQL 18's client tools write but older servers do not know.
_NEWER_SETTINGS = ("SET transaction_timeout",)


def restore_archive(path: str) -> None:
    """Replay a pg_dump archive into Django's database, in one transaction.

    pg_restore turns the archive into SQL; lines setting parameters that only newer
    servers know are dropped, so a PostgreSQL 18 dump restores into 15 to 18 alike.

    The script itself holds the transaction (pg_restore --single-transaction writes
    BEGIN first and COMMIT last) rather than psql --single-transaction, which commits
    whatever it has read when its input ends: had this process died while feeding
    psql, that would commit a partial restore. A script cut short has no COMMIT, so
    psql's session ends with the transaction open and PostgreSQL rolls it back.
    """
    # pg_restore only turns the file into SQL: it needs no connection, hence no password.
    script = subprocess.run(
        [str(client_binary("pg_restore")), "--single-transaction", "--clean", "--if-exists",
         "--no-owner", "--no-privileges", "--file", "-", path],
        capture_output=True, text=True,
    )  # fmt: skip
    if script.returncode != 0:
        raise CommandError(f"pg_restore failed:\n{script.stderr.strip()}")
    sql = "\n".join(
        line for line in script.stdout.splitlines() if not line.startswith(_NEWER_SETTINGS)
    )
    conninfo, env = _target()
    result = subprocess.run(
        [str(client_binary("psql")), "--no-psqlrc", "--quiet", "--set", "ON_ERROR_STOP=1",
         "--dbname", conninfo],
        input=sql, env=env, capture_output=True, text=True,
    )  # fmt: skip
    if result.returncode != 0:
        raise CommandError(f"Restore failed (nothing changed):\n{result.stderr.strip()}")
