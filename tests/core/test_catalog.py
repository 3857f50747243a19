"""The schema as PostgreSQL sees it: indexes, keys and defaults the spec promises.

The expectations are read from the models, so a new model, field, index, constraint
or trigger is checked as soon as it exists.
"""

import re

import pgtrigger
import pytest
from django.contrib.postgres.indexes import PostgresIndex
from django.db import connection, models

from tests.dbutils import OUR_TABLES, is_audit_event, project_models, project_tables

pytestmark = pytest.mark.django_db

#: The composite foreign keys of interviews migration 0002, which no model declares.
COMPOSITE_KEYS = {"interview_messages_session_of_interview_fk", "interviews_resume_of_candidate_fk"}

#: Index and constraint column lists, in key order; NULL stands for an expression.
_KEY_COLUMNS = """
    array(
        SELECT a.attname FROM unnest({keys}) WITH ORDINALITY AS k(attnum, position)
        LEFT JOIN pg_attribute a ON a.attrelid = {table} AND a.attnum = k.attnum
        ORDER BY k.position
    )
"""


def _rows(sql: str, params=None) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params or [])
        return cursor.fetchall()


def _indexes(tables: list[str]) -> dict[tuple[str, str], tuple]:
    """(table, index) -> (access method, unique, partial, key columns)."""
    rows = _rows(
        f"""
        SELECT t.relname, ic.relname, am.amname, i.indisunique, i.indpred IS NOT NULL,
               {_KEY_COLUMNS.format(keys="i.indkey::int2[]", table="i.indrelid")}
        FROM pg_index i
        JOIN pg_class t ON t.oid = i.indrelid
        JOIN pg_class ic ON ic.oid = i.indexrelid
        JOIN pg_am am ON am.oid = ic.relam
        WHERE t.relname = ANY (%s) AND t.relnamespace = 'public'::regnamespace
        """,
        [tables],
    )
    return {(table, name): tuple(rest) for table, name, *rest in rows}


def _constraints(tables: list[str]) -> dict[tuple[str, str], tuple]:
    """(table, constraint) -> (type, key columns, definition)."""
    rows = _rows(
        f"""
        SELECT t.relname, con.conname, con.contype,
               {_KEY_COLUMNS.format(keys="con.conkey", table="con.conrelid")},
               pg_get_constraintdef(con.oid)
        FROM pg_constraint con JOIN pg_class t ON t.oid = con.conrelid
        WHERE t.relname = ANY (%s) AND t.relnamespace = 'public'::regnamespace
        """,
        [tables],
    )
    return {(table, name): tuple(rest) for table, name, *rest in rows}


def _columns(model: type[models.Model], field_names) -> list[str]:
    return [model._meta.get_field(name.lstrip("-")).column for name in field_names]


def test_every_json_field_has_a_gin_index():
    """JSON is a jsonb column with a GIN index (SPEC §3), whichever model it is on."""
    # The audit tables copy JSON fields (assessment_result_events) but are read one
    # object's history at a time (by pgh_obj_id), never searched by content, so they
    # carry no GIN index: one would only slow down every audited write.
    expected = {
        (model._meta.db_table, field.column)
        for model in project_models(events=False)
        for field in model._meta.concrete_fields
        if isinstance(field, models.JSONField)
    }
    columns = _rows(
        """
        SELECT c.relname, a.attname,
               EXISTS (
                   SELECT 1 FROM pg_index i
                   JOIN pg_class ic ON ic.oid = i.indexrelid
                   JOIN pg_am am ON am.oid = ic.relam
                   WHERE i.indrelid = c.oid AND am.amname = 'gin' AND i.indpred IS NULL
                     AND a.attnum = ANY (i.indkey::int2[])
               ) AS has_gin
        FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
        WHERE c.relname = ANY (%s) AND a.attnum > 0 AND NOT a.attisdropped
          AND a.atttypid = 'jsonb'::regtype
        """,
        [OUR_TABLES],
    )
    assert expected  # The spec's data model has JSON fields.
    assert {(table, column) for table, column, _has_gin in columns} == expected
    assert [(table, column) for table, column, has_gin in columns if not has_gin] == []


def test_candidate_skills_have_a_gin_index():
    [(definition,)] = _rows(
        "SELECT indexdef FROM pg_indexes WHERE indexname = 'candidates_skills_gin'"
    )
    assert "USING gin (skills)" in definition


def test_every_foreign_key_is_served_by_an_index():
    """Each key's columns lead a non-partial index (a partial one serves only some rows)."""
    tables = project_tables()
    # Audit tables too: history is read by pgh_obj_id. Their copies of the recorded
    # row's foreign keys are values of a snapshot, not keys (no constraint): those the
    # history is searched by are indexed (tests/core/test_audit_trail.py checks which).
    declared = {
        (model._meta.db_table, (field.column,))
        for model in project_models()
        for field in model._meta.concrete_fields
        if (field.many_to_one or field.one_to_one)
        and (not is_audit_event(model) or field.name == "pgh_obj" or field.db_index)
    }
    constraints = {
        (table, name): tuple(columns)
        for (table, name), (kind, columns, _definition) in _constraints(tables).items()
        if kind == "f"
    }
    assert {name for _table, name in constraints} >= COMPOSITE_KEYS
    keys = declared | {(table, columns) for (table, _name), columns in constraints.items()}
    leading = {}
    for (table, _name), (_method, _unique, partial, columns) in _indexes(tables).items():
        if not partial:
            leading.setdefault(table, []).append(columns)

    unserved = [
        (table, columns)
        for table, columns in keys
        if not any(set(index[: len(columns)]) == set(columns) for index in leading.get(table, []))
    ]
    assert unserved == []


