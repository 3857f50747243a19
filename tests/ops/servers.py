"""Servers the scale-out tests start for themselves: PostgreSQL clusters from the
embedded server's binaries (a primary and its streaming standby), and PgBouncer.

PostgreSQL and PgBouncer both refuse to run as root; when the suite runs as root (CI
does), they run as `nobody` (PgBouncer as the account that owns the test server's
socket folder, when it is reached by one), in a scratch folder that account owns.
"""

import contextlib
import json
import os
import shutil
import subprocess
import tempfile
import time
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

import psycopg

from ops.embedded_postgres import client_binary
from tests.ops.test_production_server import Server, free_port

#: Seconds a server gets to start, and a standby to replay what the test waits for.
DEADLINE = 60


def server_user(socket_folder: str | None = None) -> str | None:
    """The account a server runs as: for root, `nobody`, or the owner of the Unix socket
    folder it must reach (the embedded server's is private to its account); else the
    caller's own."""
    if os.geteuid() != 0:
        return None
    return Path(socket_folder).owner() if socket_folder else "nobody"


@contextlib.contextmanager
def scratch_folder(prefix: str, owner: str | None = None) -> Iterator[Path]:
    """A new folder ``owner`` owns (a root-only pytest tmp_path is not)."""
    folder = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        if owner:
            shutil.chown(folder, owner)
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def pg(program: str, *args: str, **kwargs) -> subprocess.CompletedProcess:
    """Run one of the embedded server's programs as the servers' account."""
    result = subprocess.run(
        [str(client_binary(program)), *args],
        user=server_user(),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        **kwargs,
    )
    assert result.returncode == 0, f"{program} failed:\n{result.stdout}\n{result.stderr}"
    return result


