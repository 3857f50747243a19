"""How the project is served: its local settings file, and how many processes and
threads serve requests.

gunicorn.conf.py starts this many, the connection pool's default size follows the
threads, and the pool-fit check (ops/checks.py) multiplies them out against the
database server's connection limit: one rule, read by all three.
"""

import os
from pathlib import Path

import environ

env = environ.Env()


def read_dotenv(directory: Path) -> None:
    """Read ``directory/.env`` into the environment, if there is one.

    The settings and gunicorn.conf.py both call this, so that `manage.py`, `make run`
    and `make serve` see the same settings. A variable already in the environment
    wins over the file: a deployment's environment is never overridden by a stray file.
    """
    dotenv = Path(directory) / ".env"
    if dotenv.exists():
        environ.Env.read_env(dotenv, overwrite=False)


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
