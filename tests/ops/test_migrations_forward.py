"""A database made by the old layout migrates forward with today's code, losing nothing.

Commit 1e6a861 moved the shared code from ``config/`` to ``core/`` and ``ops/`` and edited
the old migrations in their import paths only. A database migrated before that move
must carry on with the new code: every table keeps its name and its rows, every applied
migration is still one of the code's migrations (none deleted or renamed), the graph has
one leaf per app, and nothing is left to apply or to make.

This test builds such a database with the code of :data:`OLD_LAYOUT` (exported from git),
fills it with ``seed_demo`` and an API token, then runs today's ``migrate`` on it and
compares. It fails if a table or an app label is renamed, or an old migration file is
deleted or renamed, or a row loses or changes a value in a column it had (new columns,
such as interview_messages.schema_version, may join). The one thing meant to go is
DRF's plain-text token table (its tokens move to knox's table as digests, core.0001):
the old token must still work.
"""

import hashlib
import io
import re
import subprocess
import sys
import tarfile
from collections import defaultdict
from pathlib import Path

import pytest
from django.conf import settings
from django.db.migrations.loader import MigrationLoader

from tests.dbutils import (
    admin_connect,
    checkout,
    database_url,
    project_env,
    project_tables,
    table_columns,
    table_contents,
)

pytestmark = pytest.mark.slow

#: The last commit with the old layout (embedded DB engine ``config.embedded_postgres``).
OLD_LAYOUT = "9d36792"

#: Django's own bookkeeping tables, which gain rows whenever the code gains a migration
#: (django_migrations) or a model (content types and their permissions): their old rows
#: must all still be there, unchanged, but new rows may join them.
GROWS_WITH_THE_CODE = ("django_migrations", "django_content_type", "auth_permission")

#: The app API tokens were kept by in plain text, and its table: core.0001 moves the tokens
#: to knox's table and drops it, with its rows in django_migrations.
RETIRED_APP = "authtoken"
RETIRED_TABLE = "authtoken_token"

#: Made with the old code: an API client's login and its (plain-text) token.
OLD_TOKEN = """
from django.contrib.auth.models import User
from rest_framework.authtoken.models import Token
client = User.objects.create_superuser("api-client", "api@example.com", "x9-unused")
print(Token.objects.create(user=client).key)
"""

#: Run with today's code: a request that presents the old token.
WITH_OLD_TOKEN = """
from django.test import Client
from django.test.utils import setup_test_environment
setup_test_environment()
response = Client().get("/api/v1/candidates/", HTTP_AUTHORIZATION="Token {key}")
print(response.status_code, response.json()["count"] > 0)
"""

#: A line of ``showmigrations --plan``: ``[X]  candidates.0001_initial``.
PLAN_LINE = re.compile(r"^\[(?P<mark>[ X])\]\s+(?P<app>\w+)\.(?P<name>\w+)")


def _git(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["git", "-C", str(checkout()), *args],
        capture_output=True,
        timeout=60,
        check=False,
    )


def _export_old_tree(target: Path) -> Path:
    """The files of :data:`OLD_LAYOUT`, written under ``target``."""
    if _git("cat-file", "-e", f"{OLD_LAYOUT}^{{commit}}").returncode != 0:
        shallow = _git("rev-parse", "--is-shallow-repository").stdout.decode().strip()
        if shallow == "true":
            pytest.skip(
                f"Commit {OLD_LAYOUT} (the old layout) is not in this shallow clone's"
                " history; fetch the full history (git fetch --unshallow) to run this test."
            )
        pytest.fail(f"Commit {OLD_LAYOUT} is missing from a full clone: was history rewritten?")
    archive = _git("archive", "--format=tar", OLD_LAYOUT)
    assert archive.returncode == 0, archive.stderr.decode()
    with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
        tar.extractall(target, filter="data")
    # The commit is the old layout: the settings name the old embedded engine.
    assert '"ENGINE": "config.embedded_postgres"' in (target / "config/settings.py").read_text()
    return target


def _env(dbname: str, *, old: bool) -> dict[str, str]:
    env = project_env(
        DATABASE_URL=database_url(dbname),
        SECRET_KEY="forward-migration-test-not-secret",
        DJANGO_SETTINGS_MODULE="config.settings",
        DEBUG="true",
    )
    # Nothing on the path but the tree the command runs in.
    env.pop("PYTHONPATH", None)
    if old:
        # The old tree is not the project's code: coverage must not measure it.
        for variable in ("COVERAGE_PROCESS_START", "COVERAGE_PROCESS_CONFIG"):
            env.pop(variable, None)
        env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


def _manage(tree: Path, env: dict[str, str], *args: str) -> str:
    """Run ``manage.py <args>`` of ``tree``; it must succeed. Returns its output."""
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=tree,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert result.returncode == 0, f"manage.py {' '.join(args)} in {tree}:\n" + (
        result.stdout + result.stderr
    )
    return result.stdout


def _state(
    dbname: str, columns: dict[str, list[str]] | None = None
) -> tuple[set[str], dict, dict[str, set[str]]]:
    """The tables of schema public, each table's (and sequence's) contents (in
    ``columns`` only, when given), and the rows of :data:`GROWS_WITH_THE_CODE` one by one."""
    with admin_connect(dbname) as conn:
        tables = {
            table
            for (table,) in conn.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
            ).fetchall()
        }
        contents = table_contents(conn, columns)
        rows = {
            table: {row for (row,) in conn.execute(f"SELECT t::text FROM {table} t").fetchall()}
            for table in GROWS_WITH_THE_CODE
        }
    return tables, contents, rows


def _growing(key: str) -> bool:
    """Whether a key of :func:`table_contents` is a growing table or its sequence."""
    return any(key in (table, f"sequence {table}_id_seq") for table in GROWS_WITH_THE_CODE)


