import asyncio
import json
import time
from wsgiref.util import setup_testing_defaults

import pytest
from django.db import connection
from django.db.migrations.recorder import MigrationRecorder

from tests.dbutils import project_env, run_project


def test_healthz_answers_without_the_database(client):
    # No django_db mark: pytest-django fails any database access in this test.
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/healthz", "/readyz"])
def test_probes_answer_get_and_head_only(client, path):
    assert client.head(path).status_code == 200
    assert client.post(path).status_code == 405


@pytest.mark.django_db
@pytest.mark.parametrize(("path", "status"), [("/healthz", 200), ("/readyz", 200), ("/", 301)])
def test_probes_answer_plain_http_where_everything_else_is_sent_to_https(
    client, settings, path, status
):
    """Probes come from inside the cluster over plain HTTP (SECURE_REDIRECT_EXEMPT)."""
    settings.SECURE_SSL_REDIRECT = True
    response = client.get(path)
    assert response.status_code == status
    if status == 301:
        assert response["Location"] == f"https://testserver{path}"


#: A load balancer probes each instance by its address, a Host no one lists.
PROBED_BY_ADDRESS = "10.0.3.7:8000"


@pytest.fixture
def production_hosts(settings):
    """ALLOWED_HOSTS lists the site's name only, with DEBUG off and HTTPS enforced."""
    settings.DEBUG = False
    settings.ALLOWED_HOSTS = ["portal.example.com"]
    settings.SECURE_SSL_REDIRECT = True


@pytest.mark.django_db
@pytest.mark.parametrize("host", [PROBED_BY_ADDRESS, "[::1", "bad host\xff", None])
@pytest.mark.parametrize("secure", [False, True], ids=["http", "https"])
@pytest.mark.parametrize("path", ["/healthz", "/readyz"])
def test_probes_answer_whatever_the_host_header(client, production_hosts, path, secure, host):
    headers = {} if host is None else {"HTTP_HOST": host}
    response = client.get(path, secure=secure, **headers)

    assert response.status_code == 200
    assert response.json()["status"] == "ok"
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/healthz", "/readyz"])
def test_probes_keep_their_methods_whatever_the_host_header(client, production_hosts, path):
    assert client.head(path, HTTP_HOST=PROBED_BY_ADDRESS).status_code == 200
    assert client.post(path, HTTP_HOST=PROBED_BY_ADDRESS).status_code == 405


@pytest.mark.django_db
def test_readyz_says_503_whatever_the_host_header(client, production_hosts):
    with connection.cursor() as cursor:
        cursor.execute("SET TRANSACTION READ ONLY")

    response = client.get("/readyz", HTTP_HOST=PROBED_BY_ADDRESS)

    assert response.status_code == 503
    assert response.json()["checks"]["write"] == "failed"


@pytest.mark.django_db
@pytest.mark.parametrize("secure", [False, True], ids=["http", "https"])
@pytest.mark.parametrize(
    "path", ["/", "/admin/login/", "/api/v1/candidates/", "/healthz/", "/readyz/x", "/healthzz"]
)
def test_every_other_path_refuses_a_foreign_host(client, production_hosts, path, secure):
    response = client.get(path, secure=secure, HTTP_HOST=PROBED_BY_ADDRESS)

    assert response.status_code == 400


@pytest.mark.django_db
def test_the_site_name_is_still_served(client, production_hosts):
    """The refusals above are the Host's: the same requests to the site's name pass."""
    assert (
        client.get("/admin/login/", secure=True, HTTP_HOST="portal.example.com").status_code == 200
    )
    redirect = client.get("/admin/login/", HTTP_HOST="portal.example.com")
    assert (redirect.status_code, redirect["Location"]) == (
        301,
        "https://portal.example.com/admin/login/",
    )