class Cluster:
    """One PostgreSQL cluster on 127.0.0.1, run by pg_ctl from the embedded binaries."""

    def __init__(self, data_dir: Path):
        self.data_dir = data_dir
        self.port = free_port()

    @classmethod
    def primary(cls, data_dir: Path) -> "Cluster":
        """A new cluster whose default pg_hba.conf lets local clients replicate."""
        cluster = cls(data_dir)
        pg(
            "initdb",
            "-D",
            str(data_dir),
            "-U",
            "postgres",
            "-A",
            "trust",
            "-E",
            "UTF8",
            "--no-sync",
        )
        return cluster

    def standby(self, data_dir: Path) -> "Cluster":
        """A streaming standby of this cluster (pg_basebackup -R writes its settings)."""
        standby = Cluster(data_dir)
        pg(
            "pg_basebackup",
            *("-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "-D", str(data_dir)),
            *("-R", "-X", "stream", "--no-sync", "--checkpoint=fast"),
        )
        return standby

    def start(self, *settings: str) -> None:
        """Start the server; ``settings`` ("name=value") add to or override its own."""
        options = (
            f"-p {self.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories="
            " -c fsync=off -c max_connections=60"
        ) + "".join(f" -c {setting}" for setting in settings)
        log = str(self.data_dir / "server.log")
        pg(
            "pg_ctl",
            *("-D", str(self.data_dir), "-l", log, "-w", "-t", str(DEADLINE), "-o", options),
            "start",
            stdin=subprocess.DEVNULL,
        )

    def stop(self) -> None:
        if (self.data_dir / "postmaster.pid").exists():
            pg("pg_ctl", "-D", str(self.data_dir), "-m", "fast", "-w", "stop")

    def url(self, dbname: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{dbname}"

    def connect(self, dbname: str = "postgres") -> psycopg.Connection:
        return psycopg.connect(
            host="127.0.0.1", port=self.port, user="postgres", dbname=dbname, autocommit=True
        )


def wait_for_replay(primary: Cluster, standby: Cluster) -> None:
    """Wait until the standby has replayed everything the primary has written so far."""
    with primary.connect() as conn:
        target = conn.execute("SELECT pg_current_wal_lsn()").fetchone()[0]
    deadline = time.monotonic() + DEADLINE
    with standby.connect() as conn:
        while True:
            replayed = conn.execute(
                "SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", [target]
            ).fetchone()[0]
            if replayed:
                return
            assert time.monotonic() < deadline, "the standby did not catch up"
            conn.execute("SELECT pg_sleep(0.05)")


def pgbouncer_binary() -> str | None:
    """Debian's pgbouncer (in /usr/sbin, often not on a user's PATH)."""
    return shutil.which("pgbouncer") or shutil.which("pgbouncer", path="/usr/sbin")


class PgBouncer:
    """PgBouncer in transaction mode in front of one PostgreSQL server."""

    def __init__(self, folder: Path, server: dict, *, pool_size: int, account: str | None):
        self.folder = folder
        self.port = free_port()
        self.user = server["user"]
        target = f"host={server['host']} port={server['port']}"
        if server.get("password"):
            target += f" password={server['password']}"
        # trust: PgBouncer checks no password, but the user must be in its auth_file.
        (folder / "userlist.txt").write_text(f'"{self.user}" ""\n')
        (folder / "pgbouncer.ini").write_text(
            "[databases]\n"
            f"* = {target}\n"
            "[pgbouncer]\n"
            "listen_addr = 127.0.0.1\n"
            f"listen_port = {self.port}\n"
            "unix_socket_dir =\n"
            "auth_type = trust\n"
            f"auth_file = {folder / 'userlist.txt'}\n"
            f"admin_users = {self.user}\n"
            "pool_mode = transaction\n"
            f"default_pool_size = {pool_size}\n"
            "max_client_conn = 200\n"
            # Each transaction takes the next server connection in turn, not the last
            # one used: whatever leans on a session (a WITH HOLD cursor, a prepared
            # statement, a SET) meets another connection, as it would under load.
            "server_round_robin = 1\n"
            f"logfile = {folder / 'pgbouncer.log'}\n"
            f"pidfile = {folder / 'pgbouncer.pid'}\n"
        )
        if account:
            for name in ("userlist.txt", "pgbouncer.ini"):
                shutil.chown(folder / name, account)
        self.process = subprocess.Popen(
            [pgbouncer_binary(), str(folder / "pgbouncer.ini")],
            user=account,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        try:
            self._wait_until_listening()
        except BaseException:
            self.stop()
            raise

    def _wait_until_listening(self) -> None:
        deadline = time.monotonic() + DEADLINE
        while True:
            assert self.process.poll() is None, self.log()
            try:
                self.admin("SHOW VERSION")
                return
            except AssertionError:
                assert time.monotonic() < deadline, self.log()
                time.sleep(0.1)  # Polling for the server to come up, with a deadline.

    def url(self, dbname: str) -> str:
        return f"postgres://{urllib.parse.quote(self.user)}@127.0.0.1:{self.port}/{dbname}"

    def admin(self, command: str) -> list[dict]:
        """A command on PgBouncer's admin console (simple protocol only: psql speaks it)."""
        result = subprocess.run(
            [
                *(str(client_binary("psql")), "-h", "127.0.0.1", "-p", str(self.port)),
                *("-U", self.user, "-d", "pgbouncer", "--csv", "-c", command),
            ],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
        assert result.returncode == 0, result.stderr
        lines = result.stdout.splitlines()
        header = lines[0].split(",")
        return [dict(zip(header, line.split(","), strict=False)) for line in lines[1:]]

    def log(self) -> str:
        path = self.folder / "pgbouncer.log"
        return path.read_text() if path.exists() else "(no log)"

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
        self.process.wait(timeout=30)


class Client:
    """JSON requests to a running server with one API token."""

    def __init__(self, server: Server, token: str | None = None):
        self.server = server
        self.token = token

    def login(self, username: str, password: str) -> "Client":
        response = self.call(
            "POST", "/api/v1/auth/token/", {"username": username, "password": password}
        )
        return Client(self.server, response["token"])

    def request(self, method: str, path: str, body=None, headers=None):
        headers = {"Content-Type": "application/json", **(headers or {})}
        if self.token:
            headers["Authorization"] = f"Token {self.token}"
        return self.server.request(
            method, path, body=None if body is None else json.dumps(body), headers=headers
        )

    def call(self, method: str, path: str, body=None, headers=None, expect: int | None = None):
        """The answer's JSON, after checking its status (2xx unless ``expect`` says)."""
        response = self.request(method, path, body, headers)
        if expect is None:
            assert 200 <= response.status < 300, (method, path, response.status, response.body)
        else:
            assert response.status == expect, (method, path, response.status, response.body)
        return json.loads(response.body) if response.body else None
