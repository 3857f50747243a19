"""DB_STATEMENT_TIMEOUT_MS: the server cancels a runaway statement; the request answers 503."""

import json
from urllib.parse import quote

import pytest
from django.db import connection

from candidates.models import Candidate
from tests.dbutils import admin_connect, database_url, project_env, run_project

SHOW_SCRIPT = """
import json
import django
django.setup()
from django.db import connection
with connection.cursor() as cursor:
    cursor.execute("SHOW statement_timeout")
    statement_timeout = cursor.fetchone()[0]
    cursor.execute("SHOW lock_timeout")
    lock_timeout = cursor.fetchone()[0]
print(json.dumps([statement_timeout, lock_timeout]))
"""


def server_settings(env: dict[str, str]) -> list[str]:
    result = run_project(["-c", SHOW_SCRIPT], project_env(**env))
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("variables", "expected"),
    [
        ({}, "15s"),
        ({"DB_STATEMENT_TIMEOUT_MS": "250"}, "250ms"),
        ({"DB_STATEMENT_TIMEOUT_MS": "0"}, "0"),
    ],
)
def test_every_connection_gets_the_statement_timeout(variables, expected):
    url = database_url(connection.settings_dict["NAME"])

    assert server_settings({"DATABASE_URL": url, **variables}) == [expected, "0"]


@pytest.mark.django_db
def test_server_options_in_database_url_are_kept():
    url = database_url(connection.settings_dict["NAME"])
    # The embedded server's URL has a query string already (its socket directory).
    url += ("&" if "?" in url else "?") + "options=" + quote("-c lock_timeout=1234")

    assert server_settings({"DATABASE_URL": url}) == ["15s", "1234ms"]


@pytest.mark.slow
def test_the_embedded_server_gets_the_statement_timeout_too(tmp_path):
    variables = {
        "EMBEDDED_DATABASE_DIR": str(tmp_path / "pgdata"),
        "DB_STATEMENT_TIMEOUT_MS": "250",
    }

    assert server_settings(variables) == ["250ms", "0"]


REQUEST_SCRIPT = """
import json
import django
django.setup()
from django.contrib.auth.models import User
from django.test.utils import setup_test_environment
from rest_framework.test import APIClient
setup_test_environment()
client = APIClient()
client.force_authenticate(User.objects.get(username="admin"))
response = client.get("/api/v1/candidates/")
metrics = client.get("/metrics", headers={"Authorization": "Bearer t0ken"}).content.decode()
counted = [line for line in metrics.splitlines() if line.startswith("portal_db_errors_total{")]
print(json.dumps({
    "status": response.status_code,
    "retry_after": response.get("Retry-After"),
    "counted": counted,
}))
"""


@pytest.mark.slow
def test_a_statement_over_the_timeout_answers_503(transactional_db, admin_user):
    """A query stuck behind a lock (a runaway migration, a forgotten transaction) is
    cancelled by the server after DB_STATEMENT_TIMEOUT_MS: a 503, not a hung worker."""
    env = project_env(
        DATABASE_URL=database_url(connection.settings_dict["NAME"]),
        DB_STATEMENT_TIMEOUT_MS="300",
        METRICS_TOKEN="t0ken",
    )
    with admin_connect(connection.settings_dict["NAME"]) as locker, locker.transaction():
        locker.execute(f'LOCK TABLE "{Candidate._meta.db_table}" IN ACCESS EXCLUSIVE MODE')
        result = run_project(["-c", REQUEST_SCRIPT], env)

    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout.splitlines()[-1])
    assert answer["status"] == 503
    assert answer["retry_after"] == "5"
    assert answer["counted"] == [
        'portal_db_errors_total{cause="QueryCanceled",type="OperationalError"} 1.0'
    ]
    # The log says what happened by its SQLSTATE (57014, query_canceled): exception
    # messages stay out of the logs (core/logs.py).
    assert "psycopg.errors.QueryCanceled sqlstate=57014" in result.stderr
