"""`make bench`: the API's hot paths under load, side by side with PostgreSQL's limit.

1. The benchmark's database (bench.database) is filled by COPY (bench.generator), or
   reused when an earlier run filled it at the same scale; ``migrate`` runs either way.
2. Each hot path (bench.paths) is requested three times through the whole Django stack
   in this process, with the served app's settings, and its SQL is recorded
   (bench.capture): the queries per request, and the pgbench script that runs the same
   SQL (bench.pgscript).
3. gunicorn serves the app from the committed gunicorn.conf.py, DEBUG off, the pool on,
   Redis as the cache, behind the headers a TLS proxy adds; wrk loads each path from 8
   connections, then pgbench runs its SQL from 8 connections, one after the other.
4. The retention purge runs over a fresh set of expired interviews, and the audit
   triggers' cost is measured with and without them (bench.audit).
5. A table is printed and bench/results/<date>.json written (bench.report).
"""

import argparse
import io
import logging
import os
import platform
import re
import secrets
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg

from bench import audit, generator, report
from bench.capture import capture
from bench.database import (
    BASE_DIR,
    Server,
    configured_server,
    database_name,
    fill_record,
    manage,
    record_fill,
    recreate,
    reusable,
)
from bench.load import CLIENTS, PgbenchResult, Request, run_pgbench, run_wrk, wrk_available
from bench.pgscript import ScriptError, build_script
from bench.scales import SCALES, Kind, Scale, TargetSet
from bench.server import PROXY_HEADERS, AppServer

#: Passwords are made for each run; the admin's login form needs one.
RECRUITER = "bench-recruiter"
#: The purge set's interviews end this long before the fill, and everything else after.
PURGE_AGE = timedelta(days=400)
#: Sections that are not hot paths, selectable with --paths like them.
SECTIONS = ("purge", "audit")


STARTED = time.monotonic()


def say(message: str) -> None:
    print(f"[{time.monotonic() - STARTED:5.0f} s] {message}", flush=True)


def parse(argv) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    parser.add_argument("--scale", choices=sorted(SCALES), default="small")
    parser.add_argument(
        "--rebuild", action="store_true", help="fill the database again even if it is reusable"
    )
    parser.add_argument("--duration", type=int, help="seconds per load (default: the scale's)")
    parser.add_argument(
        "--paths", help=f"comma-separated hot paths (and {', '.join(SECTIONS)}) to run; default all"
    )
    parser.add_argument("--drop", action="store_true", help="drop the database afterwards")
    parser.add_argument(
        "--scripts", type=Path, help="keep the pgbench scripts in this folder (to rerun by hand)"
    )
    return parser.parse_args(argv)


def bench_env(server: Server, dbname: str) -> dict[str, str]:
    """The production environment of README "Deploy to production", on the bench database.

    HTTPS stays on: requests carry the X-Forwarded-Proto header of the TLS proxy in front
    (USE_X_FORWARDED_PROTO), as production's do.
    """
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "DATABASE_URL": server.url(dbname),
        "CACHE_URL": os.environ.get("BENCH_CACHE_URL", "redis://127.0.0.1:6379/1"),
        "CACHE_KEY_PREFIX": f"bench-{uuid.uuid4().hex[:12]}",
        "ALLOWED_HOSTS": "localhost",
        "USE_X_FORWARDED_PROTO": "true",
        # The benchmark's database is on that one server: no replica or pooler holds it.
        "DATABASE_REPLICA_URLS": "",
        "DATABASE_PGBOUNCER": "false",
        "SENTRY_DSN": "",
        "PYTHONUNBUFFERED": "1",
    }


def check_redis(url: str) -> None:
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=3).ping()
    except redis.RedisError as error:
        sys.exit(
            f"make bench serves the app as production does, with Redis as its cache ({url}),"
            f" but Redis does not answer: {error}. Start one (Debian: apt-get install "
            "redis-server), or point BENCH_CACHE_URL at one."
        )


