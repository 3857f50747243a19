"""Running PostgreSQL's client programs against the database Django uses."""

import os
import subprocess

import psycopg
from django.core.management.base import CommandError
from django.db import connection

from config.embedded_postgres import client_binary


def run_client(program: str, *args: str) -> None:
    """Run ``program`` (pg_dump, pg_restore) on Django's database; raise on failure."""
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
    command = [str(client_binary(program)), *args, "--dbname", conninfo]
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise CommandError(f"{program} failed:\n{result.stderr.strip()}")