@pytest.mark.django_db
def test_readyz_is_ok_when_everything_is(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert "no-cache" in response["Cache-Control"]
    assert response.json() == {
        "status": "ok",
        "checks": {"database": "ok", "write": "ok", "migrations": "ok"},
    }


@pytest.mark.django_db
def test_readyz_fails_on_an_unapplied_migration(client):
    MigrationRecorder(connection).record_unapplied("interviews", "0002_composite_keys")

    response = client.get("/readyz")

    assert response.status_code == 503
    assert response.json()["status"] == "unavailable"
    assert response.json()["checks"]["migrations"] == "1 unapplied"


@pytest.mark.django_db
def test_readyz_fails_when_the_database_refuses_writes(client):
    with connection.cursor() as cursor:
        cursor.execute("SET TRANSACTION READ ONLY")

    response = client.get("/readyz")

    assert response.status_code == 503
    assert response.json()["checks"]["write"] == "failed"
    assert response.json()["checks"]["database"] == "ok"


READYZ_SCRIPT = """
import django
django.setup()
from django.test import Client
from django.test.utils import setup_test_environment
setup_test_environment()
response = Client().get("/readyz")
print(response.status_code, response.content.decode())
"""


@pytest.mark.slow
def test_readyz_answers_503_quickly_when_the_database_is_unreachable():
    # Port 9 (discard) on loopback: nothing listens there.
    env = project_env(
        DATABASE_URL="postgres://portal:secret-password@127.0.0.1:9/portal",
        DB_POOL_TIMEOUT="2",
        DB_CONNECT_TIMEOUT="1",
    )
    started = time.monotonic()
    result = run_project(["-c", READYZ_SCRIPT], env, timeout=60)
    elapsed = time.monotonic() - started

    assert result.returncode == 0, result.stderr
    status, body = result.stdout.strip().splitlines()[-1].split(" ", 1)
    assert status == "503"
    assert json.loads(body) == {"status": "unavailable", "checks": {"database": "unreachable"}}
    assert "secret-password" not in body
    assert elapsed < 20


@pytest.mark.django_db(transaction=True)
def test_readyz_fails_when_the_migration_record_cannot_be_read(client):
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE django_migrations RENAME COLUMN name TO name_away")
    try:
        response = client.get("/readyz")
    finally:
        with connection.cursor() as cursor:
            cursor.execute("ALTER TABLE django_migrations RENAME COLUMN name_away TO name")

    assert response.status_code == 503
    assert response.json() == {
        "status": "unavailable",
        "checks": {"database": "ok", "write": "ok", "migrations": "failed"},
    }


def test_the_wsgi_entry_point_serves_the_site():
    """What gunicorn loads (config.wsgi:application) answers a request."""
    from config.wsgi import application

    environ = {}
    setup_testing_defaults(environ)
    environ.update(PATH_INFO="/healthz", HTTP_HOST="testserver")
    started = {}

    def start_response(status, headers):
        started.update(status=status, headers=dict(headers))

    body = b"".join(application(environ, start_response))

    assert started["status"] == "200 OK"
    assert started["headers"]["Content-Type"] == "application/json"
    assert json.loads(body) == {"status": "ok"}


def test_the_asgi_entry_point_serves_the_site():
    """What an ASGI server loads (config.asgi:application) answers a request."""
    from config.asgi import application

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": "/healthz",
        "root_path": "",
        "query_string": b"",
        "headers": [(b"host", b"testserver")],
        "server": ("testserver", 80),
    }
    sent, requests = [], [{"type": "http.request", "body": b"", "more_body": False}]

    async def serve():
        answered = asyncio.Event()

        async def receive():
            if requests:
                return requests.pop()
            await answered.wait()  # The client stays until the whole answer is out.
            return {"type": "http.disconnect"}

        async def send(message):
            sent.append(message)
            if message["type"] == "http.response.body" and not message.get("more_body"):
                answered.set()

        await application(scope, receive, send)

    asyncio.run(serve())

    start, body = sent[0], b"".join(m.get("body", b"") for m in sent[1:])
    assert start["status"] == 200
    assert json.loads(body) == {"status": "ok"}


def test_readyz_says_unreachable_when_no_connection_can_be_had(client, exhausted_pool):
    """Every pooled connection busy (or none to be made): 503, and no other check runs."""
    response = client.get("/readyz")

    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "checks": {"database": "unreachable"}}


@pytest.mark.django_db
def test_a_thousand_readiness_probes_leave_the_catalog_as_it_was(client):
    """The write check writes nothing, not even a temporary table to pg_class."""

    def catalog_inserts():
        with connection.cursor() as cursor:
            # Rows inserted into pg_class by this transaction, rolled back ones included.
            cursor.execute("SELECT pg_stat_get_xact_tuples_inserted('pg_class'::regclass)")
            return cursor.fetchone()[0]

    before = catalog_inserts()
    for _ in range(1000):
        assert client.get("/readyz").status_code == 200
    assert catalog_inserts() == before
