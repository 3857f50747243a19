"""Error reports (SENTRY_DSN) reach Sentry without personal data."""

import copy
import gzip
import io
import json
import logging
import secrets
import threading
import wsgiref.util
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import brotli
import pytest
import sentry_sdk
from django.conf import settings
from django.db import connection
from django.test import Client
from psycopg.sql import SQL, Identifier
from sentry_sdk.transport import Transport

from candidates.models import Candidate
from config.wsgi import application
from core.error_reports import start_error_reports
from interviews.models import Interview, InterviewMessage
from tests.dbutils import project_env, run_project

TRANSCRIPT = "My previous employer paid me 91234 euros"
REQUEST_NOTE = "call-me-on-0612345678"
CLIENT_ADDRESS = "203.0.113.77"
DSN = "https://public@sentry.example.com/1"


class CapturingTransport(Transport):
    """Keeps what the SDK would send to Sentry."""

    def __init__(self):
        super().__init__()
        self.envelopes = []

    def capture_envelope(self, envelope):
        self.envelopes.append(envelope)

    def items(self, kind: str) -> list[dict]:
        return [
            item.payload.json
            for envelope in self.envelopes
            for item in envelope.items
            if item.type == kind
        ]

    def everything(self) -> str:
        """Every byte that would leave the process, headers included."""
        return b"".join(envelope.serialize() for envelope in self.envelopes).decode()


@pytest.fixture
def sentry():
    transport = CapturingTransport()
    with sentry_sdk.isolation_scope():
        start_error_reports(
            dsn=DSN,
            environment="test",
            traces_sample_rate=1.0,  # Performance traces too: they carry requests and SQL.
            transport=transport,
        )
        try:
            yield transport
        finally:
            sentry_sdk.flush()
            sentry_sdk.get_global_scope().set_client(None)


@pytest.fixture
def refusing_transcript(transactional_db):
    """PostgreSQL refuses a new message with an error that quotes personal data, as its
    own messages do ("Key (email)=(…) already exists"): the request fails with a 500."""
    tables = {
        "candidates": Identifier(Candidate._meta.db_table),
        "interviews": Identifier(Interview._meta.db_table),
        "messages": Identifier(InterviewMessage._meta.db_table),
    }
    with connection.cursor() as cursor:
        cursor.execute(
            SQL(
                """
                CREATE FUNCTION refuse_message() RETURNS trigger LANGUAGE plpgsql AS $$
                DECLARE who record;
                BEGIN
                  SELECT c.email, c.full_name INTO who FROM {candidates} c
                  JOIN {interviews} i ON i.candidate_id = c.id WHERE i.id = NEW.interview_id;
                  RAISE EXCEPTION 'cannot store % for % <%>',
                    NEW.content_text, who.full_name, who.email;
                END $$;
                CREATE TRIGGER refuse_message BEFORE INSERT ON {messages}
                FOR EACH ROW EXECUTE FUNCTION refuse_message();
                """
            ).format(**tables)
        )
    yield
    with connection.cursor() as cursor:
        cursor.execute("DROP FUNCTION refuse_message() CASCADE")


def serve(method: str, path: str, *, query: str = "", body: bytes = b"", headers: dict) -> str:
    """One request through the WSGI application, as gunicorn makes it; its status line.

    Not Django's test client: Sentry reads the request (method, URL, headers, client
    address) from the WSGI environment, which the test client never builds.
    """
    environ = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.input": io.BytesIO(body),
        "SERVER_NAME": "testserver",
        "SERVER_PORT": "80",
        "REMOTE_ADDR": CLIENT_ADDRESS,
        **{f"HTTP_{name.upper().replace('-', '_')}": value for name, value in headers.items()},
    }
    if "Content-Type" in headers:
        environ["CONTENT_TYPE"] = headers["Content-Type"]
    wsgiref.util.setup_testing_defaults(environ)
    status = []
    response = application(environ, lambda line, headers, exc_info=None: status.append(line))
    try:
        b"".join(response)
    finally:
        response.close()
    return status[0]


def post_a_refused_message(interview, login, candidate) -> tuple[str, bytes, str]:
    """A signed-in staff browser's transcript append that fails with a 500, carrying
    personal data in its query string, cookies, headers and body: (status, body, session)."""
    browser = Client()
    browser.force_login(login)
    session = browser.cookies[settings.SESSION_COOKIE_NAME].value
    csrf = secrets.token_hex(16)
    body = json.dumps({"message_type": "candidate_response", "content_text": TRANSCRIPT}).encode()

    status = serve(
        "POST",
        f"/api/v1/interviews/{interview.pk}/messages/",
        query=f"email={candidate.email}",
        body=body,
        headers={
            "Host": "testserver",
            "Content-Type": "application/json",
            "Cookie": (
                f"{settings.SESSION_COOKIE_NAME}={session}; "
                f"{settings.CSRF_COOKIE_NAME}={csrf}; last_candidate={candidate.email}"
            ),
            "X-CSRFToken": csrf,
            "X-Note": REQUEST_NOTE,
            "X-Forwarded-For": CLIENT_ADDRESS,
            "X-Request-ID": "req-42",
        },
    )
    sentry_sdk.flush()
    return status, body, session