def _migrations(dbname: str) -> set[tuple[str, str]]:
    with admin_connect(dbname) as conn:
        return set(conn.execute("SELECT app, name FROM django_migrations").fetchall())


def _rows_holding(dbname: str, text: str) -> dict[str, int]:
    """How many rows of each table of schema public hold ``text`` anywhere."""
    with admin_connect(dbname) as conn:
        tables = conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
        ).fetchall()
        counts = {
            table: conn.execute(
                f'SELECT count(*) FROM "{table}" t WHERE strpos(t::text, %s) > 0', [text]
            ).fetchone()[0]
            for (table,) in tables
        }
    return {table: count for table, count in counts.items() if count}


def test_the_code_graph_has_one_leaf_per_app():
    """Today's migrations do not fork: no app has two leaves (no conflict to merge)."""
    loader = MigrationLoader(None, ignore_no_migrations=True)
    leaves = defaultdict(list)
    for app, name in loader.graph.leaf_nodes():
        leaves[app].append(name)
    assert loader.detect_conflicts() == {}
    assert {app: names for app, names in leaves.items() if len(names) > 1} == {}


def test_a_database_of_the_old_layout_migrates_forward(scratch_database, tmp_path):
    """Old migrations + demo data, then today's migrate: nothing pending, nothing lost."""
    old_tree = _export_old_tree(tmp_path / "old")
    new_tree = Path(settings.BASE_DIR)
    old_env = _env(scratch_database, old=True)
    new_env = _env(scratch_database, old=False)

    # The old tree's commands run the old code, not today's.
    said = _manage(
        old_tree,
        old_env,
        "shell",
        "--no-imports",
        "-c",
        "import candidates, config.embedded_postgres; print(candidates.__file__)",
    )
    assert Path(said.splitlines()[-1]).is_relative_to(old_tree), said

    _manage(old_tree, old_env, "migrate", "--noinput")
    _manage(old_tree, old_env, "seed_demo")
    old_key = _manage(old_tree, old_env, "shell", "-c", OLD_TOKEN).splitlines()[-1]
    assert _rows_holding(scratch_database, old_key) == {RETIRED_TABLE: 1}
    old_tables, old_contents, old_rows = _state(scratch_database)
    with admin_connect(scratch_database) as conn:
        old_columns = table_columns(conn)
    old_migrations = _migrations(scratch_database)
    retired_migrations = {row for row in old_migrations if row[0] == RETIRED_APP}
    assert retired_migrations, "the old code had no plain-text tokens to move"
    with admin_connect(scratch_database) as conn:
        retired_rows = {
            row
            for (row,) in conn.execute(
                "SELECT t::text FROM django_migrations t WHERE app = %s", [RETIRED_APP]
            ).fetchall()
        }
    # Comparing empty tables would prove nothing: the apps' tables and their audit
    # trail hold rows, and the old code applied migrations of every app.
    seeded = set(project_tables()) & old_tables
    assert seeded, "the old code made none of today's tables"
    assert {table for table in seeded if old_contents[table][0] == 0} == set()
    assert {app for app, _name in old_migrations} >= {"candidates", "interviews", "assessments"}

    _manage(new_tree, new_env, "migrate", "--noinput")
    _manage(new_tree, new_env, "migrate", "--check")
    _manage(new_tree, new_env, "makemigrations", "--check", "--dry-run")
    lines = _manage(new_tree, new_env, "showmigrations", "--plan").splitlines()
    plan = [PLAN_LINE.match(line) for line in lines if line.strip()]
    assert None not in plan, lines

    new_tables, new_contents, new_rows = _state(scratch_database, old_columns)
    new_migrations = _migrations(scratch_database)

    # The old token works with today's code; its plain text is nowhere in the database,
    # only knox's digest of it.
    said = _manage(new_tree, new_env, "shell", "-c", WITH_OLD_TOKEN.format(key=old_key))
    assert said.splitlines()[-1] == "200 True"
    assert _rows_holding(scratch_database, old_key) == {}
    with admin_connect(scratch_database) as conn:
        moved = conn.execute(
            "SELECT u.username, k.token_key, k.digest FROM knox_authtoken k"
            " JOIN auth_user u ON u.id = k.user_id"
        ).fetchall()
    assert moved == [("api-client", old_key[:15], hashlib.sha512(old_key.encode()).hexdigest())]

    # Tables keep their names: none dropped or renamed (but the plain-text tokens'), and
    # today's models find theirs.
    assert old_tables - new_tables == {RETIRED_TABLE}
    assert set(project_tables()) - new_tables == set()
    if new_migrations == old_migrations:
        # No migration ran, so no table may have appeared either.
        assert new_tables == old_tables
    # Every row of every old table is unchanged; Django's bookkeeping only grows.
    assert {
        key: (old_contents[key], new_contents.get(key))
        for key in old_contents
        if not _growing(key) and key != RETIRED_TABLE and new_contents.get(key) != old_contents[key]
    } == {}
    lost = {table: rows - new_rows[table] for table, rows in old_rows.items()}
    assert {table: rows for table, rows in lost.items() if rows} == {
        "django_migrations": retired_rows
    }
    # Every migration the old code applied is one of today's (none deleted or renamed),
    # but the retired app's, and today's plan is applied to the last step.
    assert plan, "showmigrations --plan listed no migration"
    planned = {(step["app"], step["name"]) for step in plan}
    assert old_migrations - planned == retired_migrations
    assert {row for row in new_migrations if row[0] == RETIRED_APP} == set()
    assert [step[0] for step in plan if step["mark"] != "X"] == []
    assert planned <= new_migrations
