"""SLOW_QUERY_MS: slow statements are logged with their SQL and duration, never their values."""

import json
import logging
import threading

import pytest
from django.contrib.auth.models import User
from django.db import DataError, connection, connections, transaction
from django.test import Client
from psycopg.sql import SQL, Literal

from core.logs import JSONFormatter

SLOW_LOGGER = "core.db.slow_query"
# A parameter value that must never reach the log: it stands for a candidate's data.
PARAMETER = "grace.hopper@example.com"
ROOT_PASSWORD = "correct-horse-9"  # pragma: allowlist secret


@pytest.fixture
def slow_query_log(caplog):
    caplog.set_level(logging.WARNING, logger=SLOW_LOGGER)
    return lambda: [r for r in caplog.records if r.name == SLOW_LOGGER]


def run(sql, params=None) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_a_slow_query_is_logged_with_its_sql_and_duration_not_its_parameters(
    settings, db, slow_query_log
):
    settings.SLOW_QUERY_MS = 100

    run("SELECT pg_sleep(0.2) WHERE %s <> ''", [PARAMETER])

    [record] = slow_query_log()
    assert record.levelno == logging.WARNING
    assert record.duration_ms >= 200
    line = json.loads(JSONFormatter().format(record))
    assert line["level"] == "WARNING"
    assert line["name"] == SLOW_LOGGER
    assert line["duration_ms"] == record.duration_ms
    assert line["message"] == (
        f"Slow query ({record.duration_ms} ms): SELECT pg_sleep(0.2) WHERE %s <> ''"
    )
    assert PARAMETER not in JSONFormatter().format(record)


def test_a_failed_slow_query_is_logged_too(settings, db, slow_query_log):
    settings.SLOW_QUERY_MS = 100

    failing = "SELECT 1 / (count(*) - 1) FROM pg_sleep(0.2) WHERE %s <> ''"
    with pytest.raises(DataError, match="division by zero"), transaction.atomic():
        run(failing, [PARAMETER])

    [record] = slow_query_log()
    assert record.getMessage() == f"Slow query ({record.duration_ms} ms): {failing}"
    assert PARAMETER not in record.getMessage()


def test_a_composed_query_is_logged_without_its_literals(settings, db, slow_query_log):
    settings.SLOW_QUERY_MS = 100

    run(SQL("SELECT pg_sleep(0.2) WHERE {} <> ''").format(Literal(PARAMETER)))

    [record] = slow_query_log()
    assert record.getMessage() == f"Slow query ({record.duration_ms} ms): <Composed query>"


def test_quick_queries_are_not_logged(settings, db, slow_query_log):
    settings.SLOW_QUERY_MS = 10_000

    run("SELECT pg_sleep(0.05)")

    assert slow_query_log() == []


def test_zero_turns_the_log_off(settings, db, slow_query_log):
    settings.SLOW_QUERY_MS = 0

    run("SELECT pg_sleep(0.05)")

    assert slow_query_log() == []


def test_the_watch_goes_on_once_however_often_the_pool_lends_the_connection(
    settings, transactional_db, slow_query_log
):
    """The pool lends a thread's connection afresh for each request
    (connection_created fires each time): a slow query is still logged once."""
    for _ in range(3):
        run("SELECT 1")
        connection.close()  # Back to the pool; the next query borrows again.
    settings.SLOW_QUERY_MS = 100

    run("SELECT pg_sleep(0.2)")

    assert len(slow_query_log()) == 1


def test_slow_queries_are_counted_in_the_metrics(settings, db, slow_query_log):
    settings.METRICS_TOKEN = "t0ken"
    settings.SLOW_QUERY_MS = 100

    def slow_queries() -> float:
        page = Client().get("/metrics", headers={"Authorization": "Bearer t0ken"})
        for line in page.content.decode().splitlines():
            if line.startswith("portal_db_slow_queries_total "):
                return float(line.split()[1])
        raise AssertionError("portal_db_slow_queries_total is missing")

    before = slow_queries()
    run("SELECT pg_sleep(0.2)")

    assert slow_queries() == before + 1


def test_a_connection_first_opened_inside_the_audit_context_outlives_it(transactional_db):
    """A threaded server gives each request a new thread, so a new connection, first
    opened inside the audit trail's context (HistoryMiddleware). When the context
    ends, the session is still saved after it: the login must not fail there."""
    User.objects.create_superuser("root", "root@example.com", ROOT_PASSWORD)
    outcome = {}

    def log_in() -> None:
        try:
            outcome["response"] = Client().post(
                "/admin/login/",
                {"username": "root", "password": ROOT_PASSWORD, "next": "/admin/"},
            )
        finally:
            connections.close_all()

    thread = threading.Thread(target=log_in)
    thread.start()
    thread.join()

    assert outcome["response"].status_code == 302
    assert outcome["response"]["Location"] == "/admin/"
