"""Log lines that say which request they belong to.

The request ID comes from the `X-Request-ID` header a proxy or client sent, or is
made here; RequestIDMiddleware (core/middleware.py) holds it for the request and
returns it in the response. In production every line is one JSON object
(LOG_FORMAT=json), so a log store can filter by ``request_id``.
"""

import contextvars
import logging
import re
import uuid

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
            value = atoms[atom] if atom in atoms or atom.startswith("{") else "-"
            if value != "-":
                log_record[field] = value
