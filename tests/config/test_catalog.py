"""The schema as PostgreSQL sees it: indexes, keys and defaults the spec promises."""

import pytest
from django.db import connection

from tests.dbutils import OUR_TABLES

pytestmark = pytest.mark.django_db


def _rows(sql: str, params=None) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params or [])
        return cursor.fetchall()


def test_every_jsonb_column_has_a_gin_index():
    columns = _rows(
        """
        SELECT c.relname, a.attname,
               EXISTS (
                   SELECT 1 FROM pg_index i
                   JOIN pg_class ic ON ic.oid = i.indexrelid
                   JOIN pg_am am ON am.oid = ic.relam
                   WHERE i.indrelid = c.oid AND am.amname = 'gin'
                     AND a.attnum = ANY (i.indkey::int2[])
               ) AS has_gin
        FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
        WHERE c.relname = ANY (%s) AND a.attnum > 0 AND NOT a.attisdropped
          AND a.atttypid = 'jsonb'::regtype
        """,
        [OUR_TABLES],
    )
    assert len(columns) == 15  # Every JSON field of the spec's data model.
    assert [(table, column) for table, column, has_gin in columns if not has_gin] == []


def test_candidate_skills_have_a_gin_index():
    [(definition,)] = _rows(
        "SELECT indexdef FROM pg_indexes WHERE indexname = 'candidates_skills_gin'"
    )
    assert "USING gin (skills)" in definition


def test_every_foreign_key_is_served_by_an_index():
    keys = _rows(
        """
        SELECT con.conname, con.conrelid::regclass::text,
               EXISTS (
                   SELECT 1 FROM pg_index i
                   WHERE i.indrelid = con.conrelid
                     AND i.indpred IS NULL  -- a partial index serves only some rows
                     AND (i.indkey::int2[])[0:cardinality(con.conkey) - 1] @> con.conkey
                     AND (i.indkey::int2[])[0:cardinality(con.conkey) - 1] <@ con.conkey
               ) AS indexed
        FROM pg_constraint con
        WHERE con.contype = 'f' AND con.conrelid::regclass::text = ANY (%s)
        """,
        [OUR_TABLES],
    )
    # Our own keys and the two composite ones (audit tables have no constraints).
    assert len(keys) == 17
    assert [name for name, _table, indexed in keys if not indexed] == []


def test_transcript_unique_index_serves_ordered_reads():
    [(definition,)] = _rows(
        "SELECT indexdef FROM pg_indexes WHERE indexname = 'interview_messages_sequence_key'"
    )
    assert definition.startswith("CREATE UNIQUE INDEX")
    assert definition.endswith("(interview_id, sequence_number)")


def test_keys_and_timestamps_have_database_defaults():
    defaults = _rows(
        """
        SELECT table_name, column_name, column_default
        FROM information_schema.columns
        WHERE table_name = ANY (%s) AND column_name IN ('id', 'created_at', 'updated_at')
        """,
        [OUR_TABLES],
    )
    assert len(defaults) == 3 * len(OUR_TABLES)
    for table, column, default in defaults:
        expected = "gen_random_uuid()" if column == "id" else "now()"
        assert default == expected, (table, column)


def test_enumerations_are_checked_by_named_constraints():
    names = {name for (name,) in _rows("SELECT conname FROM pg_constraint WHERE contype = 'c'")}
    assert {
        "candidates_status_valid",
        "candidates_experience_level_valid",
        "resumes_parsing_status_valid",
        "interviews_role_type_valid",
        "interviews_status_valid",
        "interview_sessions_difficulty_valid",
        "interview_messages_type_valid",
        "agent_actions_agent_type_valid",
        "agent_actions_status_valid",
        "assessment_results_review_status_valid",
    } <= names


def test_live_assessment_uniqueness_is_a_partial_index():
    [(definition,)] = _rows(
        "SELECT indexdef FROM pg_indexes"
        " WHERE indexname = 'assessment_results_one_live_per_interview'"
    )
    assert "UNIQUE" in definition
    assert "WHERE (deleted_at IS NULL)" in definition
