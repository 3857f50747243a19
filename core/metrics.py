"""Prometheus metrics at /metrics, and the project's own figures among them.

django-prometheus counts requests by view and status and times them; this module adds
the database: statements that failed (by error class), slow statements, and the
connection pool's size, connections in use, requests waiting and timeouts. Labels are
view names, status codes and class names only, never paths, ids or values, so no
personal data reaches the metrics.

Under gunicorn each worker process has its own pool and its own figures. With
PROMETHEUS_MULTIPROC_DIR set (gunicorn.conf.py sets it) every process writes its
figures to files there, the gauges are summed over the live processes, and the view
adds up all of them, whichever worker answers the scrape.
"""

import threading
import weakref

from django.conf import settings
from django.http import Http404, HttpResponse, HttpResponseNotAllowed
from django.utils.crypto import constant_time_compare
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django_prometheus.exports import ExportToDjangoView
from prometheus_client import Counter, Gauge

database_errors = Counter(
    "portal_db_errors_total",
    "SQL statements that failed, by Django's error class and the driver's "
    "(e.g. OperationalError/QueryCanceled for a statement timeout).",
    ["type", "cause"],
)
slow_queries = Counter(
    "portal_db_slow_queries_total",
    "SQL statements that ran for SLOW_QUERY_MS or longer (each is logged).",
)
pool_max_connections = Gauge(
    "portal_db_pool_max_connections",
    "Connections the pools may open (DB_POOL_MAX_SIZE per process).",
    multiprocess_mode="livesum",
)
pool_connections = Gauge(
    "portal_db_pool_connections",
    "Connections the pools hold open, in use or idle.",
    multiprocess_mode="livesum",
)
pool_connections_in_use = Gauge(
    "portal_db_pool_connections_in_use",
    "Connections lent out to requests.",
    multiprocess_mode="livesum",
)
pool_requests_waiting = Gauge(
    "portal_db_pool_requests_waiting",
    "Requests waiting for a connection to come free.",
    multiprocess_mode="livesum",
)
pool_timeouts = Counter(
    "portal_db_pool_timeouts_total",
    "Requests for a connection that the pool could not serve within DB_POOL_TIMEOUT "
    "(each answered 503).",
)

# The pools this process has lent connections from, by database alias. Weak
# references: a pool closed and replaced (a settings change) is simply forgotten.
_pools: dict[str, weakref.ref] = {}
# psycopg_pool counts failed requests for a connection since the pool was made; the
# part of that count already added to `pool_timeouts`, per pool.
_failures_counted: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()
_failures_lock = threading.Lock()


def count_database_error(error: Exception) -> None:
    """Count a failed statement under its class and its driver's (psycopg) class."""
    cause = error.__cause__
    database_errors.labels(
        type=type(error).__name__, cause=type(cause).__name__ if cause else ""
    ).inc()


def watch_pool(connection) -> None:
    """Remember the pool ``connection`` came from, so its figures are reported."""
    pool = connection.pool
    if pool is not None:
        _pools[connection.alias] = weakref.ref(pool)
    refresh_pool_figures()


def refresh_pool_figures(**signal_kwargs) -> None:
    """Copy this process's pool figures into the gauges, and count new timeouts.

    Runs when a connection is lent out, when a request finishes (its connection is
    back by then) and before each scrape, so that under gunicorn every worker's
    figures are current as of its last request.
    """
    figures = {"max": 0, "open": 0, "in_use": 0, "waiting": 0}
    for ref in list(_pools.values()):
        pool = ref()
        if pool is None or pool.closed:
            continue
        stats = pool.get_stats()
        figures["max"] += stats["pool_max"]
        figures["open"] += stats["pool_size"]
        figures["in_use"] += stats["pool_size"] - stats["pool_available"]
        figures["waiting"] += stats.get("requests_waiting", 0)
        # requests_errors: waits that ended without a connection. With no
        # max_waiting set (the default) that is a wait that timed out.
        failures = stats.get("requests_errors", 0)
        with _failures_lock:
            new = failures - _failures_counted.get(pool, 0)
            _failures_counted[pool] = failures
        if new > 0:
            pool_timeouts.inc(new)
    pool_max_connections.set(figures["max"])
    pool_connections.set(figures["open"])
    pool_connections_in_use.set(figures["in_use"])
    pool_requests_waiting.set(figures["waiting"])


def _bearer_token(request) -> str | None:
    scheme, _, credentials = request.headers.get("Authorization", "").partition(" ")
    return credentials.strip() if scheme.lower() == "bearer" else None


@csrf_exempt  # No cookies are involved: the caller proves itself with the token.
@never_cache
def metrics_view(request):
    """The metrics, for a caller that shows METRICS_TOKEN; without the setting, a 404.

    It needs no database connection, so it answers while the pool is exhausted.
    """
    expected = settings.METRICS_TOKEN
    if not expected:
        raise Http404  # As if the endpoint did not exist.
    token = _bearer_token(request)
    if token is None or not constant_time_compare(token, expected):
        return HttpResponse(
            "Authentication required.\n",
            status=401,
            content_type="text/plain",
            headers={"WWW-Authenticate": 'Bearer realm="metrics"'},
        )
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET", "HEAD"])
    refresh_pool_figures()
    return ExportToDjangoView(request)
