"""Helpers for tests that talk to PostgreSQL directly."""

import contextlib
import functools
import os
import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

import pghistory.models
import psycopg
import pytest
from django.apps import AppConfig, apps
from django.conf import settings
from django.db import IntegrityError, connection, connections, models, transaction
from django.db.backends.postgresql.base import DatabaseWrapper
from psycopg.sql import SQL, Identifier


def project_apps() -> list[AppConfig]:
    """The project's own apps: those whose code lives in the project, not in a package."""
    base = Path(settings.BASE_DIR).resolve()
    return [
        app
        for app in apps.get_app_configs()
        if Path(app.path).resolve().is_relative_to(base)
        and "site-packages" not in Path(app.path).parts
    ]


def is_audit_event(model: type[models.Model]) -> bool:
    """Whether ``model`` is an audit trail table made by pghistory (``<model>_events``)."""
    return issubclass(model, pghistory.models.Event)


def project_models(*, events: bool = True) -> list[type[models.Model]]:
    """Every model of the project's apps (many-to-many tables included).

    ``events=False`` leaves out the audit trail's event models.
    """
    return [
        model
        for app in project_apps()
        for model in app.get_models(include_auto_created=True)
        if model._meta.managed and not model._meta.proxy and (events or not is_audit_event(model))
    ]


def project_tables(*, events: bool = True) -> list[str]:
    """The database tables of :func:`project_models`."""
    return [model._meta.db_table for model in project_models(events=events)]


#: The tables of SPEC §3 and any model added since (audit trail tables left out).
OUR_TABLES = project_tables(events=False)


def table_columns(conn: psycopg.Connection) -> dict[str, list[str]]:
    """The columns of every table of the public schema, in their order."""
    columns: dict[str, list[str]] = {}
    for table, column in conn.execute(
        "SELECT c.relname, a.attname FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid"
        " WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p')"
        " AND a.attnum > 0 AND NOT a.attisdropped ORDER BY c.relname, a.attnum"
    ).fetchall():
        columns.setdefault(table, []).append(column)
    return columns


def table_contents(
    conn: psycopg.Connection, columns: dict[str, list[str]] | None = None
) -> dict[str, tuple[int, str]]:
    """Row count and a digest of every row, for every table of the public schema.

    Rows are ordered by their own text, which needs no primary key and orders equal
    sets of rows alike; sequences are included with their position. With ``columns``
    (from :func:`table_columns`), a table's rows are read in those columns only: the
    rows of an older schema, compared after a migration has added columns.
    """
    tables = conn.execute(
        "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"
    ).fetchall()
    contents = {}
    for (table,) in tables:
        row = SQL("t")
        if columns is not None and table in columns:
            row = SQL("ROW({})").format(SQL(", ").join(Identifier("t", c) for c in columns[table]))
        contents[table] = conn.execute(
            SQL(
                "SELECT count(*), coalesce(md5(string_agg({row}::text, '|' ORDER BY {row}::text)),"
                " '') FROM {table} t"
            ).format(row=row, table=Identifier(table))
        ).fetchone()
    sequences = conn.execute(
        "SELECT sequencename FROM pg_sequences WHERE schemaname = 'public' ORDER BY sequencename"
    ).fetchall()
    for (sequence,) in sequences:
        contents[f"sequence {sequence}"] = conn.execute(
            SQL("SELECT last_value, is_called FROM {}").format(Identifier(sequence))
        ).fetchone()
    return contents


