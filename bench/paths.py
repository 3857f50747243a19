"""The hot paths the benchmark loads: what each one requests, as whom, and on which rows."""

import json
from dataclasses import dataclass
from urllib.parse import quote

from bench.scales import Kind, Scale, TargetSet, target_id

#: A selective filter on nested skill documents: two skills, each at a level.
SKILL_FILTER = {"python": {"level": "expert"}, "django": {"level": "advanced"}}
#: A surname some 2 % of candidates have.
SEARCH = "okafor"
#: The size the issue names for a session's working memory.
MEMORY_BYTES = 200 * 1024


@dataclass(frozen=True)
class HotPath:
    key: str
    label: str
    method: str
    #: The path, with "{id}" where the target's id goes.
    path: str
    #: Who asks: "engine" (the AI's service account, a token), "recruiter" (staff, a
    #: token), "privacy" (staff who may export, a token), "admin" (the recruiter's
    #: admin session).
    actor: str
    #: The target set and kind of row "{id}" names, and the targets' numbers.
    target: tuple[int, int] | None = None
    targets: tuple[int, int] | None = None
    body: bytes | None = None
    #: What the path measures beyond its label (shown in the report).
    note: str = ""

    def url(self, k: int | None = None) -> str:
        """The path of a request on target ``k``."""
        if self.target is None:
            return self.path
        return self.path.replace("{id}", target_id(*self.target, k))

    def load_path(self) -> str:
        """The path with "{n}" for the last 12 digits of the target's id (wrk's script)."""
        if self.target is None:
            return self.path
        return self.path.replace("{id}", target_id(*self.target, 1)[:-12] + "{n}")

    @property
    def capture_targets(self) -> tuple[int | None, int | None]:
        """The targets captured: k1 (twice) and k2 (once), see bench.pgscript."""
        if self.targets is None:
            return None, None
        low, high = self.targets
        return low, min(low + 1, high)


def answer() -> bytes:
    """An engine's append: a candidate's answer with its metadata."""
    return json.dumps(
        {
            "message_type": "candidate_response",
            "content_text": (
                "I would start by measuring, because guessing at the bottleneck wastes a "
                "sprint. In my last role we added a covering index and moved the slow "
                "aggregation to a nightly job; the p99 latency dropped from 400 ms to 20 ms."
            ),
            "response_time_seconds": 41,
            "metadata": {
                "sent_at": "2026-03-14T15:09:26.535897+00:00",
                "confidence": 0.91,
                "topic": "database indexes",
            },
        }
    ).encode()


def working_memory(size: int = MEMORY_BYTES) -> dict:
    """An AI's working memory of about ``size`` bytes of JSON, of the schema's shape."""
    turns = []
    memory = {
        "topics_covered": ["generators", "Django ORM", "database indexes", "caching"],
        "candidate_profile": {"confidence": "0.82", "pace": "steady", "level": "advanced"},
        "turns": turns,
    }
    number = 0
    while len(json.dumps(memory)) < size:
        number += 1
        turns.append(
            {
                "number": number,
                "question": f"Question {number}: how would you find the slowest query of "
                "an endpoint under load, and what would you change first?",
                "answer_summary": "Measured with the database's statistics, found a "
                "missing index, added it, checked the plan again under load.",
                "assessment": {"depth": number % 5, "accuracy": "high", "follow_up": True},
            }
        )
    return memory


def session_write() -> bytes:
    return json.dumps(
        {
            "conversation_memory": working_memory(),
            "current_difficulty_level": "advanced",
            "questions_asked_count": 42,
        }
    ).encode()


def hot_paths(scale: Scale, *, email: str) -> list[HotPath]:
    """The hot paths at ``scale``; ``email`` is an existing candidate's address."""
    live = (TargetSet.LIVE, Kind.INTERVIEW)
    read = (TargetSet.READ, Kind.INTERVIEW)
    skills = quote(json.dumps(SKILL_FILTER, separators=(",", ":")))
    return [
        HotPath(
            "transcript_read",
            f"transcript read, {scale.transcript} messages",
            "GET",
            f"/api/v1/interviews/{{id}}/messages/?page_size={scale.transcript}",
            "engine",
            read,
            (1, scale.read_interviews),
        ),
        HotPath(
            "append",
            "transcript append, 8 interviews",
            "POST",
            "/api/v1/interviews/{id}/messages/",
            "engine",
            live,
            (2, scale.live_interviews),
            answer(),
            note="each request on a random live interview",
        ),
        HotPath(
            "append_same",
            "transcript append, 1 interview",
            "POST",
            "/api/v1/interviews/{id}/messages/",
            "engine",
            live,
            (1, 1),
            answer(),
            note="8 writers on the same interview",
        ),
        HotPath(
            "skill_filter",
            "assessments, skill_scores__contains",
            "GET",
            f"/api/v1/assessments/?skill_scores__contains={skills}",
            "recruiter",
            note=json.dumps(SKILL_FILTER),
        ),
        HotPath("candidates", "candidates, first page", "GET", "/api/v1/candidates/", "recruiter"),
        HotPath(
            "candidates_search",
            "candidates, search=",
            "GET",
            f"/api/v1/candidates/?search={SEARCH}",
            "recruiter",
        ),
        HotPath(
            "candidates_email",
            "candidates, email=",
            "GET",
            f"/api/v1/candidates/?email={quote(email)}",
            "recruiter",
        ),
        HotPath(
            "admin_list",
            "admin: interview list",
            "GET",
            "/admin/interviews/interview/",
            "admin",
        ),
        HotPath(
            "admin_interview",
            f"admin: interview page, {scale.transcript} messages",
            "GET",
            "/admin/interviews/interview/{id}/change/",
            "admin",
            read,
            (1, scale.read_interviews),
        ),
        HotPath(
            "session_patch",
            "session PATCH, 200 KB memory",
            "PATCH",
            "/api/v1/interviews/{id}/session/",
            "engine",
            live,
            (2, scale.live_interviews),
            session_write(),
        ),
        HotPath(
            "export",
            f"export, {scale.export_messages:,} messages",
            "GET",
            "/api/v1/candidates/{id}/export/",
            "privacy",
            (TargetSet.EXPORT, Kind.CANDIDATE),
            (1, scale.export_candidates),
        ),
    ]
