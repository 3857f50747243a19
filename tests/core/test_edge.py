"""No request, however malformed, gets a 500 (SPEC §4): requests that cannot be decoded.

A Content-Type header may name any charset. Python cannot decode with most names:
``nonsense`` is unknown, ``rot13`` and ``base64`` are codecs but not charsets, ``idna``
refuses ordinary text. Django let the LookupError, ValueError or UnicodeError through
as a 500, some while it was still building the request (a query string is decoded
then), before any middleware could answer. Every such request gets a 400 and nothing
is read or written: ``{"detail": …}`` on the API, Django's 400 page elsewhere. The
servers' entry points (config/wsgi.py, config/asgi.py) are tested as gunicorn and an
ASGI server call them, since the test client builds its requests itself.
"""

import asyncio
import encodings.aliases
import io
import json
import re
from urllib.parse import urlencode
from wsgiref.util import setup_testing_defaults

import pytest
from django.contrib.auth.models import User
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, connection
from django.test import Client
from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart

from candidates.models import Candidate
from tests.dbutils import table_contents

UNDECODABLE = {
    "detail": "The Content-Type header names a charset this server cannot decode; use UTF-8."
}
UNPARSABLE = {"detail": "The Content-Type header cannot be parsed."}
BAD_REQUEST_PAGE = b"<h1>Bad Request (400)</h1>"

#: Unknown names, codecs that are not charsets, and Python's text codecs that fail on
#: ordinary input (UnicodeError rather than UnicodeDecodeError, no errors="replace") or
#: read backslashes as escapes.
UNDECODABLE_CHARSETS = [
    "nonsense",
    "rot13",
    "base64",
    "zlib",
    "idna",
    "punycode",
    "undefined",
    "unicode_escape",
    "raw_unicode_escape",
]

PASSWORD = "c0rrect-horse-battery"  # pragma: allowlist secret
CSRF_SECRET = "k" * 32


@pytest.fixture
def staff(db) -> User:
    return User.objects.create_user("ada", password=PASSWORD, is_staff=True)


def database_rows() -> dict:
    connection.ensure_connection()
    return table_contents(connection.connection)


def admin_login(body_format: str, charset: str):
    """A valid admin login (credentials, CSRF cookie and token) in the given charset."""
    client = Client(enforce_csrf_checks=True)
    client.cookies["csrftoken"] = CSRF_SECRET
    fields = {"username": "ada", "password": PASSWORD, "csrfmiddlewaretoken": CSRF_SECRET}
    if body_format == "form":
        body, content_type = urlencode(fields), "application/x-www-form-urlencoded"
    else:
        body, content_type = encode_multipart(BOUNDARY, fields), MULTIPART_CONTENT
    return client.generic(
        "POST", "/admin/login/", body, content_type=f"{content_type}; charset={charset}"
    )


@pytest.mark.parametrize("body_format", ["form", "multipart"])
def test_the_admin_login_works_in_utf_8(staff, body_format):
    """The requests below are refused for their charset alone."""
    response = admin_login(body_format, "utf-8")

    assert response.status_code == 302
    assert response.cookies["sessionid"].value


@pytest.mark.parametrize("body_format", ["form", "multipart"])
@pytest.mark.parametrize("charset", UNDECODABLE_CHARSETS)
def test_the_admin_login_refuses_an_undecodable_charset(staff, body_format, charset):
    before = database_rows()

    response = admin_login(body_format, charset)

    assert response.status_code == 400
    assert BAD_REQUEST_PAGE in response.content
    assert "sessionid" not in response.cookies
    assert database_rows() == before


def create_candidate(api, charset: str):
    body = b'{"email": "grace@example.com", "full_name": "Grace Hopper"}'
    return api.generic(
        "POST", "/api/v1/candidates/", body, content_type=f"application/json; charset={charset}"
    )


def test_the_api_reads_json_in_utf_8(admin_api):
    """The requests below are refused for their charset alone."""
    assert create_candidate(admin_api, "utf-8").status_code == 201


@pytest.mark.parametrize("charset", UNDECODABLE_CHARSETS)
def test_the_api_refuses_an_undecodable_charset(admin_api, charset):
    before = database_rows()

    response = create_candidate(admin_api, charset)

    assert (response.status_code, response.json()) == (400, UNDECODABLE)
    assert not Candidate.objects.exists()
    assert database_rows() == before


