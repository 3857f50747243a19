"""The embedded PostgreSQL: chosen without DATABASE_URL, started lazily, shared."""

import subprocess
import sys

import psutil
import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection

from tests.dbutils import project_env, run_project
from tests.ops.servers import scratch_folder


@pytest.fixture
def scratch():
    """A folder outside pytest's own: each pytest session that starts (a mutation
    run's, say) makes that root-only again, under a server starting as another user."""
    with scratch_folder("portal-embedded-") as folder:
        yield folder


SETTINGS_SCRIPT = """
from django.conf import settings
from ops import embedded_postgres
print(settings.DATABASES["default"]["ENGINE"], embedded_postgres._server)
"""

CONNECT_SCRIPT = """
import sys
import django
django.setup()
from django.conf import settings
from django.db import connection
from ops import embedded_postgres

with connection.cursor() as cursor:
    cursor.execute("SELECT current_database(), pg_postmaster_start_time()")
    database, started = cursor.fetchone()
server = embedded_postgres.get_server(settings.EMBEDDED_DATABASE_DIR)
print(server.pid, database, started.isoformat(), flush=True)
if "--hold" in sys.argv:
    sys.stdin.readline()
"""


def test_without_database_url_the_embedded_server_is_selected():
    result = run_project(["-c", SETTINGS_SCRIPT], project_env())
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["ops.embedded_postgres", "None"]


def test_the_embedded_server_starts_only_when_a_connection_is_needed(scratch):
    data_dir = scratch / "pgdata"
    env = project_env(EMBEDDED_DATABASE_DIR=str(data_dir))

    checked = run_project(["manage.py", "check"], env)  # Loads every app and model.
    assert checked.returncode == 0, checked.stderr
    assert not data_dir.exists()

    shell = run_project(["manage.py", "dbshell", "--", "-tAc", "SELECT 40 + 2"], env, timeout=60)
    assert shell.returncode == 0, shell.stderr
    assert shell.stdout.strip() == "42"
    assert (data_dir / "PG_VERSION").exists()


def test_with_database_url_the_embedded_server_is_not_used():
    env = project_env(DATABASE_URL="postgres://portal@db.example.com:5432/portal")
    result = run_project(["-c", SETTINGS_SCRIPT], env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["django.db.backends.postgresql", "None"]


@pytest.mark.slow
def test_a_second_process_reuses_the_running_server(scratch):
    env = project_env(EMBEDDED_DATABASE_DIR=str(scratch / "pgdata"))
    holder = subprocess.Popen(
        [sys.executable, "-c", CONNECT_SCRIPT, "--hold"],
        cwd=settings.BASE_DIR,
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        first = holder.stdout.readline().split()
        assert first, holder.stderr.read()
        second = run_project(["-c", CONNECT_SCRIPT], env, timeout=60)
        assert second.returncode == 0, second.stderr
    finally:
        holder.communicate(input="\n", timeout=60)

    pid, database, started = first
    assert database == settings.EMBEDDED_DATABASE_NAME  # Created on first use.
    assert second.stdout.split() == [pid, database, started]  # Same postmaster, not a new one.
    assert (scratch / "pgdata" / "PG_VERSION").read_text().strip() == "18"


@pytest.mark.slow
def test_the_server_stops_with_its_last_user_even_after_a_killed_one(scratch):
    env = project_env(EMBEDDED_DATABASE_DIR=str(scratch / "pgdata"))
    killed = subprocess.Popen(
        [sys.executable, "-c", CONNECT_SCRIPT, "--hold"],
        cwd=settings.BASE_DIR,
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    pid = int(killed.stdout.readline().split()[0])
    killed.kill()  # No exit handlers run: it never signs off the server.
    killed.communicate(timeout=30)

    last_user = run_project(["-c", CONNECT_SCRIPT], env, timeout=60)

    assert last_user.returncode == 0, last_user.stderr
    assert last_user.stdout.split()[0] == str(pid)  # It reused the running server ...
    assert not _running(pid)  # ... and stopped it on the way out.


def _running(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def test_a_server_that_cannot_start_is_a_database_error_naming_it(scratch):
    blocker = scratch / "not-a-directory"
    blocker.write_text("")
    data_dir = blocker / "pgdata"  # Cannot be created under a file.
    env = project_env(EMBEDDED_DATABASE_DIR=str(data_dir))

    migrate = run_project(["manage.py", "migrate", "--noinput"], env)
    request = run_project(["-c", REQUEST_SCRIPT], env)

    assert migrate.returncode != 0
    assert (
        f"django.db.utils.OperationalError: The embedded PostgreSQL in {data_dir} did not start:"
    ) in migrate.stderr
    # A request meets it as any database outage: a retryable 503, not a 500.
    assert request.returncode == 0, request.stderr
    assert request.stdout.split("\n")[0] == (
        '503 {"detail": "The service is temporarily unavailable. Try again shortly."}'
    )


REQUEST_SCRIPT = """
import django
django.setup()
from django.test import Client
from django.test.utils import setup_test_environment
setup_test_environment()
response = Client().post(
    "/api/v1/auth/token/",
    {"username": "ada", "password": "x9-unused"},
    content_type="application/json",
)
print(response.status_code, response.content.decode())
"""


SECOND_DIRECTORY_SCRIPT = """
import sys
import django
django.setup()
from django.conf import settings
from django.db import connection
from ops import embedded_postgres

connection.ensure_connection()
try:
    embedded_postgres.get_server(sys.argv[1])
except RuntimeError as error:
    print(error)
"""


@pytest.mark.slow
def test_one_process_cannot_serve_two_data_directories(scratch):
    env = project_env(EMBEDDED_DATABASE_DIR=str(scratch / "pgdata"))

    result = run_project(["-c", SECOND_DIRECTORY_SCRIPT, str(scratch / "other")], env, timeout=60)

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == (
        f"The embedded PostgreSQL already runs from {scratch / 'pgdata'}; one process "
        f"cannot use a second data directory ({scratch / 'other'})."
    )
    assert not (scratch / "other").exists()


@pytest.mark.django_db
def test_dbshell_opens_the_database_in_use(capfd):
    """The test database is not the application's: dbshell must not create that one."""
    call_command("dbshell", "--", "-tAc", "SELECT current_database()")
    assert capfd.readouterr().out.strip() == connection.settings_dict["NAME"]
