"""The connection pool under pressure: bounded waits, no leaks, no deadlocks."""

import json

import pytest
from django.db import connection

from tests.dbutils import database_url, project_env, run_project

POOL_SCRIPT = """
import json, threading, time
from concurrent.futures import ThreadPoolExecutor

import django
django.setup()
from django.db import connection, connections
from django.http import HttpResponse
from django.test import Client, override_settings
from django.test.utils import setup_test_environment
from django.urls import path


def probe(request):
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_sleep(0.005)")
    return HttpResponse("ok")


urlpatterns = [path("probe", probe)]
setup_test_environment()
report = {}

with override_settings(ROOT_URLCONF="__main__"):
    # 1. Every pooled connection is busy: a request waits DB_POOL_TIMEOUT, then 503.
    pool_size = connections["default"].settings_dict["OPTIONS"]["pool"]["max_size"]
    all_held, release = threading.Barrier(pool_size + 1), threading.Event()

    def hold_a_connection():
        with connections["default"].cursor() as cursor:
            cursor.execute("SELECT 1")
            all_held.wait(10)
            release.wait(30)
        connections["default"].close()

    holders = [threading.Thread(target=hold_a_connection) for _ in range(pool_size)]
    for holder in holders:
        holder.start()
    all_held.wait(10)
    started = time.monotonic()
    response = Client().get("/probe")
    report["exhausted"] = [response.status_code, response.get("Retry-After"),
                           round(time.monotonic() - started, 1)]
    release.set()
    for holder in holders:
        holder.join()

    # 2. 60 concurrent requests over a small pool: all served, none lost.
    def one_request(_):
        try:
            return Client().get("/probe").status_code
        finally:
            connections.close_all()

    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=60) as executor:
        codes = list(executor.map(one_request, range(60)))
    report["burst"] = [codes.count(200), round(time.monotonic() - started, 1)]

    # 3. Afterwards every connection is back in the pool.
    stats = connections["default"].pool.get_stats()
    report["after"] = [stats["pool_size"] - stats["pool_available"]]
print(json.dumps(report))
"""


@pytest.mark.slow
@pytest.mark.django_db
def test_pool_exhaustion_answers_503_and_a_burst_is_served_without_leaks():
    env = project_env(
        DATABASE_URL=database_url(connection.settings_dict["NAME"]),
        DB_POOL_MIN_SIZE="1",
        DB_POOL_MAX_SIZE="4",
        DB_POOL_TIMEOUT="3",
    )
    result = run_project(["-c", POOL_SCRIPT], env, timeout=120)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout.strip().splitlines()[-1])

    status, retry_after, waited = report["exhausted"]
    assert (status, retry_after) == (503, "5")
    assert 2.9 <= waited < 8  # Waited DB_POOL_TIMEOUT, not forever.
    served, _seconds = report["burst"]
    assert served == 60
    assert report["after"] == [0]  # No connection leaked.
