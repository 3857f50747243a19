"""Health probes for load balancers and orchestrators.

Unauthenticated and cheap; they say which check failed but never why in detail
(exception texts can carry host names and user names), which goes to the log.
"""

import logging
from functools import cache

from django.db import connection, transaction
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

logger = logging.getLogger(__name__)


@require_safe
@never_cache
def healthz(request):
    """The process is up and serving; the database is not consulted."""
    return JsonResponse({"status": "ok"})


@require_safe
@never_cache
def readyz(request):
    """The database answers, accepts a write, and has every migration applied."""
    checks = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = "ok"
    except Exception:
        logger.exception("readyz: the database is unreachable")
        checks["database"] = "unreachable"
        return _answer(checks)

    checks["write"] = _check_write()
    checks["migrations"] = _check_migrations()
    return _answer(checks)


def _check_write() -> str:
    try:
        # A savepoint, so that a refusal leaves an enclosing transaction usable.
        with transaction.atomic(), connection.cursor() as cursor:
            # An UPDATE that matches no row: PostgreSQL refuses it on a read-only
            # server, replica or transaction, or without the right to write, yet it
            # writes nothing, not even to the catalog (no table is created).
            cursor.execute("UPDATE django_migrations SET app = app WHERE false")
    except Exception:
        logger.exception("readyz: the database refused a write")
        return "failed"
    return "ok"


def _check_migrations() -> str:
    try:
        applied = MigrationRecorder(connection).applied_migrations()
    except Exception:
        logger.exception("readyz: could not read the applied migrations")
        return "failed"
    unapplied = _migrations_on_disk() - applied.keys()
    if unapplied:
        return f"{len(unapplied)} unapplied"
    return "ok"


@cache
def _migrations_on_disk() -> frozenset[tuple[str, str]]:
    # The files do not change while the process runs; read them once.
    return frozenset(MigrationLoader(None).graph.nodes)


def _answer(checks: dict[str, str]) -> JsonResponse:
    healthy = all(result == "ok" for result in checks.values())
    return JsonResponse(
        {"status": "ok" if healthy else "unavailable", "checks": checks},
        status=200 if healthy else 503,
    )
