"""A database outage answers 503 wherever in the request it strikes."""

import threading

import psycopg
import pytest
from django.db import OperationalError, connection
from django.test import Client
from django.urls import path
from rest_framework.test import APIClient


class OutageMiddleware:
    """Fails the way Django does when the pool has no connection to give."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        raise OperationalError("couldn't get a connection after 10.00 sec") from (
            psycopg.OperationalError("pool timeout")
        )


@pytest.fixture
def outage_outside_views(settings):
    settings.MIDDLEWARE = [*settings.MIDDLEWARE, "tests.config.test_unavailable.OutageMiddleware"]


def test_an_outage_in_middleware_answers_503(outage_outside_views):
    response = Client(raise_request_exception=False).get("/healthz")
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert response.json() == {
        "detail": "The service is temporarily unavailable. Try again shortly."
    }


def test_other_errors_still_answer_500(settings):
    settings.ROOT_URLCONF = "tests.config.test_unavailable"
    response = Client(raise_request_exception=False).get("/boom")
    assert response.status_code == 500


def _boom(request):
    raise ValueError("a bug, not an outage")


# This module doubles as a URLconf for test_other_errors_still_answer_500.
urlpatterns = [path("boom", _boom)]
handler500 = "config.middleware.server_error"


@pytest.mark.django_db(transaction=True)
def test_a_view_that_cannot_get_a_connection_answers_503(admin_user):
    """Every pooled connection busy: the view's query fails after the pool's wait."""
    client = APIClient()
    client.force_authenticate(admin_user)  # Resolved now: the request needs no query for it.
    connection.close()  # This thread's connection goes back; none is left to take.
    pool = connection.settings_dict["OPTIONS"]["pool"]
    saved = dict(pool)
    pool.update(min_size=1, max_size=1, timeout=0.5)
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
        response = client.get("/api/v1/candidates/")
    finally:
        release.set()
        holder.join(30)
        pool.clear()
        pool.update(saved)
        connection.close_pool()

    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert response.json() == {
        "detail": "The service is temporarily unavailable. Try again shortly."
    }
