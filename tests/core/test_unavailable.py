"""A database outage answers 503 wherever in the request it strikes."""

import psycopg
import pytest
from django.db import OperationalError
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
    settings.MIDDLEWARE = [*settings.MIDDLEWARE, "tests.core.test_unavailable.OutageMiddleware"]


def test_an_outage_in_middleware_answers_503(outage_outside_views):
    # Not a probe: those are answered before most middleware (core.middleware).
    response = Client(raise_request_exception=False).get("/admin/login/")
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert response.json() == {
        "detail": "The service is temporarily unavailable. Try again shortly."
    }


def test_other_errors_still_answer_500(settings):
    settings.ROOT_URLCONF = "tests.core.test_unavailable"
    response = Client(raise_request_exception=False).get("/boom")
    assert response.status_code == 500


def _boom(request):
    raise ValueError("a bug, not an outage")


# This module doubles as a URLconf for test_other_errors_still_answer_500.
urlpatterns = [path("boom", _boom)]
handler500 = "core.middleware.server_error"


@pytest.fixture
def superuser_client(transactional_db, admin_user):
    client = APIClient()
    client.force_authenticate(admin_user)  # Resolved now: the request needs no query for it.
    return client


def test_a_view_that_cannot_get_a_connection_answers_503(superuser_client, exhausted_pool):
    """Every pooled connection busy: the view's query fails after the pool's wait."""
    response = superuser_client.get("/api/v1/candidates/")

    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert response.json() == {
        "detail": "The service is temporarily unavailable. Try again shortly."
    }