def prepare_database(server: Server, dbname: str, scale: Scale, env, *, rebuild: bool) -> dict:
    migrate_env = {**env, "DB_STATEMENT_TIMEOUT_MS": "0"}
    record = fill_record(server, dbname)
    if not rebuild and reusable(record, scale.name):
        say(f"Reusing {dbname} (filled {record['filled_at']}; --rebuild fills it again).")
        manage(migrate_env, "migrate", "--noinput")
        return record
    say(f"Filling {dbname} at scale {scale.name} (about {scale.total_messages:,} messages)…")
    recreate(server, dbname)
    manage(migrate_env, "migrate", "--noinput")
    started = time.perf_counter()
    last = [started]

    def progress(message: str) -> None:
        if time.perf_counter() - last[0] > 10:
            say(f"  {time.perf_counter() - started:5.0f} s  {message}")
            last[0] = time.perf_counter()

    with server.connect(dbname, autocommit=True) as conn:
        summary = generator.fill(conn, scale, progress=progress)
        # As tables are in steady state: statistics gathered, visibility maps set.
        conn.execute("VACUUM (ANALYZE)")
    seconds = time.perf_counter() - started
    say(f"  filled in {seconds:.0f} s: " + ", ".join(f"{n:,} {t}" for t, n in summary.rows.items()))
    return record_fill(server, dbname, scale.name, seconds)


def static_files_collected(env) -> bool:
    """Whether collectstatic's output is newer than every static source and requirement:
    with DEBUG off the pages name files through its manifest, and making it again takes
    a minute."""
    root = Path(env.get("STATIC_ROOT") or BASE_DIR / "staticfiles")
    manifest = root / "staticfiles.json"
    if not manifest.exists():
        return False
    built = manifest.stat().st_mtime
    sources = [*BASE_DIR.glob("*/static/**/*"), *BASE_DIR.glob("requirements/*.txt")]
    return all(source.stat().st_mtime <= built for source in sources if source.is_file())


def make_actors() -> dict:
    """The callers: the AI engine's service account, a recruiter (also in the admin),
    and staff who may export; each with a fresh API token."""
    from django.contrib.auth.models import Group, Permission, User
    from knox.models import AuthToken

    def user(username: str, *, staff: bool, groups=(), permissions=()) -> User:
        account, _ = User.objects.get_or_create(username=username)
        account.is_staff = staff
        account.is_active = True
        account.set_unusable_password()
        account.save()
        account.groups.set(Group.objects.filter(name__in=groups))
        account.user_permissions.set(
            Permission.objects.filter(
                content_type__app_label="candidates", codename__in=permissions
            )
        )
        return account

    engine = user("bench-engine", staff=False, groups=["Interview engine"])
    recruiter = user(RECRUITER, staff=True, groups=["Recruiters"])
    privacy = user("bench-privacy", staff=True, permissions=["view_candidate", "export_candidate"])
    password = secrets.token_urlsafe(18) + "a1"
    recruiter.set_password(password)
    recruiter.save()
    accounts = {"engine": engine, "recruiter": recruiter, "privacy": privacy}
    AuthToken.objects.filter(user__in=accounts.values()).delete()
    tokens = {name: AuthToken.objects.create(user=account)[1] for name, account in accounts.items()}
    return {"users": accounts, "tokens": tokens, "password": password}


def test_client(actor: str, actors: dict):
    from django.test import Client

    # A request that fails answers 500 here as it would served, instead of raising.
    client = Client(
        raise_request_exception=False,
        HTTP_HOST=PROXY_HEADERS["Host"],
        HTTP_X_FORWARDED_PROTO="https",
    )
    if actor == "admin":
        # Through the login form, as the served app's session is made (and by whichever
        # authentication backend the settings name).
        response = client.post(
            "/admin/login/?next=/admin/", {"username": RECRUITER, "password": actors["password"]}
        )
        if response.status_code != 302:
            raise RuntimeError(f"the admin login answered {response.status_code}")
    else:
        client.defaults["HTTP_AUTHORIZATION"] = f"Token {actors['tokens'][actor]}"
    return client


def send(client, path, k):
    if path.body is None:
        return client.generic(path.method, path.url(k))
    return client.generic(path.method, path.url(k), path.body, content_type="application/json")