def test_the_token_endpoint_refuses_an_undecodable_charset(api_client, staff):
    body = f'{{"username": "ada", "password": "{PASSWORD}"}}'.encode()
    before = database_rows()

    refused = api_client.generic(
        "POST", "/api/v1/auth/token/", body, content_type="application/json; charset=rot13"
    )
    assert (refused.status_code, refused.json()) == (400, UNDECODABLE)
    assert database_rows() == before

    accepted = api_client.generic(
        "POST", "/api/v1/auth/token/", body, content_type="application/json; charset=utf-8"
    )
    assert accepted.status_code == 200
    assert accepted.json()["token"]


# --- Through the servers' entry points ---------------------------------------------------
# No database mark: pytest-django fails any database access, so these requests are
# answered without reading or writing anything.


def serve_wsgi(method, path, query="", headers=(), body=b""):
    """Call config.wsgi:application as gunicorn does: (status, headers, body)."""
    from config.wsgi import application

    environ = {}
    setup_testing_defaults(environ)
    environ.update(
        REQUEST_METHOD=method,
        PATH_INFO=path,
        QUERY_STRING=query,
        CONTENT_LENGTH=str(len(body)),
        HTTP_HOST="testserver",
    )
    environ["wsgi.input"] = io.BytesIO(body)
    for name, value in headers:
        key = name.upper().replace("-", "_")
        # WSGI servers hand header bytes over as Latin-1 text.
        value = value.decode("latin-1")
        environ[key if key == "CONTENT_TYPE" else f"HTTP_{key}"] = value
    started = {}

    def start_response(status, response_headers, exc_info=None):
        started.update(status=int(status.split()[0]), headers=dict(response_headers))

    # As the test client does: the handler would otherwise close this thread's
    # connection after the request, test transaction and all.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        content = b"".join(application(environ, start_response))
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)
    return started["status"], started["headers"], content


def serve_asgi(method, path, query="", headers=(), body=b""):
    """Call config.asgi:application as an ASGI server does: (status, headers, body)."""
    from config.asgi import application

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "root_path": "",
        "query_string": query.encode("latin-1"),
        "headers": [(b"host", b"testserver"), *((n.lower().encode(), v) for n, v in headers)],
        "server": ("testserver", 80),
    }
    sent, requests = [], [{"type": "http.request", "body": body, "more_body": False}]

    async def serve():
        answered = asyncio.Event()

        async def receive():
            if requests:
                return requests.pop()
            await answered.wait()
            return {"type": "http.disconnect"}

        async def send(message):
            sent.append(message)
            if message["type"] == "http.response.body" and not message.get("more_body"):
                answered.set()

        await application(scope, receive, send)

    asyncio.run(serve())
    start, content = sent[0], b"".join(m.get("body", b"") for m in sent[1:])
    response_headers = {name.decode(): value.decode() for name, value in start["headers"]}
    return start["status"], response_headers, content


SERVERS = [pytest.param(serve_wsgi, id="wsgi"), pytest.param(serve_asgi, id="asgi")]


@pytest.mark.parametrize("serve", SERVERS)
@pytest.mark.parametrize(
    ("content_type", "answer"),
    [
        # Django looks the charset up and decodes the query string in it while it
        # builds the request: LookupError, UnicodeError, ValueError (a NUL).
        (b"text/plain; charset=rot13", UNDECODABLE),
        (b"text/plain; charset=idna", UNDECODABLE),
        (b"text/plain; charset=utf-8\x00", UNDECODABLE),
        # An RFC 2231 parameter in an unknown charset: the header itself cannot be read.
        (b"text/plain; charset*=nonsense''utf-8", UNPARSABLE),
    ],
)
def test_the_api_answers_400_where_django_could_not_build_the_request(serve, content_type, answer):
    status, headers, content = serve(
        "GET", "/api/v1/candidates/", "page=2&search=%C3%A9", [("Content-Type", content_type)]
    )

    assert status == 400
    assert headers["Content-Type"] == "application/json"
    assert json.loads(content) == answer
    # Answered inside the middleware stack: the request has its ID like any other.
    assert headers["X-Request-ID"]


@pytest.mark.parametrize("serve", SERVERS)
def test_a_request_without_a_content_type_is_served(serve):
    status, _headers, content = serve("GET", "/healthz")

    assert (status, json.loads(content)) == (200, {"status": "ok"})


