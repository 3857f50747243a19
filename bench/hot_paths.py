"""Benchmarks of the API's hot paths, on a database of realistic size.

Run with `make bench`. It builds its own database (`bench_candidates_portal`) on the
configured server, fills it, measures through the full Django stack (middleware,
authentication, permissions, serializers; no network), prints a table, and drops
the database again.
"""

import os
import statistics
import sys
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings_test")

import django

django.setup()

from django.contrib.auth.models import User  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402
from rest_framework.test import APIClient  # noqa: E402

CANDIDATES = int(os.environ.get("BENCH_CANDIDATES", 20_000))
ASSESSMENTS = int(os.environ.get("BENCH_ASSESSMENTS", 20_000))
TRANSCRIPT = 1_000
SKILLS = ["python", "react", "sql", "django", "typescript", "aws", "go", "rust"]
LEVELS = ["novice", "proficient", "advanced", "expert"]


def timed(call, repeat: int) -> list[float]:
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        call()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def summary(name: str, samples: list[float], note: str = "") -> tuple:
    samples = sorted(samples)
    p95 = samples[min(len(samples) - 1, int(len(samples) * 0.95))]
    return (name, len(samples), statistics.median(samples), p95, note)


def fill():
    from assessments.models import AssessmentResult
    from candidates.models import Candidate
    from interviews.models import Interview, InterviewSession

    candidates = Candidate.objects.bulk_create(
        Candidate(
            email=f"candidate{n}@bench.example.com",
            full_name=f"Candidate {n}",
            skills=[SKILLS[n % 8], SKILLS[(n * 3) % 8]],
            target_role="Backend engineer",
        )
        for n in range(CANDIDATES)
    )
    interviews = Interview.objects.bulk_create(
        Interview(candidate=candidates[n % len(candidates)], role_type="python")
        for n in range(ASSESSMENTS)
    )
    InterviewSession.objects.bulk_create(InterviewSession(interview=i) for i in interviews)
    AssessmentResult.objects.bulk_create(
        AssessmentResult(
            interview=interview,
            overall_score=Decimal(n % 100),
            skill_scores={
                SKILLS[n % 8]: {"score": n % 100, "level": LEVELS[n % 4]},
                SKILLS[(n + 1) % 8]: {"score": (n * 7) % 100, "level": LEVELS[(n + 1) % 4]},
            },
            integrity_flags=["tab_switching"] if n % 50 == 0 else [],
        )
        for n, interview in enumerate(interviews)
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return candidates


def measure(candidates) -> list[tuple]:
    from interviews import services

    user = User.objects.create_superuser("bench", "bench@example.com", "x9-unused")
    client = APIClient()
    client.force_authenticate(user)
    rows = []

    interview = services.start_interview(
        services.create_interview(candidate=candidates[0], role_type="python")
    )
    url = f"/api/v1/interviews/{interview.pk}/messages/"
    body = {"message_type": "ai_question", "content_text": "Explain Python's GIL. " * 5}

    def append():
        response = client.post(url, body, format="json")
        assert response.status_code == 201, response.content

    rows.append(summary("transcript append (one client)", timed(append, TRANSCRIPT)))

    def append_with_key():
        client.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()))

    rows.append(summary("transcript append with Idempotency-Key", timed(append_with_key, 200)))

    # Eight engine workers appending to eight interviews at once.
    running = [
        services.start_interview(services.create_interview(candidate=c, role_type="react"))
        for c in candidates[1:9]
    ]
    per_worker = 100
    barrier = threading.Barrier(len(running))

    def worker(target):
        own = APIClient()
        own.force_authenticate(user)
        barrier.wait()
        samples = timed(
            lambda: own.post(f"/api/v1/interviews/{target.pk}/messages/", body, format="json"),
            per_worker,
        )
        connection.close()
        return samples

    started = time.perf_counter()
    with ThreadPoolExecutor(len(running)) as pool:
        samples = [s for batch in pool.map(worker, running) for s in batch]
    elapsed = time.perf_counter() - started
    rows.append(
        summary(
            "transcript append (8 clients at once)",
            samples,
            f"{len(samples) / elapsed:.0f} appends/s in all",
        )
    )

    rows.append(
        summary(
            "transcript read, 200 messages",
            timed(lambda: client.get(f"{url}?page_size=200"), 100),
            f"of {TRANSCRIPT + 200}",
        )
    )
    rows.append(
        summary(
            "transcript follow, ?after=<last-5>",
            timed(lambda: client.get(f"{url}?after={TRANSCRIPT + 195}"), 200),
        )
    )
    rows.append(
        summary(
            "candidates list, page of 50",
            timed(lambda: client.get("/api/v1/candidates/"), 100),
            f"{CANDIDATES} rows",
        )
    )
    rows.append(
        summary(
            "candidates filtered by skills=python,sql",
            timed(lambda: client.get("/api/v1/candidates/?skills=python,sql"), 100),
        )
    )
    rows.append(
        summary(
            "assessments list, page of 50",
            timed(lambda: client.get("/api/v1/assessments/"), 100),
            f"{ASSESSMENTS} rows",
        )
    )
    contains = '/api/v1/assessments/?skill_scores__contains={"go":{"level":"expert"}}'
    rows.append(
        summary(
            "assessments skill_scores__contains",
            timed(lambda: client.get(contains), 100),
            plan_of('skill_scores @> \'{"go": {"level": "expert"}}\''),
        )
    )
    rows.append(
        summary(
            "assessments integrity_flags__contains",
            timed(
                lambda: client.get(
                    '/api/v1/assessments/?integrity_flags__contains=["tab_switching"]'
                ),
                100,
            ),
            plan_of("integrity_flags @> '[\"tab_switching\"]'"),
        )
    )
    return rows


def plan_of(condition: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN SELECT id FROM assessment_results WHERE {condition}")
        plan = " ".join(row[0] for row in cursor.fetchall())
    if "_gin" in plan:
        return "plan: GIN index"
    return "plan: " + plan.split("(")[0].strip() + " (the planner's choice at this size)"


def main():
    setup_test_environment()
    connection.settings_dict["TEST"]["NAME"] = "bench_candidates_portal"
    creation = connection.creation
    creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    try:
        started = time.perf_counter()
        candidates = fill()
        print(f"Filled in {time.perf_counter() - started:.0f} s. Server: {server_version()}\n")
        rows = measure(candidates)
    finally:
        creation.destroy_test_db("bench_candidates_portal", verbosity=0)
    print(f"| {'path':<42} | {'n':>5} | {'median ms':>9} | {'p95 ms':>7} | note")
    print(f"|{'-' * 44}|{'-' * 7}|{'-' * 11}|{'-' * 9}|------")
    for name, n, median, p95, note in rows:
        print(f"| {name:<42} | {n:>5} | {median:>9.2f} | {p95:>7.2f} | {note}")


def server_version() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        return "PostgreSQL " + cursor.fetchone()[0]


if __name__ == "__main__":
    main()