def test_a_failing_request_is_reported_without_personal_data(
    sentry, refusing_transcript, interview_in_progress, admin_user, candidate
):
    status, body, session = post_a_refused_message(interview_in_progress, admin_user, candidate)

    assert status.startswith("500 ")
    sent = sentry.everything()
    for personal in (
        candidate.email,
        candidate.full_name,
        TRANSCRIPT,
        REQUEST_NOTE,
        CLIENT_ADDRESS,
        session,
    ):
        assert personal not in sent
    assert "91234" not in sent

    [error] = [e for e in sentry.items("event") if "exception" in e]
    # What a developer needs is still there: the error, where, and which request.
    assert [e["type"] for e in error["exception"]["values"]] == [
        "RaiseException",
        "ProgrammingError",
    ]
    assert {e["value"] for e in error["exception"]["values"]} == {"[Filtered]"}
    assert error["exception"]["values"][-1]["stacktrace"]["frames"]
    assert error["transaction"] == "/api/v1/interviews/{interview_id}/messages/"
    assert error["tags"]["db.sqlstate"] == "P0001"
    assert error["request"] == {
        "method": "POST",
        "url": f"http://testserver/api/v1/interviews/{interview_in_progress.pk}/messages/",
        "headers": {
            "Content-Length": str(len(body)),
            "Content-Type": "application/json",
            "Host": "testserver",
            "X-Request-Id": "req-42",
        },
    }
    crumbs = error["breadcrumbs"]["values"]
    insert = next(c for c in crumbs if c.get("message", "").startswith('INSERT INTO "interview_'))
    assert "%s" in insert["message"]
    assert "data" not in insert

    [trace] = sentry.items("transaction")
    assert trace["transaction"] == "/api/v1/interviews/{interview_id}/messages/"
    assert trace["request"] == error["request"]
    # Spans keep their SQL text; other descriptions (cache keys, URLs) are dropped.
    described = {span["op"] for span in trace["spans"] if "description" in span}
    assert described == {"db"}
    assert any(
        span["description"].startswith("INSERT") for span in trace["spans"] if span["op"] == "db"
    )
    assert {span["op"] for span in trace["spans"]} > {"db"}


def test_a_constraint_violation_is_reported_by_its_constraint_not_its_values(sentry, candidate):
    logger = logging.getLogger("tests.portal")
    # Log lines with personal arguments become breadcrumbs on the next report.
    logger.warning("Adding %s", candidate.full_name)
    logger.warning(ValueError(candidate.full_name))
    try:
        Candidate.objects.create(email=candidate.email, full_name="Somebody Else")
    except Exception:
        logger.exception("Could not add %s", candidate.email)
    sentry_sdk.flush()

    [error] = sentry.items("event")
    assert candidate.email not in sentry.everything()
    assert candidate.full_name not in sentry.everything()
    assert error["logentry"] == {"message": "Could not add %s"}
    crumbs = [c for c in error["breadcrumbs"]["values"] if c["category"] == "tests.portal"]
    assert [(c["type"], c["level"], c.get("message")) for c in crumbs] == [
        ("log", "warning", "Adding %s"),
        ("log", "warning", None),
    ]
    assert error["tags"]["db.sqlstate"] == "23505"
    assert error["tags"]["db.constraint"] == "candidates_email_ci_unique"


SENTRY_SCRIPT = """
import logging
import django
django.setup()
try:
    raise ValueError("no such candidate: ada.lovelace@example.com")
except ValueError:
    logging.getLogger("portal").exception("Lookup failed for %s", "Ada Lovelace")
"""


class EnvelopeCollector(BaseHTTPRequestHandler):
    received: list[bytes] = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        encoding = self.headers.get("Content-Encoding")
        if encoding == "br":
            body = brotli.decompress(body)
        elif encoding == "gzip":
            body = gzip.decompress(body)
        self.received.append(body)
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def sentry_server():
    """A stand-in for Sentry's ingest endpoint on a local port."""
    EnvelopeCollector.received = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), EnvelopeCollector)
    thread = threading.Thread(target=server.serve_forever)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        thread.join()
        server.server_close()


