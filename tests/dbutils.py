"""Helpers for tests that talk to PostgreSQL directly."""

import pytest
from django.db import IntegrityError, connection, transaction


def assert_refused_by_database(sql: str, params: list, constraint: str) -> None:
    """Run raw SQL and assert PostgreSQL refuses it, naming ``constraint``."""
    with pytest.raises(IntegrityError, match=constraint):
        _execute_checking_constraints_now(sql, params)


def _execute_checking_constraints_now(sql: str, params: list) -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        # Deferred foreign keys are checked at commit; check them now instead.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(sql, params)
