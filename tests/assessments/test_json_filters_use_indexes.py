"""The JSON filters of the API compile to queries the GIN indexes can answer."""

from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.test import RequestFactory
from rest_framework.request import Request

from assessments.filters import AssessmentFilter
from assessments.models import AssessmentResult
from candidates.filters import CandidateFilter
from candidates.models import Candidate
from interviews.models import Interview

SKILLS = ["python", "react", "sql", "go"]
LEVELS = ["proficient", "advanced", "expert"]


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


@pytest.mark.parametrize(
    ("query", "index"),
    [
        (
            'skill_scores__contains={"python": {"level": "advanced"}}',
            "assessments_skill_scores_gin",
        ),
        ("skill_scores__has_key=skill7", "assessments_skill_scores_gin"),
        ('integrity_flags__contains=["tab_switching"]', "assessments_integrity_gin"),
    ],
)
def test_assessment_json_filters_use_the_gin_index(many_assessments, query, index):
    queryset = _filtered(AssessmentFilter, AssessmentResult.all_objects.all(), query)
    assert index in _plan(queryset.values("id"))


def test_candidate_skills_filter_uses_the_gin_index(many_assessments):
    queryset = _filtered(CandidateFilter, Candidate.all_objects.all(), "skills=python,sql")
    assert "candidates_skills_gin" in _plan(queryset.values("id"))


def test_candidate_email_filter_uses_the_lower_email_index(many_assessments):
    """?email= compares lower(email), which the unique index holds: a lookup, not a
    scan of every candidate (twice per request: the page and its count)."""
    queryset = _filtered(CandidateFilter, Candidate.objects.all(), "email=C7@Example.COM")
    assert list(queryset.values_list("email", flat=True)) == ["c7@example.com"]
    assert "candidates_email_ci_unique" in _plan(queryset.values("id"))
