"""Reads of safe requests from a read replica; writes, and a client's reads just after
its own write, from the primary (README, Read replicas).

django-multidb-router's ``PinningReplicaRouter`` routes: writes and migrations to the
primary, reads to a replica unless the thread is pinned to the primary. This module adds
what it leaves to the project:

* replicas are read only while a thread serves a safe request (GET, HEAD, OPTIONS), so
  management commands, cron jobs and writes never act on what a replica says;
* a replica is read only while it is a streaming standby at most
  REPLICA_MAX_LAG_SECONDS behind, as a monitor thread finds every second, never on a
  request's time;
* a client's pin follows its credentials (API token, or admin session) in the shared
  cache rather than a cookie: every worker of a client that shares one token, cookie
  jar or not, reads what that client has just written;
* a safe request that met a replica going down is served once more from the primary.
"""

import hashlib
import logging
import math
import os
import random
import threading
import time
import weakref

import psycopg
from django.conf import settings
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, connections
from multidb import PinningReplicaRouter
from multidb.pinning import pin_this_thread, this_thread_is_pinned, unpin_this_thread

logger = logging.getLogger(__name__)

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
#: Who the caller is and what they may do is read where it is written: a logout, a
#: revoked token, a removed permission or a lockout counts at once, and a token just
#: issued works at once.
PRIMARY_ONLY_APPS = frozenset({"auth", "knox", "sessions", "axes"})
#: Seconds between two checks of every replica.
CHECK_INTERVAL = 1.0
#: A check older than this is not trusted: the replica is skipped until the next one.
CHECK_TRUSTED_FOR = 3.0
#: Seconds the monitor waits to connect to a replica; one that does not answer is down.
CHECK_CONNECT_TIMEOUT = 2

# The replica's lag in seconds; NULL when the server is not a standby (a promoted
# replica has left replication and may no longer follow the primary the app writes to).
# A standby that has replayed all it received, while its WAL receiver is connected, is
# as fresh as the primary: an idle primary writes nothing, so the age of the last
# replayed transaction is then no lag at all. Otherwise the lag is that age. Without
# pg_read_all_stats the receiver's status reads NULL; its presence still counts.
LAG_SQL = """
    SELECT CASE
        WHEN NOT pg_is_in_recovery() THEN NULL
        WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn()
            AND EXISTS (
                SELECT FROM pg_stat_wal_receiver
                WHERE coalesce(status, 'streaming') = 'streaming'
            )
            THEN 0
        ELSE coalesce(
            extract(epoch FROM clock_timestamp() - pg_last_xact_replay_timestamp()),
            'Infinity'
        )
    END::float8
"""

# What this thread is serving: whether its reads may go to a replica, and which one
# the request has read from so far (one per request, so its reads agree).
_request = threading.local()


def pin_seconds() -> float:
    """How long a client's reads go to the primary after it wrote: longer than the lag
    of any replica still in use (the lag allowed, plus the age of the check allowing it)."""
    return settings.REPLICA_MAX_LAG_SECONDS + CHECK_TRUSTED_FOR


class ReplicaMonitor:
    """Checks every replica each CHECK_INTERVAL seconds, in a thread of its own."""

    def __init__(self, replicas: dict[str, dict], *, max_lag: float):
        #: Connection parameters of each replica, by database alias.
        self.replicas = replicas
        self.max_lag = max_lag
        self._lock = threading.Lock()
        self._checks: dict[str, tuple[float | None, float]] = {}  # alias: (lag, when)
        self._in_use: dict[str, bool] = {}
        # One check at a time, whichever thread asks: a connection is never closed, or
        # queried, by one thread while another is in the middle of a query on it.
        self._checking = threading.Lock()
        self._connections: dict[str, psycopg.Connection] = {}
        self._thread: threading.Thread | None = None
        self._stopped = threading.Event()
        _monitors.add(self)

    def usable(self) -> list[str]:
        """The replicas that answered the last check, recently, lagging little enough."""
        self.start()
        now = time.monotonic()
        with self._lock:
            return [
                alias
                for alias, (lag, when) in self._checks.items()
                if lag is not None and lag <= self.max_lag and now - when <= CHECK_TRUSTED_FOR
            ]

    def lag(self, alias: str) -> float | None:
        """Seconds ``alias`` was behind at its last check; None if down or no standby."""
        with self._lock:
            return self._checks.get(alias, (None, 0.0))[0]

    def mark_down(self, alias: str) -> None:
        """Skip ``alias`` until a check finds it well again."""
        self._record(alias, None, "down")

    def check(self) -> None:
        """Measure every replica's lag now."""
        with self._checking:
            if self._stopped.is_set():
                return
            for alias in self.replicas:
                lag, state = self._measure(alias)
                self._record(alias, lag, state)

    def stop(self) -> None:
        """Stop checking, and close the connections once the check under way is over."""
        self._stopped.set()
        with self._checking:
            for alias in self.replicas:
                self._disconnect(alias)

    def start(self) -> None:
        """Start checking, once per process (a forked child has no thread of its own)."""
        with self._lock:
            if self._thread is not None:
                return
            self._thread = threading.Thread(target=self._run, name="replica-monitor", daemon=True)
            self._thread.start()

    def _run(self) -> None:
        while not self._stopped.is_set():
            self.check()
            self._stopped.wait(CHECK_INTERVAL)

    def _measure(self, alias: str) -> tuple[float | None, str]:
        try:
            connection = self._connections.get(alias)
            if connection is None or connection.closed:
                connection = psycopg.connect(
                    **{**self.replicas[alias], "connect_timeout": CHECK_CONNECT_TIMEOUT},
                    autocommit=True,
                )
                self._connections[alias] = connection
            lag = connection.execute(LAG_SQL).fetchone()[0]
        except psycopg.Error:
            self._disconnect(alias)
            return None, "down"
        if lag is None:
            return None, "not a standby"
        return lag, f"{lag:.1f} s behind"

    def _disconnect(self, alias: str) -> None:
        connection = self._connections.pop(alias, None)
        if connection is not None:
            connection.close()

    def _record(self, alias: str, lag: float | None, state: str) -> None:
        with self._lock:
            self._checks[alias] = (lag, time.monotonic())
            in_use = lag is not None and lag <= self.max_lag
            changed = self._in_use.get(alias) != in_use
            self._in_use[alias] = in_use
        if changed and in_use:
            logger.info("Replica %s is read from (%s).", alias, state)
        elif changed:
            logger.warning(
                "Replica %s is skipped (%s; %s s allowed): reads go to the primary.",
                alias,
                state,
                self.max_lag,
            )

    def _forked(self) -> None:
        """Start afresh in a forked child (gunicorn's preload forks every worker from a
        master that checks): the parent's thread is not there, a lock it held at the fork
        would be held for ever, and its connections' sockets are the parent's. Those are
        forgotten, never closed here: psycopg leaves a session to the process that opened
        it when the object is collected, so the parent's sessions carry on."""
        self._lock = threading.Lock()
        self._checking = threading.Lock()
        stopped, self._stopped = self._stopped.is_set(), threading.Event()
        if stopped:
            self._stopped.set()
        self._connections = {}
        self._thread = None