def plan_notes(conn, statements) -> list[str]:
    """What the planner does with the path's reads: sequential scans of large tables,
    GIN indexes used."""
    from bench.pgscript import shape_of

    seq_scans, gin = set(), set()
    for statement in statements:
        text = statement.sql.lstrip()
        if text[:6].upper() != "SELECT" or "\\;" in "".join(shape_of(text).parts):
            continue
        try:
            (plan,) = conn.execute("EXPLAIN (FORMAT JSON) " + text).fetchone()[0]
        except psycopg.Error:  # A diagnostic only: the load measures regardless.
            continue
        nodes = [plan["Plan"]]
        while nodes:
            node = nodes.pop()
            nodes.extend(node.get("Plans", []))
            if node.get("Node Type") == "Seq Scan":
                seq_scans.add(node["Relation Name"])
            if node.get("Index Name", "").endswith("_gin"):
                gin.add(node["Index Name"])
    big = set()
    for table in seq_scans:
        (rows,) = conn.execute(
            "SELECT reltuples FROM pg_class WHERE oid = %s::regclass", [table]
        ).fetchone()
        if rows >= 10_000:
            big.add(f"{table} ({rows:,.0f} rows)")
    notes = [f"GIN index used: {', '.join(sorted(gin))}"] if gin else []
    if big:
        notes.append(f"sequential scan of {', '.join(sorted(big))}")
    return notes


def capture_paths(paths, actors, server: Server, dbname: str, scripts_dir: Path) -> dict:
    """Queries per request and a pgbench script for each path (None: cannot replay)."""
    prepared = {}
    with server.connect(dbname, autocommit=True) as conn:
        for path in paths:
            client = test_client(path.actor, actors)
            k1, k2 = path.capture_targets
            # A process's first request of a kind does one-off work (caches): not counted.
            send(client, path, k2)
            captures = [capture(lambda c=client, p=path, k=k: send(c, p, k)) for k in (k1, k1, k2)]
            status = captures[0].status
            entry = {"queries": captures[0].queries, "script": None, "notes": [], "status": status}
            if status >= 300:
                entry["error"] = f"the request answered {status}: {captures[0].body[:300]!r}"
                prepared[path.key] = entry
                continue
            try:
                script = build_script(
                    captures,
                    target_set=path.target[0] if path.target else None,
                    k1=k1,
                    k2=k2,
                    targets=path.targets,
                )
            except ScriptError as error:
                entry["notes"].append(f"no pgbench figure: {error}")
            else:
                entry["script"] = scripts_dir / f"{path.key}.sql"
                entry["script"].write_text(script.text)
            entry["notes"].extend(plan_notes(conn, captures[0].statements))
            prepared[path.key] = entry
    return prepared


def load_paths(paths, prepared, actors, env, server, dbname, scale, duration) -> list[dict]:
    """wrk against gunicorn, then pgbench on the same SQL, path by path."""
    rows = []
    say("Starting gunicorn (gunicorn.conf.py, DEBUG off)…")
    app = AppServer(env)
    try:
        app.wait_until_ready()
        cookie = app.admin_session(RECRUITER, actors["password"])
        for path in paths:
            entry = prepared[path.key]
            row = {
                "key": path.key,
                "label": path.label,
                "method": path.method,
                "path": path.load_path(),
                "queries": entry["queries"],
                "notes": ([path.note] if path.note else []) + entry["notes"],
            }
            rows.append(row)
            if "error" in entry:
                row["notes"].append(entry["error"])
                continue
            headers = {**PROXY_HEADERS}
            if path.actor == "admin":
                headers["Cookie"] = cookie
            else:
                headers["Authorization"] = f"Token {actors['tokens'][path.actor]}"
            if path.body is not None:
                headers["Content-Type"] = "application/json"
            status, _, body = app.request(
                path.method, path.url(path.capture_targets[0]), headers, path.body
            )
            if status >= 300:
                row["notes"].append(f"the served app answered {status}: {body[:300]!r}")
                continue
            say(f"  {path.label}: wrk…")
            request = Request(path.method, path.load_path(), headers, path.body, path.targets)
            run_wrk(app.base_url, request, scale.warmup)
            result = run_wrk(app.base_url, request, duration)
            row.update(
                requests_per_s=result.per_second,
                p50_ms=result.p50_ms,
                p99_ms=result.p99_ms,
                errors=result.errors,
            )
            if result.errors:
                row["notes"].append(f"{result.errors} failed requests (wrk)")
            if entry["script"] is not None:
                say(f"  {path.label}: pgbench…")
                tps = pgbench(server, dbname, entry["script"], duration, row)
                if tps:
                    row["pgbench_tps"] = tps.tps
                    row["pgbench_latency_ms"] = tps.latency_ms
                    row["ratio"] = result.per_second / tps.tps
    finally:
        app.stop()
    return rows


