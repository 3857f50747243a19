"""Prometheus metrics at /metrics: behind METRICS_TOKEN, free of personal data."""

import threading
import time
import uuid

import pytest
from django.db import IntegrityError, connection, transaction
from django.test import Client
from prometheus_client.parser import text_string_to_metric_families
from rest_framework.test import APIClient

from candidates.models import Candidate
from tests.dbutils import database_url, project_env, run_project

TOKEN = "scrape-me-4f1c9a"


@pytest.fixture
def metrics_token(settings):
    settings.METRICS_TOKEN = TOKEN
    return TOKEN


def scrape(client=None) -> tuple[dict, str]:
    """The metrics as {(sample name, labels): value}, and the page's text."""
    response = (client or Client()).get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 200
    text = response.content.decode()
    samples = {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }
    return samples, text


def value(samples: dict, name: str, **labels) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


# --- The door ----------------------------------------------------------------------


@pytest.mark.parametrize("method", ["get", "post"])
def test_without_metrics_token_the_endpoint_does_not_exist(settings, method):
    settings.METRICS_TOKEN = ""
    response = getattr(Client(), method)("/metrics", headers={"Authorization": "Bearer "})
    assert response.status_code == 404


@pytest.mark.parametrize(
    "authorization",
    [None, "Bearer", "Bearer wrong-token", f"Basic {TOKEN}", f"Bearer {TOKEN}x", TOKEN],
)
def test_metrics_refuse_a_caller_without_the_token(metrics_token, authorization):
    headers = {"Authorization": authorization} if authorization is not None else {}
    response = Client().get("/metrics", headers=headers)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="metrics"'
    assert response["Content-Type"] == "text/plain"
    assert response.content == b"Authentication required.\n"


def test_metrics_answer_the_token(metrics_token):
    response = Client().get("/metrics", headers={"Authorization": f"bearer  {TOKEN} "})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain; version=")
    assert "no-cache" in response["Cache-Control"]


def test_metrics_are_only_read(metrics_token):
    authorization = {"Authorization": f"Bearer {TOKEN}"}

    posted = Client().post("/metrics", headers=authorization)
    head = Client().head("/metrics", headers=authorization)

    assert (posted.status_code, posted["Allow"]) == (405, "GET, HEAD")
    assert head.status_code == 200


# --- Requests ----------------------------------------------------------------------


def test_requests_are_counted_by_view_and_status_without_personal_data(
    metrics_token, admin_api, candidate
):
    before, _ = scrape()

    found = admin_api.get(f"/api/v1/candidates/{candidate.pk}/?search={candidate.email}")
    missing = admin_api.get(f"/api/v1/candidates/{uuid.uuid4()}/")
    nowhere = admin_api.get(f"/no/such/{candidate.email}")

    assert (found.status_code, missing.status_code, nowhere.status_code) == (200, 404, 404)
    after, text = scrape()
    responses = "django_http_responses_total_by_status_view_method_total"
    detail = {"view": "candidate-detail", "method": "GET"}
    assert (
        value(after, responses, status="200", **detail)
        - value(before, responses, status="200", **detail)
        == 1
    )
    assert (
        value(after, responses, status="404", **detail)
        - value(before, responses, status="404", **detail)
        == 1
    )
    unresolved = {"status": "404", "view": "<unnamed view>", "method": "GET"}
    assert value(after, responses, **unresolved) - value(before, responses, **unresolved) == 1
    latency = "django_http_requests_latency_seconds_by_view_method_count"
    assert value(after, latency, **detail) - value(before, latency, **detail) == 2
    # Views by name only: no path, id, query or email reaches a label.
    assert str(candidate.pk) not in text
    assert candidate.email not in text
    assert "/no/such" not in text


# --- Database ----------------------------------------------------------------------


def test_failed_statements_are_counted_by_error_class(metrics_token, candidate):
    before, _ = scrape()

    with pytest.raises(IntegrityError), transaction.atomic():
        Candidate.objects.create(email=candidate.email, full_name="Ada again")

    after, text = scrape()
    labels = {"type": "IntegrityError", "cause": "UniqueViolation"}
    errors = "portal_db_errors_total"
    assert value(after, errors, **labels) - value(before, errors, **labels) == 1
    assert candidate.email not in text


@pytest.fixture
def authenticated(transactional_db, admin_user):
    client = APIClient()
    client.force_authenticate(admin_user)  # Resolved now: the request needs no query for it.
    return client


def test_pool_timeouts_are_counted_and_metrics_answer_while_the_pool_is_exhausted(
    metrics_token, authenticated, exhausted_pool
):
    before, _ = scrape()

    assert authenticated.get("/api/v1/candidates/").status_code == 503

    after, _ = scrape()  # Needs no connection: the only one is held elsewhere.
    timeouts = "portal_db_pool_timeouts_total"
    assert value(after, timeouts) - value(before, timeouts) == 1
    assert value(after, "portal_db_pool_max_connections") == 1
    assert value(after, "portal_db_pool_connections") == 1
    assert value(after, "portal_db_pool_connections_in_use") == 1


