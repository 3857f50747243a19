"""Migrations apply, roll back app by app on a database full of data, and apply again.

This is what an operator does (README, Migrations): rolling an app back to zero drops
its tables with their rows; the rows of other apps' tables stay.
"""

import importlib

import pgtrigger
import pytest
from django.db.migrations.loader import MigrationLoader

from tests.dbutils import (
    admin_connect,
    database_url,
    project_apps,
    project_env,
    project_models,
    project_tables,
    run_project,
    schema,
    table_contents,
)

APPS_IN_ROLLBACK_ORDER = ["assessments", "interviews", "candidates"]

#: The groups of SPEC §4.2, made by a data migration whose reverse deletes them.
MIGRATION_GROUPS = set(importlib.import_module("assessments.migrations.0004_api_groups").GROUPS)

#: Rows outside the apps that seed_demo does not make: logins (one of them a
#: candidate's), a group of the operator's own, permissions on the apps' models, a
#: token, and an audit context row (a change made with a user in the pghistory context).
MORE_ROWS = """
import pghistory
from django.contrib.auth.models import Group, Permission, User
from knox.models import AuthToken
from candidates.models import Candidate

operator = User.objects.create_user("operator", password="x9-unused", is_staff=True)
operator.user_permissions.add(Permission.objects.get(codename="view_candidate"))
managers = Group.objects.create(name="Hiring managers")
managers.permissions.add(Permission.objects.get(codename="view_interview"))
operator.groups.add(managers)
AuthToken.objects.create(user=operator)
candidate = Candidate.objects.order_by("email").first()
with pghistory.context(user=operator.pk):
    candidate.user = User.objects.create_user(candidate.email, password="x9-unused")
    candidate.save()
"""

#: pgtrigger's helper that every trigger calls: each trigger's install creates it (CREATE
#: OR REPLACE) and no uninstall drops it, since any app's triggers may share it. It is
#: the one thing of the apps' migrations that `zero` leaves (a function, no data).
PGTRIGGER_HELPER = "_pgtrigger_should_ignore"

#: Tables outside the apps whose rows migrating the apps changes, by design.
CHANGED_BY_MIGRATIONS = (
    "auth_group",
    "auth_group_permissions",
    "auth_user_groups",
    "django_migrations",
)


def _manage(env, *args):
    result = run_project(["manage.py", *args], env, timeout=180)
    assert result.returncode == 0, result.stdout + result.stderr


def _migrate(env, *args):
    _manage(env, "migrate", "--noinput", *args)


def _other_apps() -> list[str]:
    """Apps with migrations that are not the project's (auth, admin, pghistory, …)."""
    migrated = MigrationLoader(None, ignore_no_migrations=True).migrated_apps
    return sorted(migrated - {app.label for app in project_apps()})


def _row_counts(conn, tables) -> dict[str, int]:
    return {
        table: conn.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0] for table in tables
    }


def _memberships(conn) -> list[tuple]:
    """Who is in which group, by username and group name."""
    return conn.execute(
        "SELECT u.username, g.name FROM auth_user_groups ug"
        " JOIN auth_user u ON u.id = ug.user_id JOIN auth_group g ON g.id = ug.group_id"
        " ORDER BY 1, 2"
    ).fetchall()


def _groups(conn) -> list[tuple]:
    """Each group's name and permissions (ids differ once a group is made again)."""
    return conn.execute(
        "SELECT g.name, array(SELECT ct.app_label || '.' || p.codename"
        "  FROM auth_group_permissions gp"
        "  JOIN auth_permission p ON p.id = gp.permission_id"
        "  JOIN django_content_type ct ON ct.id = p.content_type_id"
        "  WHERE gp.group_id = g.id ORDER BY 1)"
        " FROM auth_group g ORDER BY g.name"
    ).fetchall()


def _migrations(conn) -> list[tuple]:
    return conn.execute("SELECT app, name FROM django_migrations ORDER BY app, name").fetchall()


def _kept(contents: dict, outside: set[str]) -> dict:
    """The contents of the tables outside the apps that migrations leave alone."""
    return {
        key: contents[key]
        for key in outside
        if not any(
            key == table or key.startswith(f"sequence {table}_") for table in CHANGED_BY_MIGRATIONS
        )
    }


