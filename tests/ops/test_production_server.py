"""The production server for real: gunicorn from gunicorn.conf.py, DEBUG off.

Each server is a separate process group serving a database of its own on the test
PostgreSQL server, with Redis (127.0.0.1:6379, on every machine and in CI) as the
shared cache, as the README's "Deploy to production" section sets it up.
"""

import http.client
import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import threading
import uuid
from pathlib import Path

import pytest
from django.conf import settings

from tests.dbutils import admin_connect, database_url, project_env, run_project

REDIS = "redis://127.0.0.1:6379/0"
ADMIN_PASSWORD = secrets.token_urlsafe(16)
METRICS_TOKEN = secrets.token_urlsafe(24)
START_TIMEOUT = 120


class Output:
    """The lines a process writes to one stream, collected as they arrive."""

    def __init__(self, stream):
        self.lines: list[str] = []
        self._changed = threading.Condition()
        self._reader = threading.Thread(target=self._read, args=(stream,), daemon=True)
        self._reader.start()

    def _read(self, stream):
        for line in stream:
            with self._changed:
                self.lines.append(line.rstrip("\n"))
                self._changed.notify_all()
        with self._changed:
            self.closed = True
            self._changed.notify_all()

    closed = False

    def wait_for(self, predicate, timeout: float = 30) -> str | None:
        """The first line that satisfies ``predicate``, waiting for it to be written."""
        with self._changed:
            found = self._changed.wait_for(
                lambda: next((line for line in self.lines if predicate(line)), None) or self.closed,
                timeout,
            )
            return next((line for line in self.lines if predicate(line)), None) if found else None

    def text(self) -> str:
        with self._changed:
            return "\n".join(self.lines)

    def json_lines(self) -> list[dict]:
        records = []
        for line in self.text().splitlines():
            try:
                records.append(json.loads(line))
            except ValueError:
                continue
        return records


class Server:
    """One gunicorn, started as `make serve` does, in a process group of its own."""

    def __init__(self, env: dict[str, str]):
        self.port = free_port()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn"],
            cwd=settings.BASE_DIR,
            env={**env, "HOST": "127.0.0.1", "PORT": str(self.port)},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
        self.stdout = Output(self.process.stdout)
        self.stderr = Output(self.process.stderr)

    def wait_until_listening(self) -> None:
        listening = self.stderr.wait_for(lambda line: "Listening at" in line, START_TIMEOUT)
        assert listening, self.stderr.text()

    def request(self, method, path, body=None, headers=None) -> http.client.HTTPResponse:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        connection.request(
            method, path, body=body, headers={"Host": "localhost", **(headers or {})}
        )
        response = connection.getresponse()
        response.body = response.read()
        connection.close()
        return response

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
        self.process.wait(timeout=60)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def production_env(database: str, static_root: Path, **overrides: str) -> dict[str, str]:
    """The documented production environment, HTTPS relaxed: the test speaks plain HTTP."""
    documented = dict(
        DJANGO_SETTINGS_MODULE="config.settings",
        DEBUG="false",
        SECRET_KEY=secrets.token_urlsafe(50),
        DATABASE_URL=database_url(database),
        CACHE_URL=REDIS,
        CACHE_KEY_PREFIX=f"walk-{uuid.uuid4().hex}",
        ALLOWED_HOSTS="localhost",
        STATIC_ROOT=str(static_root),
        SECURE_SSL_REDIRECT="false",
        SESSION_COOKIE_SECURE="false",
        CSRF_COOKIE_SECURE="false",
        METRICS_TOKEN=METRICS_TOKEN,
        WEB_CONCURRENCY="2",
        WEB_THREADS="2",
    )
    return project_env(**{**documented, **overrides})


@pytest.fixture(scope="module")
def deployment(tmp_path_factory, django_db_blocker):
    """A database migrated and static files collected, as the deploy steps do them."""
    name = f"serve_{uuid.uuid4().hex[:12]}"
    static_root = tmp_path_factory.mktemp("static")
    with django_db_blocker.unblock():
        with admin_connect() as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        env = production_env(name, static_root)
    try:
        for command in (
            ["migrate", "--noinput"],
            ["collectstatic", "--noinput"],
            ["createsuperuser", "--noinput", "--username", "operator", "--email", "op@example.com"],
        ):
            done = run_project(
                ["manage.py", *command], {**env, "DJANGO_SUPERUSER_PASSWORD": ADMIN_PASSWORD}
            )
            assert done.returncode == 0, done.stdout + done.stderr
        yield name, static_root
    finally:
        with django_db_blocker.unblock(), admin_connect() as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="module")
