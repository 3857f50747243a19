"""Race tests that make their interleaving happen every time, without sleeping.

One connection takes a row lock, or makes a write it has not committed yet, and holds
its transaction open (``HeldTransaction``). The request under test runs in another
thread on a connection of its own (``InThread``) and is seen queueing behind that
lock in ``pg_stat_activity`` (``wait_until_blocked_by``). Only then does the holder
commit, and the request finishes against the committed state.

Tests using these need ``@pytest.mark.django_db(transaction=True)``: the threads'
connections only see what the test has committed. Every wait has a deadline, so a
product that lost its lock fails the test instead of hanging it.
"""

import queue
import threading
import time

from django.db import connection, transaction

from tests.dbutils import admin_connect

#: Seconds any single wait may take before the test fails.
DEADLINE = 10.0
#: Seconds a held transaction waits for its next instruction before rolling back on
#: its own, so a test that failed half-way never leaves locks behind.
HOLD_LIMIT = 60.0


def backend_pid() -> int:
    """The PostgreSQL backend serving this thread's connection."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


class InThread:
    """Run ``work(*args, **kwargs)`` in a thread on a database connection of its own."""

    def __init__(self, work, *args, **kwargs):
        self._finished = threading.Event()
        self._result = self._error = None
        self._thread = threading.Thread(target=self._run, args=(work, args, kwargs), daemon=True)
        self._thread.start()

    def _run(self, work, args, kwargs):
        try:
            self._result = work(*args, **kwargs)
        except BaseException as error:  # Handed to whoever asks for the result.
            self._error = error
        finally:
            connection.close()
            self._finished.set()

    @property
    def done(self) -> bool:
        return self._finished.is_set()

    def result(self, timeout: float = DEADLINE):
        """The work's return value (or its exception, raised here)."""
        if not self._finished.wait(timeout):
            raise AssertionError(f"Still running after {timeout} s: blocked for good?")
        if self._error is not None:
            raise self._error
        return self._result


_COMMIT, _ROLLBACK = object(), object()


class HeldTransaction:
    """A transaction on a connection of its own, in a thread, held open until told.

    ``work`` runs first inside it (take a lock, write without committing); its
    result is ``.result`` and the backend's pid ``.pid``. ``run()`` does more inside
    the same transaction; ``commit()`` or ``rollback()`` ends it. Leaving the
    ``with`` block without either rolls back::

        with HeldTransaction(lambda: services.complete_interview(interview)) as holder:
            request = InThread(client.post, url)
            wait_until_blocked_by(holder.pid, waiter=request)
            holder.commit()
        assert request.result().status_code == 409
    """

    def __init__(self, work=None):
        self._work = work
        self._tasks: queue.Queue = queue.Queue()
        self._replies: queue.Queue = queue.Queue()
        self._thread: InThread | None = None
        self.pid: int | None = None
        self.result = None

    def __enter__(self):
        self._thread = InThread(self._serve)
        try:
            self.pid = self.run(backend_pid)
            if self._work is not None:
                self.result = self.run(self._work)
        except BaseException:
            self._end(_ROLLBACK)
            raise
        return self

    def __exit__(self, exc_type, exc, traceback):
        if not self._thread.done:
            self._end(_ROLLBACK)

    def run(self, work, *args, **kwargs):
        """Run ``work`` inside the held transaction; return its result."""
        self._tasks.put((work, args, kwargs))
        try:
            succeeded, value = self._replies.get(timeout=DEADLINE)
        except queue.Empty:
            raise AssertionError(
                f"The held transaction did not answer within {DEADLINE} s"
            ) from None
        if not succeeded:
            raise value
        return value

    def commit(self) -> None:
        self._end(_COMMIT)

    def rollback(self) -> None:
        self._end(_ROLLBACK)

    def _end(self, how) -> None:
        self._tasks.put(how)
        self._thread.result()  # Raises if the commit failed.

    def _serve(self):
        with transaction.atomic():
            while True:
                try:
                    task = self._tasks.get(timeout=HOLD_LIMIT)
                except queue.Empty:
                    task = _ROLLBACK
                if task is _COMMIT:
                    return
                if task is _ROLLBACK:
                    transaction.set_rollback(True)
                    return
                work, args, kwargs = task
                try:
                    self._replies.put((True, work(*args, **kwargs)))
                except Exception as error:
                    self._replies.put((False, error))


def wait_until_blocked_by(holder_pid: int, *, waiter: InThread | None = None, timeout=DEADLINE):
    """Return once some other backend is waiting for a lock ``holder_pid`` holds.

    ``waiter`` is the thread expected to queue: if it finishes first, it never
    waited (the lock it should have met is missing) and this fails at once.
    """
    deadline = time.monotonic() + timeout
    with admin_connect(connection.settings_dict["NAME"]) as watcher:
        while time.monotonic() < deadline:
            (waiting,) = watcher.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE %s = ANY (pg_blocking_pids(pid))",
                [holder_pid],
            ).fetchone()
            if waiting:
                return
            if waiter is not None and waiter.done:
                raise AssertionError(
                    f"Finished without waiting for backend {holder_pid}'s lock "
                    f"(outcome: {_outcome(waiter)})."
                )
    raise AssertionError(f"Nothing waited for backend {holder_pid}'s lock within {timeout} s.")


def _outcome(thread: InThread) -> str:
    try:
        return repr(thread.result(timeout=0))
    except Exception as error:  # Only described in the failure message.
        return f"raised {error!r}"