#: What the schema is made of, as the catalog describes it (public schema only).
_CATALOG = {
    "relations": """
        SELECT relname, relkind FROM pg_class
        WHERE relnamespace = 'public'::regnamespace ORDER BY relname
    """,
    "columns": """
        SELECT c.relname, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull,
               a.attidentity, pg_get_expr(d.adbin, d.adrelid)
        FROM pg_attribute a
        JOIN pg_class c ON c.oid = a.attrelid
        LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
        WHERE c.relnamespace = 'public'::regnamespace AND a.attnum > 0
          AND NOT a.attisdropped
        ORDER BY c.relname, a.attnum
    """,
    "constraints": """
        SELECT conrelid::regclass::text, conname, contype, pg_get_constraintdef(oid)
        FROM pg_constraint WHERE connamespace = 'public'::regnamespace
        ORDER BY 1, 2
    """,
    "indexes": """
        SELECT tablename, indexname, indexdef FROM pg_indexes
        WHERE schemaname = 'public' ORDER BY 1, 2
    """,
    "triggers": """
        SELECT c.relname, t.tgname, t.tgenabled, pg_get_triggerdef(t.oid)
        FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
        WHERE c.relnamespace = 'public'::regnamespace AND NOT t.tgisinternal
        ORDER BY 1, 2
    """,
    "functions": """
        SELECT proname, pg_get_function_identity_arguments(oid), md5(prosrc) FROM pg_proc
        WHERE pronamespace = 'public'::regnamespace ORDER BY 1, 2
    """,
    "types": """
        SELECT typname, typtype FROM pg_type
        WHERE typnamespace = 'public'::regnamespace ORDER BY typname
    """,
    "views": "SELECT viewname, definition FROM pg_views WHERE schemaname = 'public' ORDER BY 1",
    "extensions": "SELECT extname FROM pg_extension ORDER BY extname",
}


def schema(conn: psycopg.Connection) -> dict[str, list[tuple]]:
    """Every relation, column, constraint, index, trigger, function and type in public."""
    return {part: conn.execute(query).fetchall() for part, query in _CATALOG.items()}


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
    """An autocommit connection outside Django, for CREATE/DROP DATABASE: without the
    app's statement timeout, which budgets requests, not a DROP DATABASE that waits for
    a checkpoint on a busy machine."""
    params = connection.get_connection_params()
    params.pop("pool", None)
    params.pop("cursor_factory", None)
    params.pop("context", None)
    options = f"{params.get('options', '')} -c statement_timeout=0".strip()
    return psycopg.connect(**{**params, "dbname": dbname, "options": options}, autocommit=True)


@contextlib.contextmanager
def default_database_on(port: int, name: str, host: str = "127.0.0.1"):
    """Point Django's "default" connection, for the block, at database ``name`` of
    another server, as its superuser ``postgres`` (trusted), without a pool (one
    belongs to each alias); yield that connection."""
    where = {"HOST": host, "PORT": port, "NAME": name}
    login = {"USER": "postgres", "PASSWORD": "", "OPTIONS": {}}
    elsewhere = DatabaseWrapper({**connection.settings_dict, **where, **login}, "default")
    ours = connections["default"]
    connections["default"] = elsewhere
    try:
        yield elsewhere
    finally:
        connections["default"] = ours
        elsewhere.close()


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


def start_project(args: list[str], env: dict[str, str]) -> subprocess.Popen:
    """Start ``python <args>`` in the project directory, in a process group of its own.

    The group holds the command and every program it starts, so a test can kill them
    all at once (``os.killpg``), as a crash or an operator's ``kill`` would.
    """
    return subprocess.Popen(
        [sys.executable, *args],
        cwd=settings.BASE_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


def documented_variables() -> set[str]:
    """Every variable .env.example documents (set or commented out)."""
    example = (Path(settings.BASE_DIR) / ".env.example").read_text()
    return set(re.findall(r"^#? ?([A-Z][A-Z0-9_]*)=", example, flags=re.MULTILINE))


#: What a test's subprocess must not inherit from the developer's environment.
PROJECT_VARIABLES = documented_variables() | {"DJANGO_SETTINGS_MODULE"}


@functools.cache
def checkout() -> Path:
    """The git checkout's top (the project may run from a copy inside it: mutants/)."""
    top = subprocess.run(
        ["git", "-C", str(settings.BASE_DIR), "rev-parse", "--show-toplevel"],
        capture_output=True,
        text=True,
        check=False,
    )
    return Path(top.stdout.strip()) if top.returncode == 0 else Path(settings.BASE_DIR)
