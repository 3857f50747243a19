"""Log lines that say which request they belong to.

The request ID comes from the `X-Request-ID` header a proxy or client sent, or is
made here; RequestIDMiddleware (core/middleware.py) holds it for the request and
returns it in the response. In production every line is one JSON object
(LOG_FORMAT=json), so a log store can filter by ``request_id``.

No line carries personal data: an exception is written as its type, its stack and,
for a database error, its SQLSTATE and constraint, never its message (a database
error quotes the values it refused, ``Key (email)=(…) already exists``); a request as
its method and path, never its query string. Sentry's reports follow the same rule
(core/error_reports.py).
"""

import contextvars
import logging
import re
import traceback
import uuid

from django.http import HttpRequest
from pythonjsonlogger.json import JsonFormatter

REQUEST_ID_HEADER = "X-Request-ID"
# An ID from outside is kept only when it is short and plain: it is written into every
# log line and echoed back, so it must not carry markup, newlines or a payload.
_ACCEPTABLE_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")

current_request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "current_request_id", default=None
)


def request_id_from(header_value: str | None) -> str:
    """The caller's ID if acceptable, otherwise a new one."""
    if header_value and _ACCEPTABLE_ID.fullmatch(header_value):
        return header_value
    return uuid.uuid4().hex


def forget_request_id(**kwargs) -> None:
    """Receiver of request_finished: what is logged after a response belongs to no request."""
    current_request_id.set(None)


def database_diagnostics(error: BaseException | None) -> dict[str, str]:
    """The SQLSTATE and constraint of a database error (or of its cause): what its
    message says, without the values it quotes."""
    while error is not None:
        diag = getattr(error, "diag", None)
        if getattr(error, "sqlstate", None) and diag is not None:
            found = {"sqlstate": error.sqlstate}
            if diag.constraint_name:
                found["constraint"] = diag.constraint_name
            return found
        error = error.__cause__
    return {}


def describe_exception(error: BaseException) -> str:
    """A traceback of ``error`` and the exceptions that led to it, without their messages."""
    chain, seen = [], set()
    while error is not None and id(error) not in seen:
        chain.append(error)
        seen.add(id(error))
        error = error.__cause__ or (None if error.__suppress_context__ else error.__context__)
    parts = []
    for position, link in enumerate(reversed(chain)):
        if position:
            parts.append("\nThe above exception led to the following exception:\n\n")
        parts.append("Traceback (most recent call last):\n")
        parts.extend(traceback.format_tb(link.__traceback__))
        kind = type(link)
        details = "".join(f" {key}={value}" for key, value in database_diagnostics(link).items())
        parts.append(f"{kind.__module__}.{kind.__qualname__}{details}\n")
    return "".join(parts).rstrip("\n")


class RequestIDFilter(logging.Filter):
    """Stamps each record with the ID of the request being served (None outside one)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = current_request_id.get()
        return True


class JSONFormatter(JsonFormatter):
    """One JSON object per line: time, level, logger, message, request ID, extras."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("fmt", "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s")
        kwargs.setdefault("rename_fields", {"asctime": "time", "levelname": "level"})
        super().__init__(*args, **kwargs)

    def formatException(self, ei) -> str:  # noqa: N802 - logging.Formatter's name
        return describe_exception(ei[1])

    def add_fields(self, log_record, record, message_dict):
        super().add_fields(log_record, record, message_dict)
        # Django's request logger passes the request along; its text would carry the
        # query string.
        request = log_record.get("request")
        if isinstance(request, HttpRequest):
            log_record["request"] = f"{request.method} {request.path}"


class TextFormatter(logging.Formatter):
    """Plain lines (LOG_FORMAT=text), with exceptions written as the JSON lines write them."""

    def formatException(self, ei) -> str:  # noqa: N802 - logging.Formatter's name
        return describe_exception(ei[1])


class GunicornAccessFormatter(JSONFormatter):
    """gunicorn's access line as JSON: its atoms arrive as the record's arguments.

    Only what an operator needs and nothing personal: the path without its query
    string (a query can carry an email address), never headers or bodies.
    """

    ATOMS = {
        "method": "m",
        "path": "U",
        "status": "s",
        "bytes": "B",
        "duration_ms": "M",
        "remote_addr": "h",
        "request_id": "{x-request-id}o",
    }

    def add_fields(self, log_record, record, message_dict):
        super().add_fields(log_record, record, message_dict)
        atoms = record.args if isinstance(record.args, dict) else {}
        log_record["message"] = "request"
        for field, atom in self.ATOMS.items():
            # gunicorn's atoms answer "-" for what a request lacks.
            value = atoms.get(atom, "-")
            if value != "-":
                log_record[field] = value
