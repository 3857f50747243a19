"""Start-up refusals of configurations that are unsafe in production (system checks).

Django runs them before `check`, `migrate` and `runserver`, and gunicorn.conf.py
before gunicorn serves; each names the variable and the fix.
"""

from django.conf import settings
from django.core import checks
from django.db import DatabaseError, connections

from ops import serving

EMBEDDED_ENGINE = "ops.embedded_postgres"
# Caches that live inside one process (or nowhere): each gunicorn worker would keep
# its own throttle counts and lockouts, multiplying every limit by the worker count.
PROCESS_LOCAL_CACHES = {
    "django.core.cache.backends.locmem.LocMemCache",
    "django.core.cache.backends.dummy.DummyCache",
}


@checks.register()
def embedded_database_needs_consent(app_configs=None, **kwargs):
    """DEBUG off on the embedded server only when ALLOW_EMBEDDED_DATABASE says so."""
    if settings.DEBUG or settings.ALLOW_EMBEDDED_DATABASE:
        return []
    if settings.DATABASES["default"]["ENGINE"] != EMBEDDED_ENGINE:
        return []
    return [
        checks.Error(
            "DATABASE_URL is not set, so the app would keep its data in the embedded "
            f"PostgreSQL in {settings.EMBEDDED_DATABASE_DIR}.",
            hint=(
                "Set DATABASE_URL to your PostgreSQL server "
                "(e.g. postgres://portal@db.example.com:5432/portal), or set "
                "ALLOW_EMBEDDED_DATABASE=true if a single-box deployment wants the "
                "embedded server on purpose."
            ),
            id="ops.E001",
        )
    ]


@checks.register()
def shared_cache_in_production(app_configs=None, **kwargs):
    """DEBUG off needs a cache every server process shares."""
    backend = settings.CACHES["default"]["BACKEND"]
    if settings.DEBUG or backend not in PROCESS_LOCAL_CACHES:
        return []
    return [
        checks.Error(
            f"CACHE_URL is not set or names an in-process cache ({backend}), so each "
            "server process would count throttles and login failures on its own.",
            hint=(
                "Set CACHE_URL to a Redis server that every server process shares, "
                "e.g. redis://cache.example.com:6379/0."
            ),
            id="ops.E002",
        )
    ]


@checks.register(checks.Tags.database)
def pool_fits_the_server(app_configs=None, databases=None, **kwargs):
    """Every worker's full pool together must fit the server's connection limit.

    A database check: it runs when a command asks for the database (`migrate`,
    `check --database default`, gunicorn's start), not on every `manage.py` call.
    """
    if settings.DEBUG or not databases or "default" not in databases:
        return []
    if settings.DATABASES["default"]["ENGINE"] == EMBEDDED_ENGINE:
        return []  # Its own server, sized for this one box; not started just to ask.
    if settings.DATABASE_PGBOUNCER:
        return []  # PgBouncer holds the workers' connections; the server sees its pool.
    try:
        with connections["default"].cursor() as cursor:
            cursor.execute(
                "SELECT current_setting('max_connections')::int,"
                " current_setting('superuser_reserved_connections')::int,"
                # reserved_connections exists from PostgreSQL 16 on.
                " coalesce(current_setting('reserved_connections', true)::int, 0)"
            )
            max_connections, superuser_reserved, reserved = cursor.fetchone()
    except DatabaseError:
        # An unreachable server is the command's own error to report, and the
        # readiness probe's; the fit is checked when the server answers.
        return []
    available = max_connections - superuser_reserved - reserved
    workers = serving.workers()
    pool_size = settings.DATABASES["default"]["OPTIONS"]["pool"]["max_size"]
    if workers * pool_size <= available:
        return []
    return [
        checks.Warning(
            f"{workers} workers x DB_POOL_MAX_SIZE={pool_size} = {workers * pool_size} "
            f"connections, but the database server accepts {available} "
            f"(max_connections={max_connections} less {superuser_reserved + reserved} "
            "reserved).",
            hint=(
                "Lower WEB_CONCURRENCY or DB_POOL_MAX_SIZE, put PgBouncer in front of "
                "the server, or raise its max_connections; leave room for backups, "
                "migrations and other clients too."
            ),
            id="ops.W001",
        )
    ]
