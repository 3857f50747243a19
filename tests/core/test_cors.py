"""Cross-origin calls: the listed origins (CORS_ALLOWED_ORIGINS) may call the API.

Browsers ask first (a preflight OPTIONS) before a call that carries a token or JSON,
and let a page read an answer only when it names the page's origin. Nothing is
listed by default, credentials (cookies) are never allowed, and the admin and the
probes never answer cross-origin.
"""

import pytest

from tests.dbutils import project_env, run_project

APP = "https://app.example.com"
ELSEWHERE = "https://evil.example.com"

ALLOW_ORIGIN = "access-control-allow-origin"
CORS_HEADERS = {
    ALLOW_ORIGIN,
    "access-control-allow-credentials",
    "access-control-allow-headers",
    "access-control-allow-methods",
    "access-control-expose-headers",
    "access-control-max-age",
}


@pytest.fixture
def app_origin(settings):
    settings.CORS_ALLOWED_ORIGINS = [APP]


def preflight(client, path, origin, method="POST"):
    return client.options(
        path,
        HTTP_ORIGIN=origin,
        HTTP_ACCESS_CONTROL_REQUEST_METHOD=method,
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS=(
            "authorization, content-type, idempotency-key, if-match, x-request-id"
        ),
    )


def cors_headers(response) -> dict[str, str]:
    """The response's CORS headers, by lower-case name."""
    headers = {name.lower(): value for name, value in response.headers.items()}
    return {name: value for name, value in headers.items() if name in CORS_HEADERS}


def test_a_preflight_from_the_app_may_send_what_the_api_reads(client, app_origin):
    response = preflight(client, "/api/v1/interviews/", APP)

    assert response.status_code == 200
    assert cors_headers(response) == {
        ALLOW_ORIGIN: APP,
        "access-control-allow-headers": (
            "accept, authorization, content-type, idempotency-key, if-match, x-request-id"
        ),
        "access-control-allow-methods": "DELETE, GET, OPTIONS, PATCH, POST, PUT",
        "access-control-expose-headers": "ETag, Retry-After, X-Request-ID",
        "access-control-max-age": "86400",
    }


def test_the_app_may_read_an_answer_and_its_request_id(admin_api, app_origin, candidate):
    response = admin_api.get("/api/v1/candidates/", HTTP_ORIGIN=APP)

    assert response.status_code == 200
    assert response.json()["count"] == 1
    assert cors_headers(response) == {
        ALLOW_ORIGIN: APP,
        "access-control-expose-headers": "ETag, Retry-After, X-Request-ID",
    }
    assert response["X-Request-ID"]
    # Caches must not hand one origin's answer to another.
    assert "origin" in response["Vary"].lower()


@pytest.mark.django_db
def test_no_cookies_cross_origin(client, app_origin):
    """Token only: the browser sends no session cookie and shows no answer made with one."""
    assert "Access-Control-Allow-Credentials" not in preflight(client, "/api/v1/candidates/", APP)
    assert "Access-Control-Allow-Credentials" not in client.get(
        "/api/v1/candidates/", HTTP_ORIGIN=APP
    )


@pytest.mark.django_db
def test_other_origins_get_no_cors_headers(client, app_origin):
    refused_preflight = preflight(client, "/api/v1/candidates/", ELSEWHERE)
    refused_call = client.get("/api/v1/candidates/", HTTP_ORIGIN=ELSEWHERE)

    assert cors_headers(refused_preflight) == {}
    assert refused_call.status_code == 401
    assert cors_headers(refused_call) == {}


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/admin/login/", "/healthz", "/readyz"])
def test_only_the_api_answers_cross_origin(client, app_origin, path):
    assert cors_headers(client.get(path, HTTP_ORIGIN=APP)) == {}
    assert cors_headers(preflight(client, path, APP, method="GET")) == {}


PREFLIGHTS = """
import django
django.setup()
from django.test import Client
from django.test.utils import setup_test_environment
setup_test_environment()
for origin in ("https://app.example.com", "https://staging.example.com:8443",
               "https://evil.example.com"):
    response = Client().options(
        "/api/v1/candidates/", HTTP_ORIGIN=origin, HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET"
    )
    print(origin, response.status_code, response.headers.get("Access-Control-Allow-Origin"))
"""


def test_no_origin_is_allowed_by_default():
    env = project_env()
    env.pop("CORS_ALLOWED_ORIGINS", None)

    result = run_project(["-c", PREFLIGHTS], env)

    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "https://app.example.com 200 None",
        "https://staging.example.com:8443 200 None",
        "https://evil.example.com 200 None",
    ]


def test_the_allowed_origins_come_from_the_environment():
    env = project_env(
        CORS_ALLOWED_ORIGINS="https://app.example.com,https://staging.example.com:8443"
    )

    result = run_project(["-c", PREFLIGHTS], env)

    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "https://app.example.com 200 https://app.example.com",
        "https://staging.example.com:8443 200 https://staging.example.com:8443",
        "https://evil.example.com 200 None",
    ]
