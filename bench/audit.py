"""What the audit trail's triggers cost: the same writes with them and without.

The audit triggers are found in the catalog, not by name: a trigger whose function
writes into one of pghistory's event tables. Whatever level they fire at (row or
statement) and however they are named, they are the ones switched off here.

Bulk writes run in a transaction that is rolled back, with the triggers switched off
inside it (``ALTER TABLE … DISABLE TRIGGER`` is transactional), so nothing stays
behind. The single-row append runs under pgbench from many connections, so its
triggers are switched off for the run and on again afterwards; ``enable_all`` also runs
at the start of every benchmark, in case a run was killed in between.
"""

import statistics
import time
from collections.abc import Iterator
from contextlib import contextmanager

from psycopg import sql

#: Each bulk write is timed this many times with the triggers and without, alternately.
REPEATS = 3


def event_tables() -> list[str]:
    """The tables pghistory records changes in (its Event models')."""
    import pghistory.models
    from django.apps import apps

    return [
        model._meta.db_table
        for model in apps.get_models()
        if issubclass(model, pghistory.models.Event) and model._meta.managed
    ]


def audit_triggers(conn, tables: list[str]) -> dict[str, list[str]]:
    """Table -> its triggers whose function writes into one of ``tables``."""
    triggers: dict[str, list[str]] = {}
    rows = conn.execute(
        "SELECT c.relname, t.tgname, p.prosrc FROM pg_trigger t"
        " JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_proc p ON p.oid = t.tgfoid"
        " WHERE NOT t.tgisinternal AND c.relnamespace = 'public'::regnamespace"
        " ORDER BY 1, 2"
    ).fetchall()
    for table, trigger, source in rows:
        if any(f'"{events}"' in source or f" {events} " in source for events in tables):
            triggers.setdefault(table, []).append(trigger)
    return triggers


def switch(conn, triggers: dict[str, list[str]], *, on: bool) -> None:
    verb = sql.SQL("ENABLE" if on else "DISABLE")
    for table, names in triggers.items():
        for name in names:
            conn.execute(
                sql.SQL("ALTER TABLE {} {} TRIGGER {}").format(
                    sql.Identifier(table), verb, sql.Identifier(name)
                )
            )


def enable_all(conn) -> None:
    """Switch every audit trigger on (a killed run may have left some off)."""
    switch(conn, audit_triggers(conn, event_tables()), on=True)


@contextmanager
def switched_off(conn, triggers: dict[str, list[str]]) -> Iterator[None]:
    """The audit triggers off while the block runs, for every connection."""
    switch(conn, triggers, on=False)
    try:
        yield
    finally:
        switch(conn, triggers, on=True)


INSERT_CANDIDATES = """
    INSERT INTO candidates (email, full_name, status, target_role, experience_level, skills)
    SELECT 'audit-' || %(run)s || '-' || g || '@bench.example.com', 'Audit Candidate ' || g,
           'active', 'Backend engineer', 'mid', ARRAY['python', 'sql']::varchar[]
    FROM generate_series(1, %(rows)s) AS g
"""
UPDATE_CANDIDATES = """
    UPDATE candidates SET target_role = target_role || ' (reviewed)'
    WHERE id IN (SELECT id FROM candidates ORDER BY created_at LIMIT %(rows)s)
"""


def time_bulk(conn, statement: str, rows: int, triggers: dict[str, list[str]] | None) -> float:
    """Seconds ``statement`` takes, in a transaction rolled back afterwards; with the
    audit ``triggers`` off inside it, when given."""
    with conn.transaction(force_rollback=True):
        if triggers:
            switch(conn, triggers, on=False)
        started = time.perf_counter()
        conn.execute(statement, {"rows": rows, "run": str(time.monotonic_ns())})
        return time.perf_counter() - started


def bulk_costs(conn, rows: int) -> list[dict]:
    """Bulk insert and update of ``rows`` candidates, with and without audit triggers.

    ``conn`` is a fresh connection with nothing set: a bulk write made outside a request
    (a management command, a data fix) runs as it does.
    """
    triggers = audit_triggers(conn, event_tables())
    own = {"candidates": triggers.get("candidates", [])}
    results = []
    for label, statement in (("insert", INSERT_CANDIDATES), ("update", UPDATE_CANDIDATES)):
        audited, bare = [], []
        for _ in range(REPEATS):
            audited.append(time_bulk(conn, statement, rows, None))
            bare.append(time_bulk(conn, statement, rows, own))
        with_triggers, without = statistics.median(audited), statistics.median(bare)
        results.append(
            {
                "write": f"bulk {label} of {rows:,} candidates",
                "rows": rows,
                "ms_per_row_audited": 1000 * with_triggers / rows,
                "ms_per_row_unaudited": 1000 * without / rows,
                "ratio": with_triggers / without if without else None,
                "triggers": own["candidates"],
            }
        )
    return results
