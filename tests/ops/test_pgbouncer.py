"""The API through a real PgBouncer in transaction mode (DATABASE_PGBOUNCER=true).

The production server (gunicorn, DEBUG off) reaches the test's PostgreSQL server only
through a PgBouncer the test starts, which hands each transaction the next of three
server connections in turn: whatever outlived a transaction on the server (a WITH HOLD
cursor, a prepared statement, a startup option) fails here as it would under load.
manage.py commands connect to DATABASE_DIRECT_URL, past PgBouncer.
"""

import csv
import io
import json
import re
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection

from tests.dbutils import admin_connect, database_url, project_env, run_project
from tests.ops.servers import Client, PgBouncer, pgbouncer_binary, scratch_folder, server_user
from tests.ops.test_production_server import ADMIN_PASSWORD, Server, production_env

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        pgbouncer_binary() is None,
        reason="Debian's pgbouncer is not installed (.ci/run installs it: apt-get install "
        "pgbouncer)",
    ),
]

#: Server connections PgBouncer may open: fewer than the app's client connections.
SERVER_CONNECTIONS = 3
WORKERS, THREADS = 2, 4
SHOW_DATABASE = """
from django.conf import settings
default = settings.DATABASES["default"]
options = default["OPTIONS"]
print(json.dumps([default["PORT"], default.get("DISABLE_SERVER_SIDE_CURSORS", False),
                  "options" in options, options.get("prepare_threshold", "unset"),
                  options["pool"]["min_size"], options["pool"]["max_size"]]))
"""


@pytest.fixture(scope="module")
def database(django_db_blocker):
    name = f"bouncer_{uuid.uuid4().hex[:12]}"
    with django_db_blocker.unblock():
        with admin_connect() as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        server = connection.get_connection_params()
    try:
        yield name, server
    finally:
        with django_db_blocker.unblock(), admin_connect() as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="module")
def pgbouncer(database):
    _name, server = database
    host = str(server.get("host") or "")
    account = server_user(host if host.startswith("/") else None)
    with scratch_folder("portal-pgbouncer-", account) as folder:
        bouncer = PgBouncer(folder, server, pool_size=SERVER_CONNECTIONS, account=account)
        try:
            yield bouncer
        finally:
            bouncer.stop()


@pytest.fixture(scope="module")
def env(database, pgbouncer, tmp_path_factory, django_db_blocker):
    """The documented switch: DATABASE_URL names PgBouncer, DATABASE_DIRECT_URL the server."""
    name, _server = database
    with django_db_blocker.unblock():
        direct = database_url(name)
    environment = production_env(
        name,
        tmp_path_factory.mktemp("static"),
        DATABASE_URL=pgbouncer.url(name),
        DATABASE_PGBOUNCER="true",
        DATABASE_DIRECT_URL=direct,
        WEB_CONCURRENCY=str(WORKERS),
        WEB_THREADS=str(THREADS),
    )
    for command in (
        ["migrate", "--noinput"],
        ["collectstatic", "--noinput"],
        ["createsuperuser", "--noinput", "--username", "operator", "--email", "op@example.com"],
    ):
        done = run_project(
            ["manage.py", *command], {**environment, "DJANGO_SUPERUSER_PASSWORD": ADMIN_PASSWORD}
        )
        assert done.returncode == 0, done.stdout + done.stderr
    return environment


@pytest.fixture(scope="module")
def server(env):
    running = Server(env)
    try:
        running.wait_until_listening()
        yield running
    finally:
        running.stop()


def test_the_web_server_goes_through_pgbouncer_and_manage_py_past_it(env, pgbouncer):
    served = run_project(["-c", "import django, json; django.setup()\n" + SHOW_DATABASE], env)
    command = run_project(
        ["manage.py", "shell", "--no-imports", "-c", "import json\n" + SHOW_DATABASE], env
    )

    assert served.returncode == 0, served.stderr
    assert command.returncode == 0, command.stderr
    # Behind PgBouncer: no server-side cursors, no prepared statements, no startup
    # options, and every pooled connection kept open.
    assert json.loads(served.stdout) == [pgbouncer.port, True, False, None, THREADS, THREADS]
    # manage.py (migrate, purge_expired, backup…): the server itself, with its timeout.
    direct_port = json.loads(command.stdout)[0]
    assert direct_port != pgbouncer.port
    assert json.loads(command.stdout)[1:4] == [False, True, "unset"]


def test_pgbouncer_needs_the_direct_url_too():
    env = project_env(
        DATABASE_URL="postgres://portal@pgbouncer.example.com:6432/portal",
        DATABASE_PGBOUNCER="true",
    )

    result = run_project(["-c", "from django.conf import settings; settings.DEBUG"], env)

    assert result.returncode != 0
    assert "DATABASE_PGBOUNCER=true needs DATABASE_URL (the PgBouncer) and DATABASE_DIRECT_URL" in (
        result.stderr
    )