@pytest.mark.parametrize("serve", SERVERS)
@pytest.mark.parametrize(
    "content_type",
    [
        b"application/x-www-form-urlencoded; charset=rot13",
        b"application/x-www-form-urlencoded; charset*=nonsense''utf-8",
    ],
)
def test_the_admin_answers_400_where_django_could_not_build_the_request(serve, content_type):
    status, headers, content = serve(
        "POST",
        "/admin/login/",
        "next=%2Fadmin%2F",
        [("Content-Type", content_type), ("Cookie", f"csrftoken={CSRF_SECRET}".encode())],
        f"username=ada&password=x&csrfmiddlewaretoken={CSRF_SECRET}".encode(),
    )

    assert status == 400
    assert headers["Content-Type"] == "text/html; charset=utf-8"
    assert BAD_REQUEST_PAGE in content


#: Every codec name Python knows, and names it does not.
EVERY_CHARSET = sorted(
    {*encodings.aliases.aliases, *encodings.aliases.aliases.values()}
    | {*UNDECODABLE_CHARSETS, "", "utf-8\x00", "utf-8", "latin-1", "x-mac-japanese"}
)


def test_no_charset_reaches_a_500():
    """A multipart login whose charset decodes is read (and refused for its CSRF token:
    403); one that cannot be decoded is refused before it is read (400)."""
    body = (
        f"--{BOUNDARY}\r\n"
        'Content-Disposition: form-data; name="username\xe9"\r\n\r\n'
        "ada\\x\xff\r\n"
        f"--{BOUNDARY}--\r\n"
    ).encode("latin-1")
    statuses = {}
    for charset in EVERY_CHARSET:
        content_type = f"{MULTIPART_CONTENT}; charset={charset}".encode("latin-1")
        status, _headers, _content = serve_wsgi(
            "POST",
            "/admin/login/",
            "next=%2Fadmin%2F%FF&\xe9",
            [("Content-Type", content_type), ("Cookie", f"csrftoken={CSRF_SECRET}".encode())],
            body,
        )
        statuses[charset] = status

    assert set(statuses.values()) == {400, 403}
    assert {charset for charset, status in statuses.items() if status == 400} >= {
        *UNDECODABLE_CHARSETS,
        "",
        "utf-8\x00",
    }
    assert statuses["utf-8"] == statuses["latin-1"] == statuses["x-mac-japanese"] == 403


@pytest.mark.parametrize(
    ("header", "value"),
    [
        ("Cookie", b"csrftoken=\xff\xfe; sessionid=\xff"),
        ("Accept", b"\xff/\xff, text/html; q*=nonsense''1, application/json"),
        ("Accept-Language", b"\xff;q=abc"),
        ("User-Agent", b"\xff\xfe\x80"),
        ("Referer", b"http://[::1"),
        ("X-Request-ID", b"\xff" * 200),
        ("X-Forwarded-For", b"\xff, , not-an-address"),
        ("If-None-Match", b"\xff"),
    ],
)
def test_undecodable_header_bytes_are_no_error(header, value):
    status, _headers, content = serve_wsgi("GET", "/api/v1/candidates/", headers=[(header, value)])

    assert (status, json.loads(content)) == (
        401,
        {"detail": "Authentication credentials were not provided."},
    )


#: The site's entry points outside the OpenAPI document, and an admin change page.
OTHER_PATHS = [
    "/healthz",
    "/readyz",
    "/metrics",
    "/api/schema/",
    "/api/docs/",
    "/admin/",
    "/admin/login/",
    "/admin/candidates/candidate/",
    "/admin/candidates/candidate/{id}/change/",
    "/no-such-page/",
]
EVERY_METHOD = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE"]


def every_path() -> list[str]:
    from drf_spectacular.generators import SchemaGenerator

    documented = SchemaGenerator().get_schema(request=None, public=True)["paths"]
    return sorted(documented) + OTHER_PATHS


@pytest.mark.parametrize("signed_in", [False, True], ids=["anonymous", "superuser"])
def test_no_method_on_any_path_is_a_500(db, signed_in, settings):
    """Every path, every method, empty body, an unknown id: a 4xx or a 2xx, never a 5xx."""
    settings.METRICS_TOKEN = "scrape"
    client = Client(raise_request_exception=False)
    if signed_in:
        client.force_login(User.objects.create_superuser("root", password=PASSWORD))
    unknown = "00000000-0000-4000-8000-000000000000"
    answers = {}
    for template in every_path():
        path = re.sub(r"\{[^}]+\}", unknown, template)
        for method in EVERY_METHOD:
            answers[method, path] = client.generic(method, path).status_code

    assert {request: status for request, status in answers.items() if status >= 500} == {}
    # The sweep reached the views: unknown ids are 404s, the docs refuse OPTIONS.
    assert answers["GET", f"/api/v1/candidates/{unknown}/"] == (404 if signed_in else 401)
    assert answers["OPTIONS", "/api/docs/"] == 405
