"""Read replicas for real: a primary and a streaming standby made by pg_basebackup -R,
started from the embedded server's binaries, behind the production server.

A standby whose replay is paused holds everything up to the pause and nothing after:
a row the primary has and the standby lacks shows which one a read came from.
"""

import hashlib
import json
import math
import socket
import threading
import time
import uuid

import pytest
import redis
from axes.models import AccessAttempt, AccessFailureLog
from django.conf import settings as django_settings
from django.contrib.auth.models import Group, Permission, User
from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.http import HttpResponse
from django.test import RequestFactory
from knox.models import AuthToken

from candidates.models import Candidate
from core import db_routing
from tests.dbutils import project_env, run_project
from tests.ops.servers import (
    DEADLINE,
    Client,
    Cluster,
    scratch_folder,
    server_user,
    wait_for_replay,
)
from tests.ops.test_production_server import ADMIN_PASSWORD, Server, free_port, production_env

pytestmark = pytest.mark.slow

DATABASE = "portal"


@pytest.fixture(scope="module")
def replication():
    """A primary with a database, and its standby, caught up."""
    with scratch_folder("portal-replication-", server_user()) as folder:
        primary = Cluster.primary(folder / "primary")
        primary.start()
        standby = None
        try:
            with primary.connect() as conn:
                conn.execute(f'CREATE DATABASE "{DATABASE}"')
            standby = primary.standby(folder / "standby")
            standby.start()
            wait_for_replay(primary, standby)
            yield primary, standby
        finally:
            if standby is not None:
                standby.stop()
            primary.stop()


@pytest.fixture(scope="module")
def env(replication, tmp_path_factory):
    primary, standby = replication
    environment = production_env(
        DATABASE,
        tmp_path_factory.mktemp("static"),
        DATABASE_URL=primary.url(DATABASE),
        DATABASE_REPLICA_URLS=standby.url(DATABASE),
        # Large enough that a paused standby stays in use for the whole test.
        REPLICA_MAX_LAG_SECONDS="3600",
        WEB_CONCURRENCY="1",
        WEB_THREADS="4",
    )
    commands = [["migrate", "--noinput"]] + [
        ["createsuperuser", "--noinput", "--username", username, "--email", "x@example.com"]
        for username in ("writer", "reader")
    ]
    for command in commands:
        done = run_project(
            ["manage.py", *command], {**environment, "DJANGO_SUPERUSER_PASSWORD": ADMIN_PASSWORD}
        )
        assert done.returncode == 0, done.stdout + done.stderr
    return environment


@pytest.fixture(scope="module")
def server(env, replication):
    primary, standby = replication
    wait_for_replay(primary, standby)
    running = Server(env)
    try:
        running.wait_until_listening()
        # The monitor's first check lets reads go to the replica.
        assert running.stderr.wait_for(lambda line: "Replica replica_1 is read from" in line), (
            running.stderr.text()
        )
        yield running
    finally:
        running.stop()


@pytest.fixture
def paused(replication):
    """The standby stops replaying what it receives, until the test ends."""
    primary, standby = replication
    wait_for_replay(primary, standby)
    with standby.connect() as conn:
        conn.execute("SELECT pg_wal_replay_pause()")
    yield
    with standby.connect() as conn:
        conn.execute("SELECT pg_wal_replay_resume()")
    wait_for_replay(primary, standby)


def _emails(client: Client, email: str) -> list[str]:
    return [
        row["email"] for row in client.call("GET", f"/api/v1/candidates/?email={email}")["results"]
    ]


def test_reads_go_to_the_replica_and_a_writer_reads_its_own_writes(server, paused, replication):
    primary, standby = replication
    # Logins made after the pause work at once: who the caller is is read from the primary.
    writer = Client(server).login("writer", ADMIN_PASSWORD)
    reader = Client(server).login("reader", ADMIN_PASSWORD)
    email = f"{uuid.uuid4().hex[:10]}@example.com"

    writer.call("POST", "/api/v1/candidates/", {"email": email, "full_name": "Grace Hopper"})

    # The writer is pinned to the primary and sees its write at once …
    assert _emails(writer, email) == [email]
    # … while another client reads the paused replica, which has not got it.
    assert _emails(reader, email) == []
    assert reader.call("GET", "/api/v1/candidates/")["count"] == 0

    with standby.connect() as conn:
        conn.execute("SELECT pg_wal_replay_resume()")
    wait_for_replay(primary, standby)
    assert _emails(reader, email) == [email]