def server(deployment):
    database, static_root = deployment
    running = Server(production_env(database, static_root))
    running.wait_until_listening()
    yield running
    running.stop()


def test_the_admin_login_page_and_its_css(server):
    page = server.request("GET", "/admin/login/")
    assert page.status == 200
    stylesheet = re.search(rb'href="(/static/admin/css/base\.[0-9a-f]{12}\.css)"', page.body)
    assert stylesheet, page.body[:2000]  # Hashed names, from collectstatic's manifest.

    css = server.request("GET", stylesheet[1].decode(), headers={"Accept-Encoding": "gzip"})

    assert css.status == 200
    assert css.getheader("Content-Type").startswith("text/css")
    assert css.getheader("Content-Encoding") == "gzip"
    assert css.getheader("Cache-Control") == "max-age=315360000, public, immutable"


def test_the_api_with_a_token(server):
    credentials = {"username": "operator", "password": ADMIN_PASSWORD}
    token = server.request(
        "POST",
        "/api/v1/auth/token/",
        body=json.dumps(credentials),
        headers={"Content-Type": "application/json"},
    )
    assert token.status == 200, token.body
    key = json.loads(token.body)["token"]

    candidates = server.request(
        "GET", "/api/v1/candidates/", headers={"Authorization": f"Token {key}"}
    )
    anonymous = server.request("GET", "/api/v1/candidates/")

    assert candidates.status == 200, candidates.body
    assert json.loads(candidates.body)["count"] == 0
    assert anonymous.status == 401


def test_metrics_need_the_token(server):
    without = server.request("GET", "/metrics")
    wrong = server.request("GET", "/metrics", headers={"Authorization": "Bearer wrong"})
    scraped = server.request(
        "GET", "/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"}
    )

    assert without.status == 401
    assert wrong.status == 401
    assert scraped.status == 200
    assert b"django_http_requests_total_by_view_transport_method_total" in scraped.body


def test_the_request_id_is_returned_and_on_the_log_lines(server):
    request_id = f"walk-{uuid.uuid4().hex}"

    response = server.request("GET", "/api/v1/no-such-page/", headers={"X-Request-ID": request_id})

    assert response.status == 404
    assert response.getheader("X-Request-ID") == request_id
    access = server.stdout.wait_for(lambda line: request_id in line)
    assert json.loads(access) | {"time": None, "duration_ms": None} == {
        "time": None,
        "level": "INFO",
        "name": "gunicorn.access",
        "message": "request",
        "request_id": request_id,
        "method": "GET",
        "path": "/api/v1/no-such-page/",
        "status": "404",
        "bytes": len(response.body),
        "duration_ms": None,
        "remote_addr": "127.0.0.1",
    }
    # The application's own line about the same request, JSON too.
    app_line = server.stderr.wait_for(lambda line: request_id in line)
    record = json.loads(app_line)
    assert record["name"] == "django.request"
    assert record["level"] == "WARNING"
    assert record["message"] == "Not Found: /api/v1/no-such-page/"
    assert record["request_id"] == request_id


def test_every_line_on_stderr_is_json_gunicorn_s_and_the_checks_too(server):
    """Its start, its workers' boots and the system checks' report (here warnings: the
    test relaxes HTTPS) are one JSON object per line, as the application's."""
    assert server.stderr.wait_for(lambda line: "Booting worker" in line)

    records = [json.loads(line) for line in server.stderr.text().splitlines()]

    by_message = {record["message"]: record for record in records}
    listening = f"Listening at: http://127.0.0.1:{server.port} ({server.process.pid})"
    assert by_message[listening]["name"] == "gunicorn.error"
    assert by_message["Using worker: gthread"]["level"] == "INFO"
    [report] = [record for record in records if "System check identified" in record["message"]]
    assert (report["level"], report["name"]) == ("WARNING", "gunicorn.error")
    assert "(security.W008)" in report["message"]  # SECURE_SSL_REDIRECT, relaxed here.


