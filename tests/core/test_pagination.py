"""The API's list ``count``: exact up to a limit, PostgreSQL's estimate beyond, so no
request counts every row of a large table."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from candidates.models import Candidate
from core import pagination

URL = "/api/v1/candidates/"


@pytest.fixture
def twenty_candidates(db):
    Candidate.objects.bulk_create(
        Candidate(
            email=f"c{n}@example.com", full_name=f"C {n}", status=["active", "inactive"][n % 2]
        )
        for n in range(20)
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE candidates")


def _counts(queries) -> list[str]:
    return [q["sql"] for q in queries.captured_queries if "COUNT(" in q["sql"].upper()]


def test_below_the_limit_the_count_is_exact(admin_api, twenty_candidates):
    assert admin_api.get(URL).json()["count"] == 20
    assert admin_api.get(f"{URL}?status=inactive").json()["count"] == 10


def test_above_the_limit_the_count_is_the_planners_and_no_query_counts_every_row(
    admin_api, twenty_candidates, monkeypatch
):
    monkeypatch.setattr(pagination, "EXACT_COUNT_LIMIT", 5)

    with CaptureQueriesContext(connection) as queries:
        body = admin_api.get(f"{URL}?page_size=3").json()

    # Analysed, the planner knows there are 20; the exact count stopped at 6.
    assert body["count"] == 20
    assert body["next"].endswith("page=2&page_size=3")
    [count] = _counts(queries)
    assert count.endswith("LIMIT 6) subquery")
    assert [q for q in queries.captured_queries if "EXPLAIN (FORMAT JSON)" in q["sql"].upper()]


def test_a_filtered_count_above_the_limit_is_the_estimate_of_the_filtered_query(
    admin_api, twenty_candidates, monkeypatch
):
    monkeypatch.setattr(pagination, "EXACT_COUNT_LIMIT", 5)

    assert admin_api.get(f"{URL}?status=inactive").json()["count"] == 10


def test_the_estimate_is_never_below_what_was_counted(admin_api, twenty_candidates, monkeypatch):
    monkeypatch.setattr(pagination, "EXACT_COUNT_LIMIT", 5)
    monkeypatch.setattr(pagination, "planned_rows", lambda queryset: 1)

    assert admin_api.get(f"{URL}?page_size=3").json()["count"] == 6


def test_a_count_of_exactly_the_limit_is_exact(admin_api, twenty_candidates, monkeypatch):
    monkeypatch.setattr(pagination, "EXACT_COUNT_LIMIT", 20)
    monkeypatch.setattr(pagination, "planned_rows", lambda queryset: 1000)

    assert admin_api.get(f"{URL}?page_size=3").json()["count"] == 20


def test_an_empty_page_within_the_estimate_is_served_and_one_past_it_is_a_404(
    admin_api, twenty_candidates, monkeypatch
):
    monkeypatch.setattr(pagination, "EXACT_COUNT_LIMIT", 5)
    monkeypatch.setattr(pagination, "planned_rows", lambda queryset: 30)

    last = admin_api.get(f"{URL}?page_size=10&page=3")
    past = admin_api.get(f"{URL}?page_size=10&page=4")

    assert last.status_code == 200
    assert (last.json()["count"], last.json()["next"], last.json()["results"]) == (30, None, [])
    assert past.status_code == 404


def test_a_page_that_is_not_full_gives_the_count_without_counting(admin_api, twenty_candidates):
    with CaptureQueriesContext(connection) as queries:
        found = admin_api.get(f"{URL}?email=C7@example.com").json()
        last = admin_api.get(f"{URL}?page=3&page_size=8").json()

    assert (found["count"], [c["email"] for c in found["results"]]) == (1, ["c7@example.com"])
    assert (last["count"], len(last["results"]), last["next"]) == (20, 4, None)
    assert _counts(queries) == []


def test_a_full_last_page_gives_the_count_without_counting_and_no_next(
    admin_api, twenty_candidates
):
    with CaptureQueriesContext(connection) as queries:
        everything = admin_api.get(f"{URL}?page_size=20").json()
        last = admin_api.get(f"{URL}?page=2&page_size=10").json()

    assert (everything["count"], len(everything["results"]), everything["next"]) == (20, 20, None)
    assert (last["count"], len(last["results"]), last["next"]) == (20, 10, None)
    assert _counts(queries) == []


def test_a_page_with_rows_after_it_links_the_next_and_counts(admin_api, twenty_candidates):
    with CaptureQueriesContext(connection) as queries:
        first = admin_api.get(f"{URL}?page_size=19").json()

    assert (first["count"], len(first["results"])) == (20, 19)
    assert first["next"].endswith("page=2&page_size=19")
    assert len(_counts(queries)) == 1


def test_an_empty_first_page_counts_nothing_either(admin_api, twenty_candidates):
    with CaptureQueriesContext(connection) as queries:
        body = admin_api.get(f"{URL}?email=nobody@example.com").json()

    assert (body["count"], body["results"], body["next"]) == (0, [], None)
    assert _counts(queries) == []


def test_a_page_past_the_end_is_still_a_404(admin_api, twenty_candidates):
    response = admin_api.get(f"{URL}?page=4&page_size=10")

    assert (response.status_code, response.json()) == (404, {"detail": "Invalid page."})


def test_a_lists_queries_do_not_grow_with_its_page_size(admin_api, twenty_candidates):
    sizes = {}
    for size in (1, 19):
        with CaptureQueriesContext(connection) as queries:
            body = admin_api.get(f"{URL}?page_size={size}").json()
        assert len(body["results"]) == size
        sizes[size] = len(queries.captured_queries)
    assert sizes[1] == sizes[19]


def test_an_estimate_too_high_links_no_page_past_the_rows(
    admin_api, twenty_candidates, monkeypatch
):
    monkeypatch.setattr(pagination, "EXACT_COUNT_LIMIT", 5)
    monkeypatch.setattr(pagination, "planned_rows", lambda queryset: 1_000)

    followed = admin_api.get(f"{URL}?page=1&page_size=10").json()
    beyond = admin_api.get(f"{URL}?page=3&page_size=10")

    assert (followed["count"], len(followed["results"])) == (1_000, 10)
    assert followed["next"].endswith("page=2&page_size=10")
    assert (beyond.status_code, beyond.json()["results"], beyond.json()["next"]) == (200, [], None)


@pytest.mark.parametrize("page", ["abc", "0", "-1", "1.5"])
def test_a_page_that_is_not_a_positive_whole_number_is_a_404(admin_api, twenty_candidates, page):
    response = admin_api.get(URL, {"page": page})

    assert (response.status_code, response.json()) == (404, {"detail": "Invalid page."})
