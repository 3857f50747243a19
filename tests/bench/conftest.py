"""The benchmark's data at its tiny scale, written by the generator as `make bench` does."""

from datetime import UTC, datetime

import pytest
from django.contrib.auth.models import Group, Permission, User
from django.db import connection
from knox.models import AuthToken

from bench import generator
from bench.scales import SCALES

#: When the tiny fill happens, as the generator sees it.
NOW = datetime(2026, 3, 14, 15, 9, 26, tzinfo=UTC)


def fill_tiny():
    connection.ensure_connection()
    generator.fill(connection.connection, SCALES["tiny"], now=NOW)
    return SCALES["tiny"]


@pytest.fixture
def tiny(db):
    """The tiny scale's rows, inside the test's transaction."""
    return fill_tiny()


@pytest.fixture
def committed_tiny(transactional_db):
    """The tiny scale's rows, committed: other connections (pgbench) see them."""
    return fill_tiny()


@pytest.fixture
def engine_token(db) -> str:
    """An API token of the AI engine's service account, as the benchmark makes it."""
    # A transactional test before this one may have emptied the tables the groups'
    # migration fills; the permissions come back after every flush.
    group, _ = Group.objects.get_or_create(name="Interview engine")
    group.permissions.add(
        *Permission.objects.filter(
            content_type__app_label="interviews",
            codename__in=["view_interview", "view_interviewmessage", "add_interviewmessage"],
        )
    )
    engine = User.objects.create(username="bench-engine")
    engine.groups.add(group)
    return AuthToken.objects.create(user=engine)[1]