#: Every monitor of this process, for the fork hook below.
_monitors: weakref.WeakSet[ReplicaMonitor] = weakref.WeakSet()


def _after_fork_in_child() -> None:
    for each in list(_monitors):
        each._forked()


os.register_at_fork(after_in_child=_after_fork_in_child)

_monitor: ReplicaMonitor | None = None
_monitor_lock = threading.Lock()


def monitor() -> ReplicaMonitor:
    """This process's monitor of the replicas in settings.REPLICA_DATABASES."""
    global _monitor
    with _monitor_lock:
        if _monitor is None:
            _monitor = ReplicaMonitor(
                {alias: connection_params(alias) for alias in settings.REPLICA_DATABASES},
                max_lag=settings.REPLICA_MAX_LAG_SECONDS,
            )
        return _monitor


def connection_params(alias: str) -> dict:
    """psycopg's connection parameters for ``alias``, outside Django and its pool."""
    params = connections[alias].get_connection_params()
    for django_only in ("cursor_factory", "context"):
        params.pop(django_only, None)
    return params


class ReplicaRouter(PinningReplicaRouter):
    """multidb's pinning router, reading only replicas the monitor finds fit."""

    def db_for_read(self, model, **hints):
        if (
            not getattr(_request, "replica_reads", False)
            or this_thread_is_pinned()
            or model._meta.app_label in PRIMARY_ONLY_APPS
        ):
            return DEFAULT_DB_ALIAS
        usable = monitor().usable()
        if not usable:
            return DEFAULT_DB_ALIAS
        chosen = getattr(_request, "replica", None)
        if chosen not in usable:
            chosen = _request.replica = random.choice(usable)
        return chosen


class ReplicaRoutingMiddleware:
    """Let a safe request read a replica, unless its caller wrote moments ago."""

    def __init__(self, get_response):
        self.get_response = get_response
        # As the process starts serving: the first requests then find replicas checked.
        monitor().start()

    def __call__(self, request):
        safe = request.method in SAFE_METHODS
        pin = _pin_key(request)
        if safe and not _is_pinned(pin):
            unpin_this_thread()
        else:
            pin_this_thread()
        _request.replica_reads, _request.replica = True, None
        try:
            response = self.get_response(request)
            failed = _request.replica
            if failed is not None and response.status_code == 503:
                # The replica went away under the request (or could not lend a
                # connection in time): a safe request can simply be served again.
                logger.warning("A read on %s failed; serving the request from the primary.", failed)
                monitor().mark_down(failed)
                pin_this_thread()
                response = self.get_response(request)
        finally:
            _request.replica_reads, _request.replica = False, None
            unpin_this_thread()
        if not safe and pin is not None:
            _pin(pin)
        return response


def _pin_key(request) -> str | None:
    """The cache key of the caller's pin: a digest of its token or session, never either."""
    credentials = request.headers.get("Authorization") or request.COOKIES.get(
        settings.SESSION_COOKIE_NAME
    )
    if not credentials:
        return None
    return "replica-pin:" + hashlib.sha256(credentials.encode()).hexdigest()


def _is_pinned(key: str | None) -> bool:
    if key is None:
        return False
    try:
        return cache.get(key) is not None
    except Exception:
        # Without the cache nobody can tell who just wrote: the primary is right for all.
        logger.warning("The shared cache did not answer; reading from the primary.")
        return True


def _pin(key: str) -> None:
    try:
        cache.set(key, 1, timeout=math.ceil(pin_seconds()))
    except Exception:
        logger.warning("The shared cache did not answer; this client's pin is not kept.")