def test_the_replica_stopped_mid_test_reads_fall_back_to_the_primary(server, replication):
    primary, standby = replication
    writer = Client(server).login("writer", ADMIN_PASSWORD)
    reader = Client(server).login("reader", ADMIN_PASSWORD)
    email = f"{uuid.uuid4().hex[:10]}@example.com"
    created = writer.call("POST", "/api/v1/candidates/", {"email": email, "full_name": "Ada"})
    wait_for_replay(primary, standby)
    assert _emails(reader, email) == [email]

    standby.stop()
    try:
        statuses = [
            reader.request("GET", path).status
            for _ in range(5)
            for path in (
                f"/api/v1/candidates/?email={email}",
                f"/api/v1/candidates/{created['id']}/",
                "/api/v1/interviews/",
                "/api/v1/assessments/",
            )
        ]
        assert statuses == [200] * 20
        assert _emails(reader, email) == [email]
        assert server.stderr.wait_for(lambda line: "Replica replica_1 is skipped (down" in line)
    finally:
        standby.start()


# --- The monitor and the router, in this process, against the same servers --------------


@pytest.fixture
def monitor_of(replication):
    """A monitor of given servers, stopped afterwards."""
    started = []

    def make(replicas: dict, max_lag: float) -> db_routing.ReplicaMonitor:
        monitor = db_routing.ReplicaMonitor(replicas, max_lag=max_lag)
        started.append(monitor)
        return monitor

    yield make
    for monitor in started:
        monitor.stop()


def _params(cluster: Cluster) -> dict:
    return {"host": "127.0.0.1", "port": cluster.port, "user": "postgres", "dbname": DATABASE}


def test_a_lagging_replica_is_skipped_and_taken_back(replication, monitor_of):
    primary, standby = replication
    # Caught up and idle: not behind at all, however old its last replayed transaction.
    # With no lag allowed, only that case (measured as exactly 0) keeps it in use.
    idle = monitor_of({"replica_1": _params(standby)}, max_lag=0.0)
    _check_until(idle, lambda: idle.usable() == ["replica_1"])

    monitor = monitor_of({"replica_1": _params(standby)}, max_lag=1.0)
    with standby.connect() as conn:
        conn.execute("SELECT pg_wal_replay_pause()")
    try:
        with primary.connect(DATABASE) as conn:
            conn.execute(f'CREATE TABLE "t_{uuid.uuid4().hex}" ()')
        # Its lag grows from the last transaction it replayed until past the 1 s allowed.
        _check_until(monitor, lambda: (monitor.lag("replica_1") or 0) > 1.0)
        assert monitor.usable() == []
    finally:
        with standby.connect() as conn:
            conn.execute("SELECT pg_wal_replay_resume()")
    _check_until(monitor, lambda: monitor.usable() == ["replica_1"])


def test_a_standby_cut_off_from_its_primary_is_behind(replication, monitor_of):
    """Having replayed all it received is no longer enough once it receives nothing:
    its lag is then the age of its last replayed transaction."""
    primary, standby = replication
    monitor = monitor_of({"replica_1": _params(standby)}, max_lag=0.0)
    _check_until(monitor, lambda: monitor.usable() == ["replica_1"])

    primary.stop()
    try:
        _check_until(monitor, lambda: monitor.usable() == [])
        assert monitor.lag("replica_1") > 0
    finally:
        primary.start()
    _check_until(monitor, lambda: monitor.usable() == ["replica_1"])


def test_a_standby_that_has_replayed_nothing_since_it_started_is_skipped(replication, monitor_of):
    """Restarted while its primary is away, a standby has neither received nor replayed
    anything: how far behind it is cannot be told, so it counts as endlessly behind."""
    primary, standby = replication
    monitor = monitor_of({"replica_1": _params(standby)}, max_lag=3600)
    primary.stop()
    try:
        standby.stop()
        standby.start()
        monitor.check()
        assert (monitor.lag("replica_1"), monitor.usable()) == (math.inf, [])
    finally:
        primary.start()
    _check_until(monitor, lambda: monitor.usable() == ["replica_1"])


def _check_until(monitor: db_routing.ReplicaMonitor, condition) -> None:
    """Check the replicas again until ``condition`` holds: a standby moves on by itself."""
    deadline = time.monotonic() + DEADLINE
    monitor.check()
    while not condition():
        assert time.monotonic() < deadline, monitor.lag("replica_1")
        time.sleep(0.1)  # Polling the standby's state, with a deadline.
        monitor.check()


