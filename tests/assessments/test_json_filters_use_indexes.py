"""The JSON filters of the API compile to queries the GIN indexes can answer."""

import json
import random
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from rest_framework.request import Request

from assessments.models import AssessmentResult
from candidates.filters import CandidateFilter
from candidates.models import Candidate
from interviews.models import Interview

SKILLS = ["python", "react", "sql", "go"]
LEVELS = ["proficient", "advanced", "expert"]

#: How often the scorer names each skill: a few in nearly every interview, a long tail
#: of rarer ones (a Go interview is one in ten; Rust, one in a hundred).
SKILL_WEIGHTS = {
    "communication": 30,
    "problem_solving": 30,
    "python": 20,
    "javascript": 18,
    "sql": 15,
    "react": 12,
    "system_design": 10,
    "typescript": 8,
    "go": 6,
    "java": 6,
    "docker": 5,
    "aws": 5,
    "kubernetes": 3,
    "rust": 0.6,
    "elixir": 0.3,
}
#: The levels the scorer gives, experts the fewest.
LEVEL_WEIGHTS = {"beginner": 20, "intermediate": 35, "advanced": 30, "expert": 15}
#: Enough assessments that reading the table costs more than a selective index scan:
#: the planner chooses on its own, as it does in production.
SCORED = 30_000


