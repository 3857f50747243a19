"""The start-up refusals, through `manage.py check` in this process.

tests/config/test_settings.py shows the same refusals from the real environment, in
new processes (check, check --deploy, migrate).
"""

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.db import connection

from tests.dbutils import default_database_on
from tests.ops.servers import Cluster, scratch_folder, server_user

EMBEDDED = "ops.embedded_postgres"
SERVER = "django.db.backends.postgresql"


@pytest.fixture
def production(settings, monkeypatch):
    """DEBUG off, no consent to the embedded server, and the engine a test chooses."""
    settings.DEBUG = False
    settings.ALLOW_EMBEDDED_DATABASE = False

    def on(engine):
        # In place: the connection already made keeps its class; only the check reads it.
        monkeypatch.setitem(django_settings.DATABASES["default"], "ENGINE", engine)

    return on


def test_the_embedded_server_with_debug_off_is_refused(production):
    production(EMBEDDED)

    with pytest.raises(SystemCheckError) as refusal:
        call_command("check")

    message = str(refusal.value)
    assert "(ops.E001) DATABASE_URL is not set" in message
    assert f"embedded PostgreSQL in {django_settings.EMBEDDED_DATABASE_DIR}." in message
    assert "HINT: Set DATABASE_URL to your PostgreSQL server" in message
    assert (
        "set ALLOW_EMBEDDED_DATABASE=true if a single-box deployment wants the embedded server"
        " on purpose." in message
    )


@pytest.mark.parametrize(
    ("engine", "debug", "allowed"),
    [
        (EMBEDDED, False, True),  # A single-box deployment, on purpose.
        (EMBEDDED, True, False),  # Development.
        (SERVER, False, False),  # DATABASE_URL names a server.
    ],
)
def test_the_check_passes_otherwise(production, settings, engine, debug, allowed, capsys):
    production(engine)
    settings.DEBUG = debug
    settings.ALLOW_EMBEDDED_DATABASE = allowed

    call_command("check")

    assert "System check identified no issues" in capsys.readouterr().out


# --- A shared cache -------------------------------------------------------------------

PROCESS_LOCAL = [
    "django.core.cache.backends.locmem.LocMemCache",
    "django.core.cache.backends.dummy.DummyCache",
]


@pytest.mark.parametrize("backend", PROCESS_LOCAL)
def test_an_in_process_cache_with_debug_off_is_refused(settings, backend):
    settings.DEBUG = False
    settings.CACHES = {"default": {"BACKEND": backend}}

    with pytest.raises(SystemCheckError) as refusal:
        call_command("check")

    message = str(refusal.value)
    assert (
        f"(ops.E002) CACHE_URL is not set or names an in-process cache ({backend}), so each "
        "server process would count throttles and login failures on its own.\n"
        "\tHINT: Set CACHE_URL to a Redis server that every server process shares, "
        "e.g. redis://cache.example.com:6379/0.\n"
    ) in message


@pytest.mark.parametrize(
    ("backend", "debug"),
    [
        ("django.core.cache.backends.redis.RedisCache", False),
        ("django.core.cache.backends.locmem.LocMemCache", True),  # Development.
    ],
)
def test_a_shared_cache_or_development_passes(settings, backend, debug, capsys):
    settings.DEBUG = debug
    settings.CACHES = {"default": {"BACKEND": backend, "LOCATION": "redis://127.0.0.1:6379/0"}}

    call_command("check")

    assert "ops.E002" not in capsys.readouterr().err


# --- The pool against the server's connection limit ------------------------------------