def test_a_server_that_is_down_or_no_standby_is_skipped(replication, monitor_of):
    primary, _standby = replication
    nowhere = {**_params(primary), "port": free_port()}  # Nothing listens there.
    monitor = monitor_of({"down": nowhere, "primary": _params(primary)}, max_lag=3600)

    monitor.check()

    assert monitor.usable() == []
    assert (monitor.lag("down"), monitor.lag("primary")) == (None, None)


def _backends(cluster: Cluster, application_name: str) -> int:
    with cluster.connect() as conn:
        return conn.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE application_name = %s",
            [application_name],
        ).fetchone()[0]


def test_stop_waits_for_the_check_under_way_and_leaves_no_connection(replication, monitor_of):
    """A check in another thread, held up by a replica that never answers, is let finish
    before the connections close; a check asked for after stop() opens none."""
    _primary, standby = replication
    name = f"monitor-{uuid.uuid4().hex[:8]}"
    with socket.create_server(("127.0.0.1", 0)) as unanswering:
        monitor = monitor_of(
            {
                "unanswering": {**_params(standby), "port": unanswering.getsockname()[1]},
                "replica_1": {**_params(standby), "application_name": name},
            },
            max_lag=3600,
        )
        checking = threading.Thread(target=monitor.check)
        checking.start()
        accepted, _address = unanswering.accept()  # The check is under way.
        with accepted:
            monitor.stop()
            checking.join()
            monitor.check()

    assert monitor.lag("replica_1") == 0.0
    _poll_until(lambda: _backends(standby, name) == 0)


def _poll_until(condition) -> None:
    deadline = time.monotonic() + DEADLINE
    while not condition():
        assert time.monotonic() < deadline
        time.sleep(0.1)  # A closed session's backend leaves pg_stat_activity soon after.


FORK = """
import json, os, signal, socket, sys, time
from core.db_routing import ReplicaMonitor

replica = json.loads(sys.argv[1])
unanswering = socket.create_server(("127.0.0.1", 0))
monitor = ReplicaMonitor(
    {"replica_1": replica, "unanswering": {**replica, "port": unanswering.getsockname()[1]}},
    max_lag=3600,
)
stopped = ReplicaMonitor({"replica_1": replica}, max_lag=3600)
stopped.stop()
monitor.start()
unanswering.accept()  # The monitor's thread is in the middle of a check.
child = os.fork()
if child == 0:
    signal.alarm(30)  # A child left without checks, or stuck on a lock, is killed.
    monitor.mark_down("replica_1")  # Only a check of the child's own takes it back.
    while monitor.usable() != ["replica_1"]:
        time.sleep(0.1)  # Polling the child's own monitor thread.
    monitor.stop()  # Closing what the child opened, and nothing of its parent's.
    stopped.check()  # Stopped before the fork: stopped in the child too.
    sys.exit(0 if stopped.lag("replica_1") is None else 3)
_pid, status = os.waitpid(child, 0)
monitor.check()  # The parent's own connection still works once the child is gone.
print(json.dumps([os.waitstatus_to_exitcode(status), monitor.lag("replica_1")]))
"""


def test_a_forked_worker_checks_on_its_own(replication):
    """gunicorn's preload forks workers from a master whose monitor may be mid-check:
    the child checks at once, over connections of its own, and leaves the parent's be."""
    _primary, standby = replication

    result = run_project(["-c", FORK, json.dumps(_params(standby))], project_env())

    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == [0, 0.0]


ROUTED = []


def _read(request):
    ROUTED.append(db_routing.ReplicaRouter().db_for_read(Candidate))
    return HttpResponse("ok")


@pytest.fixture
def routing(replication, monitor_of, monkeypatch):
    """The router reading the real standby through a monitor of this process."""
    _primary, standby = replication
    monitor = monitor_of({"replica_1": _params(standby)}, max_lag=3600)
    monitor.check()
    monkeypatch.setattr(db_routing, "_monitor", monitor)
    ROUTED.clear()
    return db_routing.ReplicaRoutingMiddleware(_read), monitor