def test_every_project_app_is_rolled_back():
    """The rollback order names every app that has models (and so tables)."""
    assert {model._meta.app_label for model in project_models()} == set(APPS_IN_ROLLBACK_ORDER)


@pytest.mark.slow
def test_migrate_zero_for_each_app_and_back(scratch_database):
    """Rolling the apps back drops their tables and rows only; migrate makes them anew."""
    env = project_env(DATABASE_URL=database_url(scratch_database))
    tables = project_tables()

    # What the database holds without the apps: the state `zero` must return to.
    _manage(
        env,
        "shell",
        "-c",
        "from django.core.management import call_command\n"
        f"for app in {_other_apps()!r}:\n"
        "    call_command('migrate', app, interactive=False, verbosity=0)",
    )
    with admin_connect(scratch_database) as conn:
        without_apps = schema(conn)
        outside = set(table_contents(conn))

    _migrate(env)
    with admin_connect(scratch_database) as conn:
        applied = schema(conn)
    assert {name for name, _kind in applied["relations"]} >= set(tables)
    # The audit trail's and the models' own triggers, and their functions.
    triggers = {
        (model._meta.db_table, trigger.get_pgid(model))
        for model, trigger in pgtrigger.registered()
        if model in set(project_models())
    }
    assert {(table, name) for table, name, *_ in applied["triggers"] if table in tables} == triggers
    assert {name for name, *_ in applied["functions"] if name.startswith("pgtrigger_")} == {
        function for _table, function in triggers
    }

    _manage(env, "seed_demo")
    _manage(env, "shell", "-c", MORE_ROWS)
    with admin_connect(scratch_database) as conn:
        counts = _row_counts(conn, tables)
        loaded = table_contents(conn)
        groups = _groups(conn)
        members = _memberships(conn)
        recorded = _migrations(conn)
    assert [table for table, count in counts.items() if count == 0] == []
    assert {name for name, _permissions in groups} > MIGRATION_GROUPS

    for app in APPS_IN_ROLLBACK_ORDER:
        _migrate(env, app, "zero")

    with admin_connect(scratch_database) as conn:
        # The apps' tables are gone with their rows, and nothing of theirs is left.
        assert conn.execute(
            "SELECT to_regclass(t) FROM unnest(%s::text[]) t", [tables]
        ).fetchall() == [(None,)] * len(tables)
        left = schema(conn)
        left["functions"] = [row for row in left["functions"] if row[0] != PGTRIGGER_HELPER]
        assert left == without_apps
        # Every other table keeps its rows: logins, tokens, content types, permissions
        # (those of the apps' models included), audit contexts, other apps' migrations.
        # The data migration's reverse deletes its two groups; other groups stay.
        rolled_back = table_contents(conn)
        assert set(rolled_back) == outside
        assert _kept(rolled_back, outside) == _kept(loaded, outside)
        assert _groups(conn) == [group for group in groups if group[0] not in MIGRATION_GROUPS]
        # ... and their members leave them (seed_demo's reviewer is a recruiter).
        assert _memberships(conn) == [row for row in members if row[1] not in MIGRATION_GROUPS]
        assert len(_memberships(conn)) < len(members)
        assert _migrations(conn) == [
            row for row in recorded if row[0] not in APPS_IN_ROLLBACK_ORDER
        ]

    _migrate(env)

    with admin_connect(scratch_database) as conn:
        assert schema(conn) == applied
        assert _row_counts(conn, tables) == dict.fromkeys(tables, 0)
        assert _groups(conn) == groups
        assert _kept(table_contents(conn), outside) == _kept(loaded, outside)
        # Usable again: a candidate written by plain SQL gets its defaults and its
        # insert is on the audit trail.
        [(candidate_id,)] = conn.execute(
            "INSERT INTO candidates (email, full_name) VALUES ('back@example.com', 'Back Again')"
            " RETURNING id"
        ).fetchall()
        events = conn.execute(
            "SELECT pgh_label, email FROM candidate_events WHERE pgh_obj_id = %s", [candidate_id]
        ).fetchall()
    assert events == [("insert", "back@example.com")]