def _declared(model: type[models.Model]) -> dict[tuple[str, str], tuple]:
    """What Meta.indexes and Meta.constraints promise, as the catalog would show it."""
    table, declared = model._meta.db_table, {}
    for index in model._meta.indexes:
        method = index.suffix if isinstance(index, PostgresIndex) else "btree"
        columns = _columns(model, index.fields) if index.fields else None
        declared[table, index.name] = ("index", method, False, bool(index.condition), columns)
    for constraint in model._meta.constraints:
        if isinstance(constraint, models.CheckConstraint):
            declared[table, constraint.name] = ("check",)
            continue
        columns = _columns(model, constraint.fields) if constraint.fields else None
        if constraint.condition is not None or constraint.expressions:
            # PostgreSQL keeps partial and expression uniqueness as unique indexes.
            partial = constraint.condition is not None
            declared[table, constraint.name] = ("index", "btree", True, partial, columns)
        else:
            declared[table, constraint.name] = ("unique", columns)
    return declared


def test_declared_indexes_and_constraints_exist_under_their_names():
    """Every Meta.indexes and Meta.constraints entry is in the catalog, as declared."""
    tables = project_tables()
    expected = {key: value for model in project_models() for key, value in _declared(model).items()}
    catalog = {
        key: ("index", method, unique, partial, None if None in columns else columns)
        for key, (method, unique, partial, columns) in _indexes(tables).items()
    }
    for key, (kind, columns, _definition) in _constraints(tables).items():
        if kind == "c":
            catalog[key] = ("check",)
        elif kind == "u":
            catalog[key] = ("unique", columns)
    assert {kind for kind, *_ in expected.values()} == {"index", "check", "unique"}
    assert {key: catalog.get(key) for key in expected} == expected


def test_keys_and_timestamps_have_database_defaults():
    """id, created_at and updated_at have defaults, so rows written by SQL get them."""
    tables = [
        model._meta.db_table
        for model in project_models(events=False)
        if not model._meta.auto_created  # Many-to-many tables are Django's own.
    ]
    expected = {
        (table, column): "gen_random_uuid()" if column == "id" else "now()"
        for table in tables
        for column in ("id", "created_at", "updated_at")
    }
    defaults = _rows(
        """
        SELECT table_name, column_name, column_default
        FROM information_schema.columns
        WHERE table_schema = 'public' AND table_name = ANY (%s)
          AND column_name IN ('id', 'created_at', 'updated_at')
        """,
        [tables],
    )
    assert {(table, column): default for table, column, default in defaults} == expected


def test_every_enumeration_is_checked_by_the_database():
    """A field with choices has a CHECK constraint that lists exactly its values."""
    tables = project_tables(events=False)
    checks = {}
    for (table, _name), (kind, columns, definition) in _constraints(tables).items():
        if kind == "c" and len(columns) == 1:
            checks.setdefault((table, columns[0]), []).append(definition)
    enumerations = {
        (model._meta.db_table, field.column): {str(value) for value, _label in field.flatchoices}
        for model in project_models(events=False)
        for field in model._meta.concrete_fields
        if field.choices
    }
    assert enumerations
    unchecked = [
        column
        for column, values in enumerations.items()
        if not any(
            set(re.findall(r"'([^']*)'::", definition)) - {""} == values - {""}
            for definition in checks.get(column, [])
        )
    ]
    assert unchecked == []


def test_every_declared_trigger_is_installed():
    """The audit trail's and the models' own triggers are in the database, enabled."""
    ours = set(project_models())
    expected = {
        (model._meta.db_table, trigger.get_pgid(model), "O")
        for model, trigger in pgtrigger.registered()
        if model in ours
    }
    # Every audited model records inserts, updates and deletes.
    for model in ours:
        if is_audit_event(model):
            tracked = model.pgh_tracked_model._meta.label
            labels = {
                trigger.name for m, trigger in pgtrigger.registered() if m._meta.label == tracked
            }
            assert {"insert_insert", "update_update", "delete_delete"} <= labels, tracked
    installed = _rows(
        """
        SELECT c.relname, t.tgname, t.tgenabled
        FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
        WHERE NOT t.tgisinternal AND c.relname = ANY (%s)
        """,
        [project_tables()],
    )
    assert expected
    assert set(installed) == expected


def test_transcript_unique_index_serves_ordered_reads():
    [(definition,)] = _rows(
        "SELECT indexdef FROM pg_indexes WHERE indexname = 'interview_messages_sequence_key'"
    )
    assert definition.startswith("CREATE UNIQUE INDEX")
    assert definition.endswith("(interview_id, sequence_number)")


def test_live_assessment_uniqueness_is_a_partial_index():
    [(definition,)] = _rows(
        "SELECT indexdef FROM pg_indexes"
        " WHERE indexname = 'assessment_results_one_live_per_interview'"
    )
    assert "UNIQUE" in definition
    assert "WHERE (deleted_at IS NULL)" in definition