def pgbench(server, dbname, script, seconds, row) -> PgbenchResult | None:
    try:
        run_pgbench(server, dbname, script, clients=1)  # Once: does it run at all?
        return run_pgbench(server, dbname, script, seconds)
    except RuntimeError as error:
        row.setdefault("notes", []).append(str(error))
        return None


def measure_purge(server: Server, dbname: str, scale: Scale, record: dict) -> dict:
    """``manage.py purge_expired`` over a fresh set of interviews past retention."""
    from django.core.management import call_command
    from django.db import connection

    filled_at = datetime.fromisoformat(record["filled_at"])
    finished_before = filled_at - PURGE_AGE
    with server.connect(dbname, autocommit=True) as conn:
        generator.remove_purge_set(conn)
        generator.fill_purge_set(conn, scale, finished_before=finished_before)
        conn.execute("ANALYZE interviews, interview_sessions, interview_messages, agent_actions")
    # Whole days, rounded down: the command's cutoff falls between the purge set's
    # newest interview and the oldest of the others (a year younger).
    days = (datetime.now(UTC) - finished_before).days
    queries = [0]

    def count(execute, sql, params, many, context):
        queries[0] += 1
        return execute(sql, params, many, context)

    out = io.StringIO()
    with connection.execute_wrapper(count):
        started = time.perf_counter()
        call_command("purge_expired", days=days, stdout=out)
        seconds = time.perf_counter() - started
    said = out.getvalue()
    summary = next(line for line in said.splitlines() if line.startswith("Purged"))
    counts = {
        name: int(number) for number, name in re.findall(r"(\d+) ([a-z ]+?)(?=, | of \d)", summary)
    }
    interviews = int(re.search(r" of (\d+) interviews", summary).group(1))
    rows = sum(counts.values())
    messages = next((n for name, n in counts.items() if "message" in name), 0)
    result = {
        "interviews": interviews,
        "rows": rows,
        "by_table": counts,
        "messages": messages,
        "seconds": seconds,
        "rows_per_s": rows / seconds if seconds else None,
        "queries": queries[0],
        "output": summary,
    }
    result.update(purge_floor(server, dbname))
    return result


def purge_floor(server: Server, dbname: str) -> dict:
    """The same rewrite of the purge set's messages as one UPDATE (rolled back)."""
    from interviews.models import EXPIRED_TEXT

    interviews = generator.target_range(TargetSet.PURGE, Kind.INTERVIEW)
    with server.connect(dbname) as conn, conn.transaction(force_rollback=True):
        started = time.perf_counter()
        cursor = conn.execute(
            "UPDATE interview_messages SET content_text = %(text)s, content_audio_url = NULL,"
            " audio_metadata = NULL, metadata = NULL"
            " WHERE interview_id >= %(first)s AND interview_id < %(last)s",
            {"text": EXPIRED_TEXT, **interviews},
        )
        seconds = time.perf_counter() - started
        rows = cursor.rowcount
    return {"floor_seconds": seconds, "floor_rows_per_s": rows / seconds if seconds else None}


def measure_audit(server: Server, dbname: str, scale: Scale, append_script, duration) -> list:
    say(f"  bulk writes of {scale.audit_rows:,} candidates, with and without audit triggers…")
    with server.connect(dbname) as conn:
        bulk = audit.bulk_costs(conn, scale.audit_rows)
    rows = [
        {
            "write": row["write"],
            "with": f"{row['ms_per_row_audited']:.3f} ms/row",
            "without": f"{row['ms_per_row_unaudited']:.3f} ms/row",
            "ratio": row["ratio"],
            "detail": row,
        }
        for row in bulk
    ]
    if append_script is None:
        return rows
    say("  transcript append (pgbench), with and without audit triggers…")
    with server.connect(dbname, autocommit=True) as conn:
        triggers = audit.audit_triggers(conn, audit.event_tables())
        audited = run_pgbench(server, dbname, append_script, duration)
        with audit.switched_off(conn, triggers):
            bare = run_pgbench(server, dbname, append_script, duration)
    rows.append(
        {
            "write": f"transcript append, one row ({CLIENTS} clients, pgbench)",
            "with": f"{audited.tps:,.0f} tps",
            "without": f"{bare.tps:,.0f} tps",
            "ratio": bare.tps / audited.tps if audited.tps else None,
            "detail": {"triggers": triggers},
        }
    )
    return rows