def test_the_api_main_paths_through_pgbouncer(server, pgbouncer, database):
    name, _server = database
    api = Client(server).login("operator", ADMIN_PASSWORD)

    candidate = api.call(
        "POST",
        "/api/v1/candidates/",
        {"email": "ada@example.com", "full_name": "Ada Lovelace", "skills": ["python"]},
    )
    listed = api.call("GET", "/api/v1/candidates/?email=ADA@example.com")
    assert [row["id"] for row in listed["results"]] == [candidate["id"]]

    interview = api.call(
        "POST", "/api/v1/interviews/", {"candidate": candidate["id"], "role_type": "python"}
    )
    api.call("POST", f"/api/v1/interviews/{interview['id']}/start/")

    # Eight clients append at once, five messages each: numbered 1…40, no gap, no twin.
    messages = f"/api/v1/interviews/{interview['id']}/messages/"

    def append(writer: int) -> list[int]:
        return [
            api.call(
                "POST",
                messages,
                {"message_type": "ai_question", "content_text": f"Question {writer}.{turn}"},
            )["sequence_number"]
            for turn in range(5)
        ]

    with ThreadPoolExecutor(max_workers=8) as pool:
        numbers = sorted(n for batch in pool.map(append, range(8)) for n in batch)
    assert numbers == list(range(1, 41))
    # Read again and again: a statement prepared on one server connection would be
    # missing from the next.
    for _ in range(12):
        transcript = api.call("GET", f"{messages}?page_size=200")
        assert [m["sequence_number"] for m in transcript["results"]] == list(range(1, 41))
    assert [m["sequence_number"] for m in api.call("GET", f"{messages}?after=38")["results"]] == [
        39,
        40,
    ]

    session_url = f"/api/v1/interviews/{interview['id']}/session/"
    etag = server.request("GET", session_url, headers=_auth(api)).getheader("ETag")
    api.call("PATCH", session_url, {"questions_asked_count": 40}, headers={"If-Match": etag})
    api.call("PATCH", session_url, {"questions_asked_count": 1}, {"If-Match": etag}, expect=412)
    assert api.call("GET", session_url)["questions_asked_count"] == 40

    api.call("POST", f"/api/v1/interviews/{interview['id']}/complete/")
    assessment = api.call(
        "POST",
        "/api/v1/assessments/",
        {
            "interview": interview["id"],
            "overall_score": "81.00",
            "skill_scores": {"python": {"score": 82, "level": "advanced"}},
        },
    )
    found = api.call(
        "GET", '/api/v1/assessments/?skill_scores__contains={"python":{"level":"advanced"}}'
    )
    assert [row["id"] for row in found["results"]] == [assessment["id"]]

    # PgBouncer multiplexed the app's connections (a pool of THREADS per worker, all
    # kept open) over its few server connections.
    clients = [row for row in pgbouncer.admin("SHOW CLIENTS") if row["database"] == name]
    assert len(clients) >= WORKERS * THREADS
    with admin_connect() as conn:
        backends = conn.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = %s", [name]
        ).fetchone()[0]
    assert 1 <= backends <= SERVER_CONNECTIONS


def test_the_admin_csv_export_streams_through_pgbouncer(server):
    """The export reads with .iterator(): a server-side cursor, unless turned off."""
    api = Client(server).login("operator", ADMIN_PASSWORD)
    ids = [
        api.call(
            "POST",
            "/api/v1/candidates/",
            {"email": f"export{n}@example.com", "full_name": f"Export {n}"},
        )["id"]
        for n in range(3)
    ]
    login_page = server.request("GET", "/admin/login/")
    csrf = re.search(r"csrftoken=([^;]+)", login_page.getheader("Set-Cookie"))[1]
    logged_in = server.request(
        "POST",
        "/admin/login/",
        body=f"csrfmiddlewaretoken={csrf}&username=operator&password={ADMIN_PASSWORD}",
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": f"csrftoken={csrf}",
        },
    )
    assert logged_in.status == 302, logged_in.body
    session = re.search(r"sessionid=([^;]+)", logged_in.getheader("Set-Cookie"))[1]
    selected = "&".join(f"_selected_action={pk}" for pk in ids)

    exported = server.request(
        "POST",
        "/admin/candidates/candidate/",
        body=f"csrfmiddlewaretoken={csrf}&action=export_csv&index=0&{selected}",
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": f"csrftoken={csrf}; sessionid={session}",
        },
    )

    assert exported.status == 200, exported.body[:2000]
    rows = list(csv.reader(io.StringIO(exported.body.decode())))
    assert sorted(row[rows[0].index("email")] for row in rows[1:]) == [
        f"export{n}@example.com" for n in range(3)
    ]


def _auth(client: Client) -> dict[str, str]:
    return {"Authorization": f"Token {client.token}"}