@pytest.mark.slow
def test_sentry_dsn_turns_error_reports_on(sentry_server):
    port = sentry_server.server_address[1]
    env = project_env(SENTRY_DSN=f"http://public@127.0.0.1:{port}/7", SENTRY_ENVIRONMENT="staging")

    result = run_project(["-c", SENTRY_SCRIPT], env)

    assert result.returncode == 0, result.stderr
    sent = b"".join(EnvelopeCollector.received).decode()
    assert '"type":"ValueError"' in sent.replace(" ", "")
    assert '"environment":"staging"' in sent.replace(" ", "")
    assert "Lookup failed for %s" in sent
    assert "ada.lovelace@example.com" not in sent
    assert "Ada Lovelace" not in sent


def test_without_sentry_dsn_nothing_is_reported():
    result = run_project(
        ["-c", "import django, sentry_sdk; django.setup(); print(sentry_sdk.is_initialized())"],
        project_env(),
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"


@pytest.fixture
def collected(sentry):
    """What the SDK collected, before the hooks rebuild it: the first of the two guards."""
    client = sentry_sdk.get_client()
    raw = {"events": [], "breadcrumbs": []}
    scrub_event, scrub_crumb = client.options["before_send"], client.options["before_breadcrumb"]

    def keep_event(event, hint):
        raw["events"].append(copy.deepcopy(event))
        return scrub_event(event, hint)

    def keep_crumb(crumb, hint):
        raw["breadcrumbs"].append(copy.deepcopy(crumb))
        return scrub_crumb(crumb, hint)

    client.options["before_send"], client.options["before_breadcrumb"] = keep_event, keep_crumb
    return raw


def test_the_sdk_itself_collects_no_user_cookies_body_query_or_values(
    collected, refusing_transcript, interview_in_progress, admin_user, candidate
):
    status, body, _session = post_a_refused_message(interview_in_progress, admin_user, candidate)

    assert status.startswith("500 ")
    [event] = [e for e in collected["events"] if "exception" in e]
    assert "user" not in event
    request = event["request"]
    assert not {"cookies", "data", "query_string"} & set(request)
    shown = {name: value for name, value in request["headers"].items() if value != "[Filtered]"}
    assert shown == {
        "Content-Length": str(len(body)),
        "Content-Type": "application/json",
        "Host": "testserver",
        "X-Request-Id": "req-42",
    }
    frames = [frame for e in event["exception"]["values"] for frame in e["stacktrace"]["frames"]]
    assert frames
    assert not [frame for frame in frames if "vars" in frame]
    queries = [crumb for crumb in collected["breadcrumbs"] if crumb.get("category") == "query"]
    assert queries
    assert not [crumb for crumb in queries if crumb.get("data")]


class ScoringFailed(Exception):
    """An error of the project's own kind: its module is reported."""


def test_a_report_keeps_what_describes_the_code_and_nothing_else(sentry):
    sentry_sdk.set_tag("component", "engine")
    sentry_sdk.set_context("os", {"name": "Linux"})
    sentry_sdk.set_context("candidate", {"note": TRANSCRIPT})
    with sentry_sdk.start_transaction(name="probe"):
        logging.getLogger("tests.portal").warning("Scoring %s", TRANSCRIPT)
        sentry_sdk.capture_exception(ScoringFailed(TRANSCRIPT))  # Never raised: no stack.
    sentry_sdk.flush()

    assert TRANSCRIPT not in sentry.everything()
    [event] = sentry.items("event")
    [trace] = sentry.items("transaction")
    # Sent where SENTRY_DSN says, marked with SENTRY_ENVIRONMENT.
    assert sentry_sdk.get_client().dsn == DSN
    assert event["environment"] == trace["environment"] == "test"
    assert event["tags"] == {"component": "engine"}
    assert event["exception"] == {
        "values": [
            {
                "type": "ScoringFailed",
                "module": __name__,
                "value": "[Filtered]",
                "mechanism": {"type": "generic", "handled": True},
                "stacktrace": {"frames": []},
            }
        ]
    }
    assert set(event["contexts"]) == {"runtime", "os", "trace"}
    assert event["contexts"]["os"] == {"name": "Linux"}
    assert event["contexts"]["trace"]["trace_id"] == trace["contexts"]["trace"]["trace_id"]
    [crumb] = event["breadcrumbs"]["values"]
    assert crumb == {
        "type": "log",
        "category": "tests.portal",
        "level": "warning",
        "timestamp": crumb["timestamp"],
        "message": "Scoring %s",
    }
    assert crumb["timestamp"] <= event["timestamp"]