@pytest.fixture
def pool_of_one(transactional_db):
    """A pool of one connection, held by another thread until the test releases it."""
    connection.close()
    pool_options = connection.settings_dict["OPTIONS"]["pool"]
    saved = dict(pool_options)
    pool_options.update(min_size=1, max_size=1, timeout=30)
    connection.close_pool()
    held, release = threading.Event(), threading.Event()

    def hold_the_only_connection():
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1")
                held.set()
                release.wait(30)
        finally:
            connection.close()

    holder = threading.Thread(target=hold_the_only_connection)
    holder.start()
    try:
        assert held.wait(30)
        yield release
    finally:
        release.set()
        holder.join(30)
        pool_options.clear()
        pool_options.update(saved)
        connection.close_pool()


def wait_for(condition, seconds: float = 30) -> None:
    """Spin until ``condition()`` holds: it is a fact about the pool, not a delay."""
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "condition never held"


def test_requests_waiting_for_a_connection_are_shown(metrics_token, authenticated, pool_of_one):
    answers = []

    def request_in_line():
        try:
            answers.append(authenticated.get("/api/v1/candidates/").status_code)
        finally:
            connection.close()

    waiter = threading.Thread(target=request_in_line)
    waiter.start()
    try:
        wait_for(lambda: connection.pool.get_stats()["requests_waiting"] == 1)
        during, _ = scrape()
    finally:
        pool_of_one.set()
        waiter.join(30)

    assert value(during, "portal_db_pool_requests_waiting") == 1
    assert value(during, "portal_db_pool_connections_in_use") == 1
    assert answers == [200]
    after, _ = scrape()  # Every connection is back.
    assert value(after, "portal_db_pool_requests_waiting") == 0
    assert value(after, "portal_db_pool_connections_in_use") == 0


def test_a_closed_pool_is_no_longer_reported(metrics_token, authenticated, pool_of_one):
    pool_of_one.set()
    connection.close_pool()  # As a settings change does; the next checkout makes a new one.

    figures, _ = scrape()

    assert value(figures, "portal_db_pool_max_connections") == 0


# --- Several gunicorn workers ------------------------------------------------------

WORKER_SCRIPT = """
import os
import wsgiref.util
import django
django.setup()
from config.wsgi import application
from django.db import DatabaseError, connection
try:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 / 0")
except DatabaseError:
    pass
connection.close()
# A request as gunicorn serves it: its connection goes back to the pool at the end.
environ = {"PATH_INFO": "/readyz"}
wsgiref.util.setup_testing_defaults(environ)
status = []
response = application(environ, lambda line, headers: status.append(line))
b"".join(response)
response.close()
assert status[0].startswith("200 "), status
print(os.getpid())
"""

SCRAPE_SCRIPT = """
import django
django.setup()
from django.test import Client
from django.test.utils import setup_test_environment
setup_test_environment()
response = Client().get("/metrics", headers={"Authorization": "Bearer %s"})
print(response.content.decode())
"""


@pytest.mark.slow
@pytest.mark.django_db
def test_metrics_add_up_across_worker_processes(tmp_path):
    """Under gunicorn each worker counts in files of its own; a scrape adds them up,
    and a worker that exited (gunicorn's child_exit) leaves its counts but not its
    gauges."""
    from prometheus_client import multiprocess

    env = project_env(
        DATABASE_URL=database_url(connection.settings_dict["NAME"]),
        PROMETHEUS_MULTIPROC_DIR=str(tmp_path),
        METRICS_TOKEN=TOKEN,
        ALLOWED_HOSTS="127.0.0.1",
    )
    workers = []
    for pool_size in ("3", "4"):
        worker = run_project(["-c", WORKER_SCRIPT], {**env, "DB_POOL_MAX_SIZE": pool_size})
        assert worker.returncode == 0, worker.stderr
        workers.append(int(worker.stdout))

    def scrape_in_a_third_process() -> dict:
        result = run_project(["-c", SCRAPE_SCRIPT % TOKEN], env)
        assert result.returncode == 0, result.stderr
        return {
            (sample.name, frozenset(sample.labels.items())): sample.value
            for family in text_string_to_metric_families(result.stdout)
            for sample in family.samples
        }

    errors = {"type": "DataError", "cause": "DivisionByZero"}
    both = scrape_in_a_third_process()
    assert value(both, "portal_db_pool_max_connections") == 3 + 4
    assert value(both, "portal_db_pool_connections") >= 2
    # Each worker's last figures are from after its request: nothing lent out.
    assert value(both, "portal_db_pool_connections_in_use") == 0
    assert value(both, "portal_db_errors_total", **errors) == 2

    multiprocess.mark_process_dead(workers[0], str(tmp_path))
    one = scrape_in_a_third_process()
    assert value(one, "portal_db_pool_max_connections") == 4
    assert value(one, "portal_db_errors_total", **errors) == 2
