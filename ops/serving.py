"""How many processes and threads serve requests.

gunicorn.conf.py starts this many, the connection pool's default size follows the
threads, and the pool-fit check (ops/checks.py) multiplies them out against the
database server's connection limit: one rule, read by all three.
"""

import os

import environ

env = environ.Env()

# A request holds at most one database connection, so a process needs no more
# connections than it has threads; four threads keep a process busy while its
# requests wait on PostgreSQL without piling up more work than it can finish.
DEFAULT_THREADS = 4


def cpu_count() -> int:
    """The CPUs this process may run on (a container's limit, not the host's)."""
    return len(os.sched_getaffinity(0))


def workers() -> int:
    """WEB_CONCURRENCY, else gunicorn's usual two per CPU plus one."""
    return env.int("WEB_CONCURRENCY", default=2 * cpu_count() + 1)


def threads() -> int:
    """WEB_THREADS, else DEFAULT_THREADS."""
    return env.int("WEB_THREADS", default=DEFAULT_THREADS)
