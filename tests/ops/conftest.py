import uuid

import pytest

from tests.dbutils import admin_connect


@pytest.fixture
def scratch_database(db):
    """A new, empty database on the test server, dropped afterwards."""
    name = f"scratch_{uuid.uuid4().hex[:12]}"
    with admin_connect() as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield name
    with admin_connect() as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