def test_only_safe_requests_of_clients_that_did_not_just_write_read_a_replica(routing):
    middleware, _monitor = routing
    factory = RequestFactory()
    router = db_routing.ReplicaRouter()

    middleware(factory.get("/", HTTP_AUTHORIZATION="Token reader"))
    middleware(factory.post("/", HTTP_AUTHORIZATION="Token writer"))
    middleware(factory.get("/", HTTP_AUTHORIZATION="Token writer"))
    middleware(factory.head("/", HTTP_AUTHORIZATION="Token reader"))
    middleware(factory.options("/", HTTP_AUTHORIZATION="Token reader"))
    middleware(factory.get("/"))  # Anonymous.

    assert ROUTED == ["replica_1", "default", "default", "replica_1", "replica_1", "replica_1"]
    # Outside a request (commands, cron jobs), and for logins and permissions: the primary.
    assert router.db_for_read(Candidate) == "default"
    assert router.db_for_write(Candidate) == "default"
    middleware.get_response = lambda request: HttpResponse(router.db_for_read(AuthToken))
    assert middleware(factory.get("/", HTTP_AUTHORIZATION="Token reader")).content == b"default"


def test_logins_tokens_permissions_and_lockouts_are_read_from_the_primary(routing):
    middleware, _monitor = routing
    router = db_routing.ReplicaRouter()
    who = (User, Group, Permission, AuthToken, Session, AccessAttempt, AccessFailureLog)
    middleware.get_response = lambda request: HttpResponse(
        " ".join(router.db_for_read(model) for model in (Candidate, *who))
    )

    read = middleware(RequestFactory().get("/", HTTP_AUTHORIZATION="Token reader")).content

    assert read.decode().split() == ["replica_1"] + ["default"] * len(who)


def test_an_admin_session_reads_its_own_writes(routing):
    middleware, _monitor = routing
    writer, reader = RequestFactory(), RequestFactory()
    writer.cookies[django_settings.SESSION_COOKIE_NAME] = "the-writers-session"
    reader.cookies[django_settings.SESSION_COOKIE_NAME] = "another-session"

    middleware(writer.post("/admin/"))
    middleware(writer.get("/admin/"))
    middleware(reader.get("/admin/"))

    assert ROUTED == ["default", "default", "replica_1"]


def test_a_pin_lasts_the_lag_allowed_plus_3_seconds_under_a_digest(routing, settings):
    """Longer than any replica still in use can lag; the token itself is never stored."""
    middleware, _monitor = routing
    settings.REPLICA_MAX_LAG_SECONDS = 4.5
    token = "Token " + uuid.uuid4().hex  # pragma: allowlist secret

    middleware(RequestFactory().post("/", HTTP_AUTHORIZATION=token))

    store = redis.Redis.from_url(settings.CACHES["default"]["LOCATION"])
    keys = store.keys(cache.make_key("*"))
    assert keys == [
        cache.make_key(f"replica-pin:{hashlib.sha256(token.encode()).hexdigest()}").encode()
    ]
    # 4.5 + 3 s, rounded up to Redis's whole seconds.
    assert 7_000 < store.pttl(keys[0]) <= 8_000


def test_an_unsafe_request_that_answers_503_is_answered_once(routing):
    """Only a safe request that met a replica is served again: a write never runs twice."""
    middleware, monitor = routing
    served = []

    def unavailable(request):
        served.append(request.method)
        _read(request)
        return HttpResponse(status=503)

    middleware.get_response = unavailable

    response = middleware(RequestFactory().post("/", HTTP_AUTHORIZATION="Token writer"))

    assert (response.status_code, served, ROUTED) == (503, ["POST"], ["default"])
    assert monitor.usable() == ["replica_1"]


def test_one_request_reads_one_replica_throughout(replication, monitor_of, monkeypatch):
    _primary, standby = replication
    monitor = monitor_of({"replica_1": _params(standby), "replica_2": _params(standby)}, 3600)
    monitor.check()
    monkeypatch.setattr(db_routing, "_monitor", monitor)
    router = db_routing.ReplicaRouter()
    middleware = db_routing.ReplicaRoutingMiddleware(
        lambda request: HttpResponse(" ".join(router.db_for_read(Candidate) for _ in range(3)))
    )

    pages = {middleware(RequestFactory().get("/")).content.decode() for _ in range(10)}

    # A page and its count agree: each request's reads come from one of the two.
    assert pages <= {"replica_1 replica_1 replica_1", "replica_2 replica_2 replica_2"}