@pytest.fixture
def many_assessments(candidate):
    """Enough varied rows, analysed, for the planner to weigh its options."""
    interviews = Interview.objects.bulk_create(
        Interview(candidate=candidate, role_type="python") for _ in range(400)
    )
    AssessmentResult.objects.bulk_create(
        AssessmentResult(
            interview=interview,
            overall_score=Decimal(n % 100),
            skill_scores={f"skill{n % 37}": {"score": n % 100, "level": LEVELS[n % 3]}},
            integrity_flags=["tab_switching"] if n % 40 == 0 else [],
        )
        for n, interview in enumerate(interviews)
    )
    Candidate.objects.bulk_create(
        Candidate(email=f"c{n}@example.com", full_name=f"C {n}", skills=[SKILLS[n % 4]])
        for n in range(400)
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE assessment_results, candidates")


def _scored_documents(count: int) -> list[dict]:
    """Assessments as the AI writes them: three skills each, scored and levelled."""
    rng = random.Random(12)
    skills, weights = list(SKILL_WEIGHTS), list(SKILL_WEIGHTS.values())
    documents = []
    for _ in range(count):
        chosen: set[str] = set()
        while len(chosen) < 3:
            chosen.add(rng.choices(skills, weights)[0])
        levels = rng.choices(list(LEVEL_WEIGHTS), list(LEVEL_WEIGHTS.values()), k=3)
        documents.append(
            {
                "skill_scores": {
                    skill: {"score": rng.randint(20, 99), "level": level}
                    for skill, level in zip(sorted(chosen), levels, strict=True)
                },
                "integrity_flags": ["tab_switching"] if rng.random() < 0.02 else [],
            }
        )
    return documents


@pytest.fixture
def scored_assessments(candidate) -> list[dict]:
    """SCORED live assessments of realistic documents, analysed; returns the documents."""
    documents = _scored_documents(SCORED)
    with connection.cursor() as cursor:
        # In SQL, one statement per table: the ORM would build 60,000 objects first.
        cursor.execute(
            "CREATE TEMPORARY TABLE scored ON COMMIT DROP AS"
            " SELECT ordinality AS n, value AS document"
            " FROM jsonb_array_elements(%s::jsonb) WITH ORDINALITY",
            [json.dumps(documents)],
        )
        cursor.execute(
            "CREATE TEMPORARY TABLE scored_interviews ON COMMIT DROP AS"
            " WITH made AS ("
            "  INSERT INTO interviews (candidate_id, role_type)"
            "  SELECT %s, 'python' FROM scored RETURNING id)"
            " SELECT id, row_number() OVER () AS n FROM made",
            [candidate.pk],
        )
        cursor.execute(
            "INSERT INTO assessment_results (interview_id, overall_score, skill_scores,"
            " integrity_flags)"
            " SELECT i.id, 70, s.document -> 'skill_scores', s.document -> 'integrity_flags'"
            " FROM scored s JOIN scored_interviews i USING (n)"
        )
        # What autovacuum does to a table that has grown: the rows just written wait in
        # each GIN index's pending list, which the planner rightly counts as a cost.
        for index in (
            "assessments_skills_path_gin",
            "assessments_skill_scores_gin",
            "assessments_integrity_path_gin",
        ):
            cursor.execute("SELECT gin_clean_pending_list(%s::regclass)", [index])
        cursor.execute("ANALYZE assessment_results")
    return documents


def _listed(client, query: str, predicate: str) -> tuple[dict, list[str]]:
    """The first page the API lists for ``query``, and the SQL of each query it ran
    that holds ``predicate`` (the page's, the count's)."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(f"/api/v1/assessments/?{query}")
    assert response.status_code == 200, response.content
    filtered = [query["sql"] for query in queries if predicate in query["sql"]]
    assert filtered, [query["sql"] for query in queries]
    return response.json(), filtered


def _scans(plan: dict):
    """Every node of an EXPLAIN (FORMAT JSON) plan tree."""
    yield plan
    for child in plan.get("Plans", []):
        yield from _scans(child)


def _explain(sql: str) -> list[dict]:
    """The nodes of the plan the server runs for ``sql``, with what each actually did."""
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, FORMAT JSON) {sql}")
        [[document]] = cursor.fetchall()
    return list(_scans(document[0]["Plan"]))


def _plan(queryset) -> str:
    # On a small table a sequential scan is cheapest; forbid it to see whether the
    # index serves the predicate (the planner picks it on its own as tables grow).
    # The tests plan over all rows: on live rows only, a small table is as cheaply
    # read through the partial index of live assessments.
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        return queryset.order_by().explain()


def _filtered(filterset_class, queryset, query: str):
    request = Request(RequestFactory().get(f"/?{query}"))
    filterset = filterset_class(request.query_params, queryset=queryset, request=request)
    assert filterset.is_valid(), filterset.errors
    return filterset.qs


def _index_scans(nodes: list[dict]) -> set[str]:
    return {node["Index Name"] for node in nodes if "Index Name" in node}


def test_skill_containment_is_answered_exactly_by_the_path_index(scored_assessments, recruiter_api):
    """skill_scores__contains as the API runs it: the planner picks the jsonb_path_ops
    index by itself, and the index hands over only the matching rows, none to be read
    and thrown away on recheck (the jsonb_ops index returned mostly such rows)."""
    wanted = {"go": {"level": "expert"}}
    expected = sum(
        document["skill_scores"].get("go", {}).get("level") == "expert"
        for document in scored_assessments
    )
    # A recruiter's search: a few rows in a hundred.
    assert 0 < expected < SCORED / 50

    page, queries = _listed(
        recruiter_api,
        f"skill_scores__contains={json.dumps(wanted)}",
        '"assessment_results"."skill_scores" @>',
    )

    assert page["count"] == expected
    for sql in queries:
        nodes = _explain(sql)
        assert "assessments_skills_path_gin" in _index_scans(nodes), nodes
        [heap] = [node for node in nodes if node["Node Type"] == "Bitmap Heap Scan"]
        assert (heap["Actual Rows"], heap["Rows Removed by Index Recheck"]) == (
            expected,
            0,
        ), sql


def test_a_rare_skill_is_found_through_the_key_index(scored_assessments, recruiter_api):
    """skill_scores__has_key (?), which jsonb_path_ops cannot answer, is served by the
    jsonb_ops index kept for it."""
    expected = sum("rust" in document["skill_scores"] for document in scored_assessments)
    assert 0 < expected < SCORED / 50

    page, queries = _listed(
        recruiter_api, "skill_scores__has_key=rust", '"assessment_results"."skill_scores" ?'
    )

    assert page["count"] == expected
    for sql in queries:
        assert "assessments_skill_scores_gin" in _index_scans(_explain(sql)), sql


def test_integrity_flag_containment_uses_its_path_index(scored_assessments, recruiter_api):
    expected = sum(
        "tab_switching" in document["integrity_flags"] for document in scored_assessments
    )
    assert 0 < expected < SCORED / 25

    page, queries = _listed(
        recruiter_api,
        'integrity_flags__contains=["tab_switching"]',
        '"assessment_results"."integrity_flags" @>',
    )

    assert page["count"] == expected
    for sql in queries:
        nodes = _explain(sql)
        assert "assessments_integrity_path_gin" in _index_scans(nodes), sql
        [heap] = [node for node in nodes if node["Node Type"] == "Bitmap Heap Scan"]
        assert heap["Rows Removed by Index Recheck"] == 0, sql


def test_candidate_skills_filter_uses_the_gin_index(many_assessments):
    queryset = _filtered(CandidateFilter, Candidate.all_objects.all(), "skills=python,sql")
    assert "candidates_skills_gin" in _plan(queryset.values("id"))


def test_candidate_email_filter_uses_the_lower_email_index(many_assessments):
    """?email= compares lower(email), which the unique index holds: a lookup, not a
    scan of every candidate (twice per request: the page and its count)."""
    queryset = _filtered(CandidateFilter, Candidate.objects.all(), "email=C7@Example.COM")
    assert list(queryset.values_list("email", flat=True)) == ["c7@example.com"]
    assert "candidates_email_ci_unique" in _plan(queryset.values("id"))
