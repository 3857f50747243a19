import threading

import pytest
from django.db import connection


@pytest.fixture
def exhausted_pool(transactional_db):
    """A pool of one connection, held by another thread: a request here waits 0.5 s
    for a connection, then gets none (what a busy server's full pool does)."""
    connection.close()  # This thread's connection goes back to the pool it came from.
    pool = connection.settings_dict["OPTIONS"]["pool"]
    saved = dict(pool)
    pool.update(min_size=1, max_size=1, timeout=0.5)
    connection.close_pool()
    held, release = threading.Event(), threading.Event()

    def hold_the_only_connection():
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1")
                held.set()
                release.wait(30)
        finally:
            connection.close()

    holder = threading.Thread(target=hold_the_only_connection)
    holder.start()
    try:
        assert held.wait(30)
        yield
    finally:
        release.set()
        holder.join(30)
        pool.clear()
        pool.update(saved)
        connection.close_pool()
