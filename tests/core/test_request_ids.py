"""Request IDs: taken from X-Request-ID or made, returned, and on every log line.

The lines are read from the handler the settings configure (LOGGING), formatted as in
production (LOG_FORMAT=json), so a broken filter, formatter or middleware shows here.
The gunicorn access line's format is tested on a record built as gunicorn builds it;
tests/ops/test_production_server.py sees both kinds of line from a real gunicorn.
"""

import io
import json
import logging
import re

import pytest
from django.db import IntegrityError, transaction
from django.http import HttpResponse
from django.urls import path
from gunicorn.glogging import SafeAtoms
from model_bakery import baker

from candidates.models import Candidate
from core.logs import GunicornAccessFormatter, JSONFormatter, RequestIDFilter

GENERATED = re.compile(r"[0-9a-f]{32}")


@pytest.fixture
def log_lines():
    """The JSON lines the configured console handler writes during the test."""
    handler = next(
        handler
        for handler in logging.getLogger().handlers
        if any(isinstance(f, RequestIDFilter) for f in handler.filters)
    )
    stream = io.StringIO()
    previous_stream, previous_formatter = handler.setStream(stream), handler.formatter
    handler.setFormatter(JSONFormatter())
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    handler.setStream(previous_stream)
    handler.setFormatter(previous_formatter)


@pytest.mark.parametrize("request_id", ["3f2a-77", "lb.a1:9_Z", "x" * 128])
def test_the_callers_id_is_returned(client, request_id):
    response = client.get("/healthz", headers={"X-Request-ID": request_id})

    assert response["X-Request-ID"] == request_id


@pytest.mark.parametrize(
    "request_id",
    ["", "x" * 129, "two words", "<script>", "line\nbreak", "caf\u00e9", "a;b"],
)
def test_an_unacceptable_id_is_replaced_by_a_new_one(client, request_id):
    """An ID is written into every line and echoed: no markup, newlines or payloads."""
    response = client.get("/healthz", headers={"X-Request-ID": request_id})

    assert GENERATED.fullmatch(response["X-Request-ID"])


def test_each_request_without_an_id_gets_a_new_one(client):
    first = client.get("/healthz")["X-Request-ID"]
    second = client.get("/healthz")["X-Request-ID"]

    assert GENERATED.fullmatch(first)
    assert GENERATED.fullmatch(second)
    assert first != second


@pytest.mark.django_db
def test_djangos_line_about_a_failed_request_carries_its_id(client, log_lines):
    """Django logs a 4xx after every middleware has returned: the ID must still be set."""
    client.get("/api/v1/no-such-page/", headers={"X-Request-ID": "req-404"})

    assert [
        {key: record[key] for key in ("level", "name", "message", "request_id")}
        for record in log_lines()
    ] == [
        {
            "level": "WARNING",
            "name": "django.request",
            "message": "Not Found: /api/v1/no-such-page/",
            "request_id": "req-404",
        }
    ]


def test_a_line_written_by_a_view_carries_its_id(client, log_lines, settings):
    settings.ROOT_URLCONF = "tests.core.test_request_ids"
    logging.getLogger("core.test").warning("before")
    client.get("/narrated", headers={"X-Request-ID": "req-view"})

    ids = [(record["message"], record["request_id"]) for record in log_lines()]

    assert ids == [("before", None), ("serving", "req-view")]


def _narrated(request):
    logging.getLogger("core.test").warning("serving")
    return HttpResponse()


# This module doubles as a URLconf for test_a_line_written_by_a_view_carries_its_id.
urlpatterns = [path("narrated", _narrated)]


def test_a_line_after_the_response_carries_no_id(client, log_lines):
    client.get("/healthz", headers={"X-Request-ID": "req-done"})
    logging.getLogger("core.test").warning("later")

    assert [record["request_id"] for record in log_lines()] == [None]


def test_a_json_line_has_time_level_logger_message_and_id():
    record = logging.LogRecord("core.test", logging.ERROR, __file__, 1, "%s failed", ("x",), None)
    record.request_id = "req-7"

    line = json.loads(JSONFormatter().format(record))

    assert set(line) == {"time", "level", "name", "message", "request_id"}
    assert line | {"time": None} == {
        "time": None,
        "level": "ERROR",
        "name": "core.test",
        "message": "x failed",
        "request_id": "req-7",
    }


def gunicorn_access_record(atoms: dict) -> logging.LogRecord:
    """The record gunicorn's access logger writes: its atoms are the record's arguments."""
    record = logging.LogRecord("gunicorn.access", logging.INFO, __file__, 1, "%(h)s", (), None)
    record.args = atoms  # As logging does for a single dict argument.
    record.request_id = None  # gunicorn's own lines are outside any request.
    return record