def machine(server: Server, dbname: str) -> dict:
    from django.conf import settings

    from ops import serving

    with server.connect(dbname) as conn:
        version = conn.execute("SHOW server_version").fetchone()[0]
    return {
        "cpus": serving.cpu_count(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "postgres": f"PostgreSQL {version.split()[0]}",
        "server": "embedded" if server.kind == "embedded" else "DATABASE_URL",
        "workers": serving.workers(),
        "threads": serving.threads(),
        "pool": settings.DATABASES["default"]["OPTIONS"]["pool"]["max_size"],
        "load_average": [round(value, 2) for value in os.getloadavg()],
    }


def table_counts(server: Server, dbname: str) -> dict:
    tables = (
        "candidates", "resumes", "interviews", "interview_sessions", "interview_messages",
        "agent_actions", "assessment_results", "candidate_events", "interview_events",
        "interview_session_events", "assessment_result_events",
    )  # fmt: skip
    with server.connect(dbname) as conn:
        return {
            table: conn.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0] for table in tables
        }


def main(argv=None) -> None:
    args = parse(argv)
    scale = SCALES[args.scale]
    duration = args.duration or scale.duration
    if not wrk_available():
        sys.exit("make bench loads the app with wrk: install it (Debian: apt-get install wrk).")
    server = configured_server()
    dbname = database_name(scale.name)
    env = bench_env(server, dbname)
    check_redis(env["CACHE_URL"])
    os.environ.update(env)
    started = datetime.now(UTC)
    record = prepare_database(server, dbname, scale, env, rebuild=args.rebuild)
    if not static_files_collected(env):
        say("Collecting static files (deploy step 5)…")
        manage(env, "collectstatic", "--noinput")

    import django

    django.setup()
    # The served app logs as production does; this process's own lines (a login, a
    # lockout reset) would only interleave with the progress.
    logging.disable(logging.INFO)
    from bench.paths import hot_paths

    with server.connect(dbname, autocommit=True) as conn:
        audit.enable_all(conn)
        (email,) = conn.execute(
            "SELECT email FROM candidates WHERE deleted_at IS NULL"
            " ORDER BY created_at OFFSET %s LIMIT 1",
            [scale.candidates // 2],
        ).fetchone()
    wanted = set(args.paths.split(",")) if args.paths else None
    paths = [path for path in hot_paths(scale, email=email) if not wanted or path.key in wanted]
    actors = make_actors()
    result = {
        "date": started.date().isoformat(),
        "started_at": started.isoformat(timespec="seconds"),
        "scale": scale.name,
        "machine": machine(server, dbname),
        "load": {"clients": CLIENTS, "seconds": duration, "warmup_seconds": scale.warmup},
        "data": {"filled_at": record.get("filled_at"), "fill_seconds": record.get("fill_seconds")},
        "paths": [],
    }
    with tempfile.TemporaryDirectory(prefix="bench-scripts-") as scripts:
        if args.scripts:
            args.scripts.mkdir(parents=True, exist_ok=True)
        say("Capturing each hot path's SQL…")
        prepared = capture_paths(paths, actors, server, dbname, args.scripts or Path(scripts))
        say(f"Loading each hot path for {duration} s (wrk, then pgbench)…")
        result["paths"] = load_paths(paths, prepared, actors, env, server, dbname, scale, duration)
        if not wanted or "audit" in wanted:
            say("Audit triggers…")
            append = prepared.get("append", {}).get("script")
            result["audit"] = measure_audit(server, dbname, scale, append, duration)
    if not wanted or "purge" in wanted:
        say(f"Retention purge of {scale.purge_messages:,} messages…")
        result["purge"] = measure_purge(server, dbname, scale, record)
    result["data"]["rows"] = table_counts(server, dbname)
    result["finished_at"] = datetime.now(UTC).isoformat(timespec="seconds")
    print()
    print(report.render(result))
    # Only whole runs are kept; the tests' scale measures nothing worth keeping.
    if wanted is None and scale.name != "tiny":
        say(f"Written to {report.save(result)}")
    if args.drop:
        from django.db import connections

        connections.close_all()
        with server.connect(autocommit=True) as conn:
            conn.execute(f'DROP DATABASE "{dbname}" WITH (FORCE)')
