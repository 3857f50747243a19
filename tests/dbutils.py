"""Helpers for tests that talk to PostgreSQL directly."""

import os
import subprocess
import sys
from urllib.parse import quote

import psycopg
import pytest
from django.conf import settings
from django.db import IntegrityError, connection, transaction

#: The tables of SPEC §3.
OUR_TABLES = [
    "candidates",
    "resumes",
    "interviews",
    "interview_sessions",
    "interview_messages",
    "agent_actions",
    "assessment_results",
]


def assert_refused_by_database(sql: str, params: list, constraint: str) -> None:
    """Run raw SQL and assert PostgreSQL refuses it, naming ``constraint``."""
    with pytest.raises(IntegrityError, match=constraint):
        _execute_checking_constraints_now(sql, params)


def _execute_checking_constraints_now(sql: str, params: list) -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        # Deferred foreign keys are checked at commit; check them now instead.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(sql, params)


def database_url(dbname: str) -> str:
    """A DATABASE_URL for ``dbname`` on the server the test suite is using."""
    params = connection.get_connection_params()
    user = quote(params.get("user") or "postgres", safe="")
    password = params.get("password") or ""
    credentials = f"{user}:{quote(password, safe='')}" if password else user
    host, port = str(params.get("host") or "localhost"), params.get("port") or 5432
    if host.startswith("/"):  # A Unix socket directory (the embedded server).
        return f"postgres://{credentials}@/{dbname}?host={quote(host)}&port={port}"
    return f"postgres://{credentials}@{host}:{port}/{dbname}"


def admin_connect(dbname: str = "postgres") -> psycopg.Connection:
    """An autocommit connection outside Django, for CREATE/DROP DATABASE."""
    params = connection.get_connection_params()
    params.pop("pool", None)
    params.pop("cursor_factory", None)
    params.pop("context", None)
    return psycopg.connect(**{**params, "dbname": dbname}, autocommit=True)


def project_env(**overrides: str) -> dict[str, str]:
    """The environment for running the project in a subprocess.

    The caller's DATABASE_URL and .env-style settings are dropped so each test says
    exactly which database and mode the subprocess uses.
    """
    env = {k: v for k, v in os.environ.items() if k not in PROJECT_VARIABLES}
    env["DJANGO_SETTINGS_MODULE"] = "config.settings_test"
    env.update(overrides)
    return env


def run_project(args: list[str], env: dict[str, str], timeout: int = 120):
    """Run ``python <args>`` in the project directory and return the finished process."""
    return subprocess.run(
        [sys.executable, *args],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


PROJECT_VARIABLES = {
    "DATABASE_URL",
    "DEBUG",
    "SECRET_KEY",
    "DJANGO_SETTINGS_MODULE",
    "EMBEDDED_DATABASE_DIR",
    "ALLOWED_HOSTS",
}
