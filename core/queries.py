"""Every SQL statement is watched: slow ones are logged, failed ones counted.

A statement that runs for SLOW_QUERY_MS or longer is logged (logger
``core.db.slow_query``, WARNING) with its duration and its SQL text: the text as the
code wrote it, with placeholders, never the parameter values, which are candidates'
data. SLOW_QUERY_MS=0 turns the log off.
"""

import logging
import time

from django.conf import settings

from core import metrics

slow_query_logger = logging.getLogger("core.db.slow_query")


def observe_query(execute, sql, params, many, context):
    """Run one statement (a connection's execute wrapper), timing it."""
    started = time.perf_counter()
    try:
        return execute(sql, params, many, context)
    except Exception as error:
        metrics.count_database_error(error)
        raise
    finally:
        duration_ms = round((time.perf_counter() - started) * 1000)
        threshold = settings.SLOW_QUERY_MS
        if threshold > 0 and duration_ms >= threshold:
            metrics.slow_queries.inc()
            slow_query_logger.warning(
                "Slow query (%d ms): %s",
                duration_ms,
                _sql_text(sql),
                extra={"duration_ms": duration_ms},
            )


def _sql_text(sql) -> str:
    # A psycopg Composed query would print its literals, which can be values.
    return sql if isinstance(sql, str) else f"<{type(sql).__name__} query>"


def watch_connection(sender, connection, **kwargs) -> None:
    """Install the watch on a connection (``connection_created``).

    With the pool the signal fires on every checkout, for the same connection object
    of a thread each time: the wrapper goes on once. It goes first, under the others:
    a connection is often opened inside a ``connection.execute_wrapper()`` block (the
    audit trail's context wraps each request), whose exit pops the *last* wrapper.
    """
    if observe_query not in connection.execute_wrappers:
        connection.execute_wrappers.insert(0, observe_query)
    metrics.watch_pool(connection)
