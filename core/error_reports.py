"""Error reports to Sentry (SENTRY_DSN), with personal data left out.

The SDK is told to collect little: no user, cookies, query strings, request bodies,
SQL parameters or local variables. The hooks below are the guarantee: every event
and breadcrumb is rebuilt from a list of fields that describe the code, not the
data — exception types and stack frames, the route, the request's method and path,
a log message's template (not its arguments), SQL text (not its parameters).
Exception messages are dropped: a database error quotes the values it refused
("Key (email)=(…) already exists"), so its SQLSTATE and constraint name are sent
instead. Free-form messages (``capture_message``) are dropped for the same reason.
"""

import sentry_sdk
from sentry_sdk.integrations.django import DjangoIntegration

from core.logs import database_diagnostics

FILTERED = "[Filtered]"

_EVENT_FIELDS = (
    "event_id",
    "type",
    "timestamp",
    "start_timestamp",
    "level",
    "logger",
    "platform",
    "release",
    "dist",
    "environment",
    "server_name",
    "transaction",
    "transaction_info",
    "tags",
    "sdk",
    "modules",
    "breadcrumbs",  # Each one already rebuilt by scrub_breadcrumb.
)
_FRAME_FIELDS = (
    "filename",
    "abs_path",
    "module",
    "function",
    "lineno",
    "colno",
    "in_app",
    "pre_context",
    "context_line",
    "post_context",
)
_MECHANISM_FIELDS = ("type", "handled", "source", "exception_id", "parent_id")
_TRACE_FIELDS = ("trace_id", "span_id", "parent_span_id", "op", "status", "origin")
_SPAN_FIELDS = (*_TRACE_FIELDS, "start_timestamp", "timestamp", "same_process_as_parent")
_REQUEST_HEADERS = ["accept", "content-length", "content-type", "host", "x-request-id"]


def start_error_reports(
    *,
    dsn: str,
    environment: str,
    traces_sample_rate: float = 0.0,
    transport=None,
) -> None:
    """Turn on Sentry for this process."""
    sentry_sdk.init(
        dsn=dsn,
        environment=environment,
        traces_sample_rate=traces_sample_rate,
        integrations=[DjangoIntegration()],
        # What the SDK collects of its own accord (it supersedes send_default_pii).
        data_collection={
            "user_info": False,
            "cookies": {"mode": "off"},
            "http_headers": {"request": {"mode": "allowlist", "terms": _REQUEST_HEADERS}},
            "http_bodies": [],
            "url_query_params": {"mode": "off"},
            "database_query_data": False,
            "queues": False,
            "gen_ai": {"inputs": False, "outputs": False},
            "graphql": {"document": False, "variables": False},
            "stack_frame_variables": False,
        },
        before_send=scrub_event,
        before_send_transaction=scrub_event,
        before_breadcrumb=scrub_breadcrumb,
        transport=transport,
    )


def scrub_event(event: dict, hint: dict) -> dict:
    """The event with only the fields that describe the code (before_send)."""
    kept = {field: event[field] for field in _EVENT_FIELDS if field in event}
    if "exception" in event:
        kept["exception"] = {"values": [_exception(e) for e in event["exception"]["values"]]}
    if "request" in event:
        kept["request"] = _request(event["request"])
    template = event.get("logentry", {}).get("message")
    if isinstance(template, str):
        kept["logentry"] = {"message": template}
    contexts = event.get("contexts", {})
    kept["contexts"] = {name: contexts[name] for name in ("runtime", "os") if name in contexts} | {
        "trace": _pick(contexts.get("trace", {}), _TRACE_FIELDS)
    }
    if "spans" in event:
        kept["spans"] = [_span(span) for span in event["spans"]]
    kept["tags"] = {**kept.get("tags", {}), **_database_tags(hint.get("exc_info"))}
    return kept


def scrub_breadcrumb(crumb: dict, hint: dict | None) -> dict:
    """The breadcrumb without its data: log templates, SQL text (before_breadcrumb)."""
    kept = _pick(crumb, ("type", "category", "level", "timestamp"))
    record = (hint or {}).get("log_record")
    if record is not None:
        if isinstance(record.msg, str):
            kept["message"] = record.msg
    elif crumb.get("category") == "query":
        # The statement with its placeholders; the parameters are in "data", dropped.
        kept["message"] = crumb.get("message")
    return kept


def _pick(source: dict, fields) -> dict:
    return {field: source[field] for field in fields if field in source}


def _exception(exception: dict) -> dict:
    kept = _pick(exception, ("type", "module"))
    kept["value"] = FILTERED
    kept["mechanism"] = _pick(exception.get("mechanism", {}), _MECHANISM_FIELDS)
    frames = exception.get("stacktrace", {}).get("frames", [])
    kept["stacktrace"] = {"frames": [_pick(frame, _FRAME_FIELDS) for frame in frames]}
    return kept


def _request(request: dict) -> dict:
    kept = _pick(request, ("method", "url"))  # The URL without its query string.
    kept["headers"] = {
        name: value
        for name, value in request.get("headers", {}).items()
        if name.lower() in _REQUEST_HEADERS
    }
    return kept


def _span(span: dict) -> dict:
    kept = _pick(span, _SPAN_FIELDS)
    # A SQL span's description is the statement's text; others' (cache keys, outgoing
    # URLs, Redis commands) can name a person.
    if span.get("op") == "db":
        kept["description"] = span.get("description")
    return kept


def _database_tags(exc_info) -> dict:
    """The SQLSTATE and constraint of a database error: what its message said, minus values."""
    found = database_diagnostics(exc_info[1] if exc_info else None)
    return {f"db.{key}": value for key, value in found.items()}