def test_a_generated_request_id_when_none_is_sent(server):
    response = server.request("GET", "/healthz")

    assert response.status == 200
    assert re.fullmatch(r"[0-9a-f]{32}", response.getheader("X-Request-ID"))


def test_an_undecodable_form_charset_is_a_400(server):
    login_page = server.request("GET", "/admin/login/")
    cookie = login_page.getheader("Set-Cookie")
    csrf_token = re.search(r"csrftoken=([^;]+)", cookie)[1]

    response = server.request(
        "POST",
        "/admin/login/",
        body=f"csrfmiddlewaretoken={csrf_token}&username=operator&password=x",
        headers={
            "Content-Type": "application/x-www-form-urlencoded; charset=rot13",
            "Cookie": f"csrftoken={csrf_token}",
            "Referer": "http://localhost/admin/login/",
        },
    )

    assert response.status == 400


def test_the_token_limit_holds_across_two_servers_sharing_redis(deployment):
    """Attempts are counted in Redis, so a second server does not add a second allowance.

    Both serve as in production, every HTTPS protection on behind a proxy that says the
    request came over HTTPS: the system checks then find nothing to report."""
    database, static_root = deployment
    https = {
        name: "true"
        for name in (
            "SECURE_SSL_REDIRECT",
            "SESSION_COOKIE_SECURE",
            "CSRF_COOKIE_SECURE",
            "USE_X_FORWARDED_PROTO",
        )
    }
    env = production_env(
        database, static_root, AUTH_TOKEN_THROTTLE_RATE="4/minute", WEB_CONCURRENCY="1", **https
    )
    first, second = Server(env), Server(env)
    try:
        first.wait_until_listening()
        second.wait_until_listening()
        # A different username each time: the limit counts attempts from an address,
        # whichever account they try (the lockout per username is another guard).
        statuses = [
            server.request(
                "POST",
                "/api/v1/auth/token/",
                body=json.dumps({"username": f"guess{attempt}", "password": "wrong"}),
                headers={"Content-Type": "application/json", "X-Forwarded-Proto": "https"},
            ).status
            for attempt, server in enumerate((first, second, first, second, first, second))
        ]
    finally:
        first.stop()
        second.stop()

    assert statuses == [400, 400, 400, 400, 429, 429]
    for server in (first, second):
        assert "System check identified" not in server.stderr.text()
        assert "System check identified" not in server.stdout.text()


@pytest.mark.parametrize(
    ("overrides", "refusal"),
    [
        ({"DATABASE_URL": ""}, "(ops.E001) DATABASE_URL is not set"),
        ({"CACHE_URL": "locmemcache://"}, "(ops.E002) CACHE_URL is not set or names an in-process"),
    ],
)
def test_gunicorn_refuses_an_unsafe_configuration(deployment, tmp_path, overrides, refusal):
    database, static_root = deployment
    env = production_env(
        database, static_root, EMBEDDED_DATABASE_DIR=str(tmp_path / "pgdata"), **overrides
    )
    refused = Server(env)

    assert refused.process.wait(timeout=START_TIMEOUT) == 1
    assert refused.stderr.wait_for(lambda line: refusal in line)
    assert refused.stderr.wait_for(lambda line: "refused this configuration; not serving" in line)
    assert "Listening at" not in refused.stderr.text()
    assert not (tmp_path / "pgdata").exists()  # Refused before any server was started.


def test_gunicorn_warns_when_the_pool_cannot_fit(deployment, tmp_path):
    """A warning, not a refusal: it serves (here with the operator's metrics directory)."""
    database, static_root = deployment
    metrics_dir = tmp_path / "metrics"
    metrics_dir.mkdir()
    env = production_env(
        database,
        static_root,
        DB_POOL_MAX_SIZE="100000",
        WEB_CONCURRENCY="1",
        PROMETHEUS_MULTIPROC_DIR=str(metrics_dir),
    )
    warned = Server(env)
    try:
        warned.wait_until_listening()
        served = warned.request("GET", "/healthz")
    finally:
        warned.stop()

    assert "(ops.W001) 1 workers x DB_POOL_MAX_SIZE=100000 = 100000 connections" in (
        warned.stderr.text()
    )
    assert served.status == 200
    assert list(metrics_dir.glob("*.db"))  # The worker kept its figures where it was told.