@pytest.fixture
def connection_budget(db):
    """What the test server lets clients open, as the pool-fit check counts it."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT current_setting('max_connections')::int,"
            " current_setting('superuser_reserved_connections')::int,"
            " coalesce(current_setting('reserved_connections', true)::int, 0)"
        )
        max_connections, superuser, reserved = cursor.fetchone()
    return max_connections, superuser + reserved


@pytest.fixture
def serving(settings, monkeypatch):
    """Production on a server (not the embedded one), with the workers and pool asked for."""
    settings.DEBUG = False
    monkeypatch.setitem(django_settings.DATABASES["default"], "ENGINE", SERVER)

    def configure(workers, pool_size):
        monkeypatch.setenv("WEB_CONCURRENCY", str(workers))
        pool = {**django_settings.DATABASES["default"]["OPTIONS"]["pool"], "max_size": pool_size}
        monkeypatch.setitem(django_settings.DATABASES["default"]["OPTIONS"], "pool", pool)

    return configure


def pool_fit_warnings(capsys) -> str:
    call_command("check", "--database", "default")
    return capsys.readouterr().err


def test_a_pool_that_cannot_fit_is_warned_about_with_the_numbers(
    serving, connection_budget, capsys
):
    max_connections, reserved = connection_budget
    available = max_connections - reserved
    serving(workers=available + 1, pool_size=1)

    warnings = pool_fit_warnings(capsys)

    assert (
        f"(ops.W001) {available + 1} workers x DB_POOL_MAX_SIZE=1 = {available + 1} "
        f"connections, but the database server accepts {available} "
        f"(max_connections={max_connections} less {reserved} reserved).\n"
        "\tHINT: Lower WEB_CONCURRENCY or DB_POOL_MAX_SIZE, put PgBouncer in front of the "
        "server, or raise its max_connections; leave room for backups, migrations and "
        "other clients too.\n" in warnings
    )


def test_a_pool_that_just_fits_passes(serving, connection_budget, capsys):
    max_connections, reserved = connection_budget
    serving(workers=max_connections - reserved, pool_size=1)

    assert "ops.W001" not in pool_fit_warnings(capsys)


def test_the_pool_fit_is_multiplied_out(serving, connection_budget, capsys):
    """Workers times pool size, not either alone."""
    max_connections, reserved = connection_budget
    serving(workers=2, pool_size=(max_connections - reserved) // 2 + 1)

    assert "(ops.W001) 2 workers x DB_POOL_MAX_SIZE=" in pool_fit_warnings(capsys)


def test_the_pool_fit_is_not_checked_in_development_or_on_the_embedded_server(
    serving, settings, monkeypatch, capsys
):
    serving(workers=10_000, pool_size=10)
    settings.DEBUG = True
    assert "ops.W001" not in pool_fit_warnings(capsys)

    settings.DEBUG = False
    monkeypatch.setitem(django_settings.DATABASES["default"], "ENGINE", EMBEDDED)
    assert "ops.W001" not in pool_fit_warnings(capsys)


def test_the_pool_fit_needs_the_database_to_be_asked_for(serving, capsys):
    """Plain `check` (no --database) stays offline."""
    serving(workers=10_000, pool_size=10)

    call_command("check")

    assert "ops.W001" not in capsys.readouterr().err


@pytest.fixture(scope="module")
def server_with_reserved_connections():
    """A server that keeps connections back for superusers and for roles granted
    pg_use_reserved_connections (PostgreSQL 16 on): 60 less 3 less 2."""
    with scratch_folder("portal-reserved-", server_user()) as folder:
        cluster = Cluster.primary(folder / "data")
        cluster.start("superuser_reserved_connections=3", "reserved_connections=2")
        try:
            yield cluster
        finally:
            cluster.stop()


@pytest.mark.slow
def test_every_kind_of_reserved_connection_is_left_out(
    serving, server_with_reserved_connections, db, capsys
):
    serving(workers=56, pool_size=1)
    with default_database_on(server_with_reserved_connections.port, "postgres"):
        too_many = pool_fit_warnings(capsys)
        serving(workers=55, pool_size=1)
        just_enough = pool_fit_warnings(capsys)

    assert (
        "(ops.W001) 56 workers x DB_POOL_MAX_SIZE=1 = 56 connections, but the database "
        "server accepts 55 (max_connections=60 less 5 reserved)." in too_many
    )
    assert "ops.W001" not in just_enough
