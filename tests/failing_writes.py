"""Make a write fail part-way, inside the database, and check it left nothing behind.

``failing_write`` installs a trigger that refuses a chosen row, so a multi-step write
meets a real database error at the step a test picks. ``Snapshot`` records every row
of the tables such writes touch and asserts, after the failure, that none changed.
"""

import json
import re
import uuid
from contextlib import contextmanager

import pytest
from django.db import DatabaseError, InternalError, connection
from django.db.transaction import TransactionManagementError

from tests.dbutils import project_tables

#: Besides the apps' own tables and their audit trail: logins, tokens, the audit
#: trail's request context and the admin's log.
OTHER_TOUCHED_TABLES = ("pghistory_context", "auth_user", "knox_authtoken", "django_admin_log")


def touched_tables() -> tuple[str, ...]:
    """The tables the portal's writes touch (a new model's table included)."""
    return (*project_tables(), *OTHER_TOUCHED_TABLES)


#: How PL/pgSQL names an error: a condition name or a five-character SQLSTATE.
_ERRCODE = re.compile(r"[a-z_]+|[0-9A-Z]{5}")
_EVENTS = {"INSERT", "UPDATE", "DELETE"}

#: PostgreSQL's "current transaction is aborted, commands ignored" (SQLSTATE 25P02).
_IN_FAILED_TRANSACTION = "25P02"


@contextmanager
def failing_write(
    table: str,
    on: str = "INSERT",
    *,
    when: str | None = None,
    nth: int = 1,
    errcode: str = "check_violation",
):
    """Refuse the ``nth`` row ``on`` (INSERT, UPDATE or DELETE) writes to ``table``.

    A BEFORE ROW trigger raises ``errcode``: ``check_violation`` or
    ``unique_violation`` (class 23) reaches Django as ``IntegrityError``,
    ``invalid_parameter_value`` (22023) as ``DataError``. ``when`` is the trigger's
    WHEN condition (SQL over ``NEW`` / ``OLD``): only matching rows count towards
    ``nth``. The count is a setting of the database session, and a rollback undoes
    it with the rest: a write that was rolled back does not count.

    The trigger is dropped on leaving the block. In a ``db`` test the test's
    rollback removes it too; in a ``transaction=True`` test it was committed and
    the drop is what removes it.
    """
    event = on.upper()
    if event not in _EVENTS:
        raise ValueError(f"on must be one of {sorted(_EVENTS)}, not {on!r}")
    if not _ERRCODE.fullmatch(errcode):
        raise ValueError(f"not a condition name or SQLSTATE: {errcode!r}")
    name = f"failing_write_{uuid.uuid4().hex[:12]}"
    counter = f"failing_write.{name}"
    quote = connection.ops.quote_name
    condition = f"WHEN ({when})" if when else ""
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            CREATE FUNCTION {quote(name)}() RETURNS trigger LANGUAGE plpgsql AS $$
            DECLARE
                seen integer := coalesce(
                    nullif(current_setting('{counter}', true), ''), '0')::integer + 1;
            BEGIN
                PERFORM set_config('{counter}', seen::text, false);
                IF seen = {int(nth)} THEN
                    RAISE EXCEPTION 'failing_write: % refused on %', TG_OP, TG_TABLE_NAME
                        USING ERRCODE = '{errcode}';
                END IF;
                RETURN coalesce(NEW, OLD);
            END;
            $$
            """
        )
        cursor.execute(
            f"CREATE TRIGGER {quote(name)} BEFORE {event} ON {quote(table)} "
            f"FOR EACH ROW {condition} EXECUTE FUNCTION {quote(name)}()"
        )
    try:
        yield
    finally:
        _drop(name, table)


def _drop(name: str, table: str) -> None:
    quote = connection.ops.quote_name
    try:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TRIGGER IF EXISTS {quote(name)} ON {quote(table)}")
            cursor.execute(f"DROP FUNCTION IF EXISTS {quote(name)}()")
    except (DatabaseError, TransactionManagementError):
        if not connection.in_atomic_block:
            raise
        # The test's transaction is aborted (the refused statement ran outside a
        # savepoint): nothing more runs in it, and its rollback drops the trigger.


def table_rows(*tables: str) -> dict[str, list]:
    """Every row of each table, every column, as JSON, in a stable order."""
    quote = connection.ops.quote_name
    rows = {}
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"SELECT to_jsonb(t)::text FROM {quote(table)} AS t ORDER BY 1")
            rows[table] = [json.loads(text) for (text,) in cursor.fetchall()]
    return rows


class Snapshot:
    """The contents of the tables a write touches, to compare after it failed."""

    def __init__(self, tables=None):
        self.tables = tuple(tables or touched_tables())
        self.rows = table_rows(*self.tables)

    def assert_unchanged(self) -> None:
        """Fail, naming the tables, if any row was added, changed or removed.

        In a ``db`` test the rows a non-atomic write left behind cannot be read: the
        failure aborted the test's transaction, which is reported instead. A
        ``transaction=True`` test commits as production does and sees the rows.
        """
        try:
            now = table_rows(*self.tables)
        except (InternalError, TransactionManagementError) as error:
            if isinstance(error, InternalError) and (
                getattr(error.__cause__, "sqlstate", None) != _IN_FAILED_TRANSACTION
            ):
                raise
            pytest.fail(
                "The failed write left the test's transaction aborted: it ran outside an "
                "atomic block of its own, so outside a test the steps before the failure "
                f"would have stayed written ({error})."
            )
        changed = [table for table in self.tables if now[table] != self.rows[table]]
        for table in changed:
            assert now[table] == self.rows[table], f"changed: {', '.join(changed)}"