def test_the_access_line_keeps_what_an_operator_needs_and_nothing_personal():
    atoms = {
        "h": "10.0.3.7",
        "m": "GET",
        "U": "/api/v1/candidates/",
        "q": "email=ada@example.com",
        "r": "GET /api/v1/candidates/?email=ada@example.com HTTP/1.1",
        "s": "200",
        "B": 512,
        "M": 12,
        "a": "curl/8.0",
        "f": "https://app.example.com/?name=Ada",
        "{x-request-id}o": "req-9",
        "{authorization}i": "Token secret",
    }

    line = json.loads(GunicornAccessFormatter().format(gunicorn_access_record(atoms)))

    assert line | {"time": None} == {
        "time": None,
        "level": "INFO",
        "name": "gunicorn.access",
        "message": "request",
        "request_id": "req-9",
        "method": "GET",
        "path": "/api/v1/candidates/",
        "status": "200",
        "bytes": 512,
        "duration_ms": 12,
        "remote_addr": "10.0.3.7",
    }


#: An access line's fields before any atom (its time left out).
BARE_ACCESS_LINE = {
    "time": None,
    "level": "INFO",
    "name": "gunicorn.access",
    "message": "request",
    "request_id": None,
}


@pytest.mark.parametrize(
    "atoms",
    [
        # As gunicorn hands them over: a missing atom or header reads "-".
        SafeAtoms({"h": "10.0.3.7", "m": "GET", "U": "/healthz", "s": "200", "B": 0}),
        {"h": "10.0.3.7", "m": "GET", "U": "/healthz", "s": "200", "B": 0, "M": "-"},
    ],
    ids=["missing", "dash"],
)
def test_the_access_line_leaves_out_what_the_request_lacked(atoms):
    line = json.loads(GunicornAccessFormatter().format(gunicorn_access_record(atoms)))

    assert line | {"time": None} == {
        **BARE_ACCESS_LINE,
        "method": "GET",
        "path": "/healthz",
        "status": "200",
        "bytes": 0,
        "remote_addr": "10.0.3.7",
    }


def test_an_access_logger_line_without_atoms_is_written_as_a_bare_request_line():
    record = logging.LogRecord("gunicorn.access", logging.INFO, __file__, 1, "%s", ("x",), None)
    record.request_id = None

    line = json.loads(GunicornAccessFormatter().format(record))

    assert line | {"time": None} == BARE_ACCESS_LINE


@pytest.fixture
def text_lines():
    """The lines the configured console handler writes in development (LOG_FORMAT=text)."""
    from django.conf import settings
    from django.utils.module_loading import import_string

    handler = next(
        handler
        for handler in logging.getLogger().handlers
        if any(isinstance(f, RequestIDFilter) for f in handler.filters)
    )
    text = dict(settings.LOGGING["formatters"]["text"])
    formatter = import_string(text.pop("()"))(**text)
    stream = io.StringIO()
    previous_stream, previous_formatter = handler.setStream(stream), handler.formatter
    handler.setFormatter(formatter)
    yield stream.getvalue
    handler.setStream(previous_stream)
    handler.setFormatter(previous_formatter)


# Personal data a traceback's source lines do not show: only its values would.
EMAIL, NAME = "ada.lovelace@example.com", "Ada Lovelace"


def log_a_refused_duplicate() -> None:
    """A real database error that quotes a person's email address in its message."""
    baker.make(Candidate, email=EMAIL)
    try:
        with transaction.atomic():
            baker.make(Candidate, email=EMAIL)
    except IntegrityError:
        logging.getLogger("core.test").exception("Could not save a candidate")


@pytest.mark.django_db
def test_a_database_error_is_logged_without_the_values_it_quotes(log_lines):
    log_a_refused_duplicate()

    [record] = log_lines()
    assert record["message"] == "Could not save a candidate"
    assert "ada.lovelace" not in json.dumps(record)
    trace = record["exc_info"]
    assert trace.startswith("Traceback (most recent call last):\n")
    assert "psycopg.errors.UniqueViolation sqlstate=23505 constraint=" in trace
    assert re.search(r"\ndjango\.db\.utils\.IntegrityError sqlstate=23505 constraint=\w+$", trace)
    assert "The above exception led to the following exception:" in trace


@pytest.mark.django_db
def test_a_database_error_is_logged_without_its_values_in_development_too(text_lines):
    log_a_refused_duplicate()

    written = text_lines()
    assert "Could not save a candidate" in written
    assert "ada.lovelace" not in written
    assert "django.db.utils.IntegrityError sqlstate=23505" in written


def test_an_exception_is_written_as_its_type_and_stack(log_lines):
    try:
        raise ValueError(NAME)
    except ValueError:
        logging.getLogger("core.test").exception("Scoring failed")

    [record] = log_lines()
    assert "Ada Lovelace" not in record["exc_info"]
    assert record["exc_info"].endswith("builtins.ValueError")
    assert "raise ValueError" in record["exc_info"]  # The stack, with its source lines.


@pytest.mark.django_db
def test_djangos_request_lines_leave_out_the_query_string(client, log_lines):
    client.get("/api/v1/no-such-page/?email=ada.lovelace%40example.com")

    [record] = log_lines()
    assert record["request"] == "GET /api/v1/no-such-page/"
    assert "ada.lovelace" not in json.dumps(record)
