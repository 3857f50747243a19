"""The SQL one request runs, exactly as the server receives it.

A request goes through the whole Django stack in this process (the test client, the
same settings as the served app) while an execute wrapper records each statement: its
text as sent (``last_executed_query``, which with psycopg's client-side binding is the
literal text on the wire, pghistory's injected ``set_config`` included), whether it
opened a transaction, and the last row of its result (what pgbench's ``\\aset`` keeps).
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from django.db import connection
from psycopg import pq


@dataclass
class Statement:
    sql: str
    #: Psycopg sent BEGIN first (Django had opened an atomic block); ``in_transaction``:
    #: the statement ran inside a transaction (opened by it or before it).
    opens_transaction: bool
    in_transaction: bool
    columns: list[str] = field(default_factory=list)
    last_row: tuple | None = None
    #: Why pgbench cannot replay it as it ran, if it cannot.
    unsupported: str = ""


@dataclass
class Capture:
    statements: list[Statement]
    status: int
    body: bytes
    #: The request's time window: timestamps inside it were "now" to the request.
    started: datetime
    finished: datetime

    @property
    def queries(self) -> int:
        """Statements run, as Django's query-count assertions count them."""
        return len(self.statements)


class Recorder:
    """An execute wrapper that records every statement of the connection it wraps."""

    def __init__(self):
        self.statements: list[Statement] = []

    def __call__(self, execute, sql, params, many, context):
        wrapper = context["connection"]
        raw_connection = wrapper.connection
        idle = raw_connection.info.transaction_status == pq.TransactionStatus.IDLE
        opens = idle and not raw_connection.autocommit
        result = execute(sql, params, many, context)
        cursor = context["cursor"].cursor
        text = wrapper.ops.last_executed_query(cursor, sql, params)
        statement = Statement(
            sql=text if isinstance(text, str) else str(text),
            opens_transaction=opens,
            in_transaction=opens or not idle,
        )
        if many:
            statement.unsupported = "executemany"
        elif getattr(cursor, "name", None):
            statement.unsupported = "a server-side cursor"
        elif cursor.description is not None:
            statement.columns = [column.name for column in cursor.description]
            rows = cursor.fetchall()
            if rows:
                # Put the result back for the code that asked for it.
                cursor.scroll(0, "absolute")
                statement.last_row = rows[-1]
        self.statements.append(statement)
        return result


def capture(request: Callable) -> Capture:
    """Run ``request()`` (a test-client call) and record its SQL; a streamed response
    is read to its end, so that the queries it runs while streaming are recorded."""
    recorder = Recorder()
    started = datetime.now(UTC)
    with connection.execute_wrapper(recorder):
        response = request()
        if getattr(response, "streaming", False):
            body = b"".join(response.streaming_content)
        else:
            body = response.content
    finished = datetime.now(UTC)
    return Capture(recorder.statements, response.status_code, body, started, finished)