def test_a_request_that_met_a_failing_replica_is_served_from_the_primary(routing, caplog):
    middleware, _monitor = routing
    answers = iter([503, 200])

    def flaky(request):
        _read(request)
        return HttpResponse(status=next(answers))

    middleware.get_response = flaky

    response = middleware(RequestFactory().get("/", HTTP_AUTHORIZATION="Token reader"))

    assert response.status_code == 200
    assert ROUTED == ["replica_1", "default"]
    # Skipped until the next check finds it well.
    assert (
        "Replica replica_1 is skipped (down; 3600 s allowed): reads go to the primary."
    ) in caplog.messages


def test_the_second_try_reads_the_primary_though_another_replica_is_well(
    replication, monitor_of, monkeypatch
):
    _primary, standby = replication
    monitor = monitor_of({"replica_1": _params(standby), "replica_2": _params(standby)}, 3600)
    monitor.check()
    monkeypatch.setattr(db_routing, "_monitor", monitor)
    ROUTED.clear()
    answers = iter([503, 200])

    def flaky(request):
        _read(request)
        return HttpResponse(status=next(answers))

    middleware = db_routing.ReplicaRoutingMiddleware(flaky)

    response = middleware(RequestFactory().get("/"))

    assert response.status_code == 200
    failed, second = ROUTED
    assert (second, monitor.usable()) == ("default", sorted({"replica_1", "replica_2"} - {failed}))


def test_requests_spread_over_the_replicas(replication, monitor_of, monkeypatch):
    _primary, standby = replication
    monitor = monitor_of({"replica_1": _params(standby), "replica_2": _params(standby)}, 3600)
    monitor.check()
    monkeypatch.setattr(db_routing, "_monitor", monitor)
    ROUTED.clear()
    middleware = db_routing.ReplicaRoutingMiddleware(_read)

    for _ in range(40):  # Each picks at random: all on one replica once in 5e11 runs.
        middleware(RequestFactory().get("/"))

    assert set(ROUTED) == {"replica_1", "replica_2"}


def test_a_replica_whose_last_check_is_too_old_is_skipped(routing, monkeypatch):
    """A monitor that stopped checking (its thread stuck) is not trusted."""
    _middleware, monitor = routing
    assert monitor.usable() == ["replica_1"]

    monkeypatch.setattr(db_routing, "CHECK_TRUSTED_FOR", 0.0)  # Any check is too old.

    assert monitor.usable() == []


def test_without_the_shared_cache_every_read_goes_to_the_primary(routing, settings):
    middleware, _monitor = routing
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",  # Nothing listens there.
        }
    }
    factory = RequestFactory()

    middleware(factory.post("/", HTTP_AUTHORIZATION="Token writer"))
    middleware(factory.get("/", HTTP_AUTHORIZATION="Token reader"))

    assert ROUTED == ["default", "default"]


def test_the_settings_monitor_watches_the_configured_replicas(settings, monkeypatch, db):
    # The test database's own server stands in for a replica: it is no standby.
    settings.REPLICA_DATABASES = ["default"]
    monkeypatch.setattr(db_routing, "_monitor", None)
    monitor = db_routing.monitor()
    try:
        assert db_routing.monitor() is monitor
        monitor.check()
        assert monitor.usable() == []
        assert monitor.lag("default") is None
    finally:
        monitor.stop()


def test_replica_urls_must_be_postgresql():
    env = project_env(DATABASE_REPLICA_URLS="mysql://portal@replica.example.com/portal")

    result = run_project(["-c", "from django.conf import settings; settings.DEBUG"], env)

    assert result.returncode != 0
    assert "DATABASE_REPLICA_URLS must point to PostgreSQL servers." in result.stderr


def test_replica_aliases_mirror_the_primary_in_tests():
    env = project_env(
        DATABASE_URL="postgres://portal@db.example.com/portal",
        DATABASE_REPLICA_URLS="postgres://portal@r1.example.com/portal,"
        "postgres://portal@r2.example.com/portal",
    )
    show = (
        "import json; from django.conf import settings; d = settings.DATABASES; "
        "print(json.dumps([settings.REPLICA_DATABASES, d['replica_2']['HOST'], "
        "d['replica_2']['TEST'], settings.DATABASE_ROUTERS]))"
    )

    result = run_project(
        ["-c", show], {**env, "DJANGO_SETTINGS_MODULE": "config.settings", "DEBUG": "true"}
    )

    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == [
        ["replica_1", "replica_2"],
        "r2.example.com",
        {"MIRROR": "default"},
        ["core.db_routing.ReplicaRouter"],
    ]
