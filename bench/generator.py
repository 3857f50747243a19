"""Fill a migrated database with realistic rows, fast: COPY, with every trigger on.

Rows are written the way production ends up with them, and obey every rule the schema
and its triggers enforce: one session per interview, messages numbered 1, 2, 3 … per
interview and owned by that interview's session, status timestamps that agree with
the status, an assessment for each completed interview, JSON documents that pass
their schemas (core/schemas). The audit triggers fire for every row, as in production.

Messages are written in the order they were said, across all interviews at once, so
an interview's transcript is spread over the table as live traffic spreads it (2,000
live interviews interleave their messages), not packed into a few pages.

Each COPY is a statement of its own (the connection decides on transactions: the
benchmark's connection autocommits, a test's wraps everything in one transaction), and
at most ``CHUNK`` rows long, so the deferred foreign-key checks queued by a COPY stay
bounded.
"""

import heapq
import itertools
import json
import random
import unicodedata
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from psycopg import sql

from bench.scales import Kind, Scale, TargetSet, target_id

#: Rows per COPY statement.
CHUNK = 50_000
#: Raised when what the generator writes changes: a database filled by an older
#: generator is filled again rather than reused.
VERSION = 2


def words(text: str, separator: str | None = None) -> tuple[str, ...]:
    """A list of words, written as text."""
    return tuple(text.split(separator))


FIRST_NAMES = words(
    "Amara Lucas Priya Mateo Yuki Fatima Noah Ingrid Kwame Sofia Arjun Chloé Diego Hana "
    "Olusegun Mei Lars Aisha Tomás Elif Ravi Zoë Kenji Nadia Oliver Leila Marek Ana "
    "Samuel Ikechukwu Freya Javier Anaïs Dmitri Grace Hiroshi Layla Pedro Astrid Emeka "
    "Valentina Wei Björn Sana Lukas Imani Rafael Mira Tobias Ayesha"
)
LAST_NAMES = words(
    "Okafor Moreau Raghavan García Tanaka Haddad Müller Lindqvist Mensah Rossi Sharma "
    "Dubois Fernández Sato Adeyemi Chen Johansson Khan Silva Yilmaz Iyer Novak Nakamura "
    "Petrova Brown Nasser Kowalski Costa Mwangi Eze Nielsen Ruiz Lefèvre Ivanov Wright "
    "Suzuki Aziz Pereira Berg Obi Romano Zhang Andersson Malik Weber Kamau Oliveira Levi "
    "Schmidt Qureshi"
)
DOMAINS = ("example.com", "example.org", "example.net", "mail.example.com")
TIMEZONES = words(
    "UTC Europe/London Europe/Paris Europe/Berlin Europe/Warsaw Africa/Lagos "
    "Africa/Nairobi Asia/Kolkata Asia/Tokyo Asia/Singapore America/New_York "
    "America/Chicago America/Los_Angeles America/Sao_Paulo Australia/Sydney"
)
TARGET_ROLES = (
    "Backend engineer",
    "Senior Python engineer",
    "Frontend engineer",
    "Full-stack engineer",
    "Data engineer",
    "Platform engineer",
    "Mobile engineer",
    "Engineering manager",
)
EXPERIENCE = ("entry", "junior", "mid", "senior", "lead", "principal", "")
#: Skills by interview role; the first is the role's own, assessed in every interview.
SKILLS = {
    "python": words("python django sql postgresql asyncio testing algorithms system_design celery"),
    "react": words(
        "react typescript javascript css testing accessibility redux nextjs performance"
    ),
    "javascript": words("javascript typescript nodejs testing algorithms sql css system_design"),
    "fullstack": words("react python sql typescript django system_design testing docker aws"),
}
ROLES = tuple(SKILLS)
LEVELS = ((40, "beginner"), (65, "intermediate"), (85, "advanced"), (101, "expert"))
TOPICS = words(
    "generators, decorators, the GIL, async and await, Django ORM queries, N+1 queries, "
    "database indexes, transactions and isolation, REST API design, caching, React hooks, "
    "state management, rendering performance, TypeScript generics, closures, event loop, "
    "testing strategy, CI pipelines, system design, message queues, observability",
    separator=", ",
)
QUESTION_STEMS = (
    "Can you explain how {topic} work in a project you shipped?",
    "What trade-offs did you weigh the last time you dealt with {topic}?",
    "Walk me through debugging a production issue involving {topic}.",
    "How would you teach {topic} to a junior engineer on your team?",
    "Which mistakes do you see most often around {topic}, and how do you avoid them?",
    "Suppose {topic} became the bottleneck of our API. What would you measure first?",
)
ANSWER_SENTENCES = (
    "In my last role we ran into this when traffic doubled over a single quarter.",
    "I would start by measuring, because guessing at the bottleneck wastes a sprint.",
    "The main trade-off is between simplicity now and flexibility later.",
    "We added an index and the p99 latency dropped from 400 ms to about 20 ms.",
    "I usually write a failing test first so the fix stays fixed.",
    "Honestly I have only used this in side projects, not at work.",
    "The documentation suggests one approach, but in practice we did the opposite.",
    "It depends on whether reads or writes dominate the workload.",
    "We moved the work to a background queue and made the endpoint idempotent.",
    "I would pair with the on-call engineer and look at the traces together.",
    "The key insight was that the data did not need to be consistent within a second.",
    "I think the cleanest solution is to push the constraint into the database.",
)
STRENGTHS = (
    "clear explanations",
    "knows the trade-offs",
    "tests first",
    "good debugging method",
    "strong fundamentals",
    "pragmatic design choices",
)
WEAKNESSES = (
    "did not mention testing unprompted",
    "vague on concurrency",
    "limited production experience",
    "skipped error handling",
    "slow to reach a working solution",
)
ACTIONS = (
    "advance to system design round",
    "schedule a pair-programming session",
    "reject politely",
    "ask for a take-home exercise",
)
AI_MODELS = ("gpt-4o", "claude-sonnet-4", "gemini-2.5-pro")


def level_of(score: int) -> str:
    return next(name for limit, name in LEVELS if score < limit)


def iso(moment: datetime) -> str:
    return moment.isoformat()


@dataclass(slots=True)
class InterviewPlan:
    """One interview, decided before any row is written: its rows are derived from it."""

    id: str
    session_id: str
    candidate_id: str
    resume_id: str | None
    role: str
    status: str
    created_at: datetime
    scheduled_for: datetime | None
    started_at: datetime | None
    #: Seconds between messages, and how many there are.
    gap: int
    messages: int
    completed_at: datetime | None = None
    assessment_id: str | None = None

    def message_time(self, number: int) -> datetime:
        """When message ``number`` (from 1) was said: evenly paced, with a fixed jitter
        smaller than the gap, so times rise strictly."""
        jitter = (number * 7919) % 97 * self.gap / 300
        return self.started_at + timedelta(seconds=(number - 1) * self.gap + jitter)

    @property
    def last_activity_at(self) -> datetime:
        if self.messages:
            return self.message_time(self.messages)
        return self.started_at or self.created_at


@dataclass
class FillSummary:
    rows: dict[str, int] = field(default_factory=dict)

    def add(self, table: str, count: int) -> None:
        self.rows[table] = self.rows.get(table, 0) + count


class Generator:
    """Writes one scale's rows into the database behind ``conn`` (a psycopg connection)."""

    def __init__(
        self,
        conn,
        scale: Scale,
        *,
        now: datetime,
        seed: int = 12,
        progress: Callable[[str], None] = lambda message: None,
    ):
        self.conn = conn
        self.scale = scale
        self.now = now
        self.rng = random.Random(seed)
        self.progress = progress
        self.summary = FillSummary()
        self.reviewers: list[int] = []
        #: Candidate id -> its resume's id (candidates with a resume).
        self.resumes: dict[str, str] = {}
        self.candidate_ids: list[str] = []
        self.questions = [stem.format(topic=topic) for topic in TOPICS for stem in QUESTION_STEMS]
        self.answers = [
            " ".join(self.rng.sample(ANSWER_SENTENCES, self.rng.randint(2, 5))) for _ in range(400)
        ]

    # --- Identity ------------------------------------------------------------------

    def new_id(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    # --- Writing -------------------------------------------------------------------

    def copy(self, table: str, columns: tuple[str, ...], rows: Iterable[tuple]) -> int:
        """COPY ``rows`` into ``table``, a statement per CHUNK rows; return the count."""
        statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
            sql.Identifier(table), sql.SQL(", ").join(map(sql.Identifier, columns))
        )
        written = 0
        rows = iter(rows)
        while chunk := list(itertools.islice(rows, CHUNK)):
            with self.conn.cursor() as cursor, cursor.copy(statement) as copy:
                for row in chunk:
                    copy.write_row(row)
            written += len(chunk)
            self.progress(f"{table}: {written:,} rows")
        self.summary.add(table, written)
        return written

    # --- The whole fill ------------------------------------------------------------

    def fill(self) -> FillSummary:
        """Write every table's rows except the purge set (see ``fill_purge_set``)."""
        with self.as_a_data_load():
            self.reviewers = self.ensure_reviewers()
            self.write_candidates()
            self.write_interviews(self.plan_interviews())
        return self.summary

    @contextmanager
    def as_a_data_load(self) -> Iterator[None]:
        """Settings for this session while rows are written, reset afterwards.

        The triggers still fire and record everything; these only spare them an error
        per row. pgtrigger's triggers read ``pgtrigger.ignore`` and pghistory's read the
        history context, each inside an exception block that catches the error an unset
        setting raises: about 0.25 ms a row. With the settings defined, no error is
        raised, and the history records this load under a context of its own, as a
        management command run under ``pghistory.context`` would be. Commits need not
        wait for the disk: a crash mid-fill means filling again anyway.
        """
        settings = ("pgtrigger.ignore", "pghistory.context_id", "pghistory.context_metadata")
        with self.conn.cursor() as cursor:
            cursor.execute(
                "SELECT set_config('pgtrigger.ignore', '{}', false),"
                " set_config('pghistory.context_id', %s, false),"
                " set_config('pghistory.context_metadata', %s, false),"
                " set_config('synchronous_commit', 'off', false)",
                [self.new_id(), json.dumps({"command": "bench fill", "scale": self.scale.name})],
            )
        try:
            yield
        finally:
            # The connection may serve other work afterwards (a test's), whose writes
            # must not be recorded under this load's context.
            with self.conn.cursor() as cursor:
                for name in (*settings, "synchronous_commit"):
                    cursor.execute(sql.SQL("RESET {}").format(sql.Identifier(*name.split("."))))

    def ensure_reviewers(self) -> list[int]:
        """Staff logins that reviewed assessments (no password: they never log in here)."""
        ids = []
        with self.conn.cursor() as cursor:
            for number in range(1, 4):
                cursor.execute(
                    "INSERT INTO auth_user (password, is_superuser, username, first_name,"
                    " last_name, email, is_staff, is_active, date_joined)"
                    " VALUES ('!', false, %s, 'Bench', %s, %s, true, true, now())"
                    " ON CONFLICT (username) DO UPDATE SET is_staff = true RETURNING id",
                    [f"bench-reviewer-{number}", f"Reviewer {number}",
                     f"reviewer{number}@bench.example.com"],
                )  # fmt: skip
                ids.append(cursor.fetchone()[0])
        return ids

    # --- Candidates and resumes ------------------------------------------------------

    def candidate_row(self, candidate_id: str, number: int, created_at: datetime) -> tuple:
        rng = self.rng
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        ascii_name = unicodedata.normalize("NFKD", f"{first}.{last}").encode("ascii", "ignore")
        email = f"{ascii_name.decode().lower()}.{number}@{rng.choice(DOMAINS)}"
        deleted = rng.random() < 0.01
        status = "deleted" if deleted else ("inactive" if rng.random() < 0.05 else "active")
        role = rng.choice(ROLES)
        skills = rng.sample(SKILLS[role], rng.randint(2, 6))
        return (
            candidate_id,
            created_at,
            created_at,
            email,
            f"{first} {last}",
            f"+1 555 {rng.randint(100, 999)} {rng.randint(1000, 9999)}",
            status,
            rng.choice(TARGET_ROLES),
            rng.choice(EXPERIENCE),
            rng.choice(TIMEZONES),
            skills,
            created_at + timedelta(days=rng.randint(1, 30)) if deleted else None,
            "duplicate profile" if deleted else "",
        )

    CANDIDATE_COLUMNS = (
        "id", "created_at", "updated_at", "email", "full_name", "phone", "status",
        "target_role", "experience_level", "timezone", "skills", "deleted_at",
        "deletion_reason",
    )  # fmt: skip
    RESUME_COLUMNS = (
        "id", "created_at", "updated_at", "candidate_id", "file_url", "file_name", "file_size",
        "uploaded_at", "parsed_at", "parsing_status", "parsed_data",
    )  # fmt: skip

    def resume_row(self, resume_id: str, candidate: tuple) -> tuple:
        rng = self.rng
        uploaded = candidate[1] + timedelta(minutes=rng.randint(1, 600))
        parsed = rng.random() < 0.9
        document = None
        if parsed:
            document = json.dumps(
                {
                    "name": candidate[4],
                    "email": candidate[3],
                    "skills": candidate[10],
                    "experience": [
                        {
                            "title": rng.choice(TARGET_ROLES),
                            "company": f"{rng.choice(LAST_NAMES)} Labs",
                            "years": rng.randint(1, 8),
                        }
                        for _ in range(rng.randint(1, 3))
                    ],
                    "education": [{"degree": "BSc Computer Science"}],
                },
                ensure_ascii=False,
            )
        return (
            resume_id,
            uploaded,
            uploaded,
            candidate[0],
            f"https://files.example.com/resumes/{resume_id}.pdf",
            f"{candidate[4].replace(' ', '-').lower()}-cv.pdf",
            rng.randint(40_000, 900_000),
            uploaded,
            uploaded + timedelta(seconds=rng.randint(5, 90)) if parsed else None,
            "completed" if parsed else rng.choice(("pending", "failed")),
            document,
        )

    def write_candidates(self) -> None:
        """Ordinary candidates (four in five with a resume), then the exported ones."""
        scale, rng = self.scale, self.rng
        first_day = self.now - timedelta(days=400)
        moments = sorted(
            first_day + timedelta(seconds=rng.randint(0, 395 * 86400))
            for _ in range(scale.candidates)
        )
        candidates = []
        for number, created_at in enumerate(moments, start=1):
            candidates.append(self.candidate_row(self.new_id(), number, created_at))
        for k in range(1, scale.export_candidates + 1):
            candidate_id = target_id(TargetSet.EXPORT, Kind.CANDIDATE, k)
            candidates.append(self.candidate_row(candidate_id, scale.candidates + k, first_day))
        self.copy("candidates", self.CANDIDATE_COLUMNS, candidates)
        self.candidate_ids = [row[0] for row in candidates[: scale.candidates]]

        resumes = []
        for candidate in candidates:
            export_k = self.export_number(candidate[0])
            if export_k:
                resume_id = target_id(TargetSet.EXPORT, Kind.RESUME, export_k)
            elif rng.random() < 0.8:
                resume_id = self.new_id()
            else:
                continue
            self.resumes[candidate[0]] = resume_id
            resumes.append(self.resume_row(resume_id, candidate))
        self.copy("resumes", self.RESUME_COLUMNS, resumes)

    @staticmethod
    def export_number(candidate_id: str) -> int:
        """The exported candidate's ``k``, or 0 for an ordinary candidate."""
        prefix = f"be{TargetSet.EXPORT:02x}{Kind.CANDIDATE:02x}"
        return int(candidate_id[-12:]) - 10**11 if candidate_id.startswith(prefix) else 0

    # --- Interviews ----------------------------------------------------------------

    def plan(
        self, *, interview_id, session_id, candidate_id, status, created_at, messages,
        started_at=None, assessment_id=None, gap=None, resume=None,
    ) -> InterviewPlan:  # fmt: skip
        """An interview; ``resume``: whether it names its candidate's resume (None: most
        do, when the candidate has one)."""
        rng = self.rng
        if resume is None:
            resume = rng.random() < 0.9
        if started_at is None and status in ("in_progress", "completed"):
            started_at = created_at + timedelta(minutes=rng.randint(30, 7 * 24 * 60))
        plan = InterviewPlan(
            id=interview_id,
            session_id=session_id,
            candidate_id=candidate_id,
            resume_id=self.resumes.get(candidate_id) if resume else None,
            role=rng.choice(ROLES),
            status=status,
            created_at=created_at,
            scheduled_for=(started_at or created_at + timedelta(days=rng.randint(1, 10)))
            - timedelta(minutes=rng.randint(0, 10)),
            started_at=started_at,
            gap=gap or rng.randint(20, 120),
            messages=messages,
            assessment_id=assessment_id,
        )
        if status == "completed":
            plan.completed_at = plan.last_activity_at + timedelta(seconds=rng.randint(1, 60))
            plan.assessment_id = plan.assessment_id or self.new_id()
        elif status == "abandoned":
            plan.completed_at = plan.last_activity_at + timedelta(minutes=rng.randint(1, 600))
        return plan

    def plan_interviews(self) -> list[InterviewPlan]:
        """Every interview but the purge set's, oldest first."""
        scale, rng, now = self.scale, self.rng, self.now
        plans = []
        low, high = scale.messages
        year_ago = now - timedelta(days=365)
        for _ in range(scale.interviews):
            draw = rng.random()
            candidate = rng.choice(self.candidate_ids)
            ids = {"interview_id": self.new_id(), "session_id": self.new_id()}
            if draw < 0.97:
                created = year_ago + timedelta(seconds=rng.randint(0, 355 * 86400))
                plans.append(
                    self.plan(**ids, candidate_id=candidate, status="completed",
                              created_at=created, messages=rng.randint(low, high))
                )  # fmt: skip
            elif draw < 0.985:
                created = year_ago + timedelta(seconds=rng.randint(0, 355 * 86400))
                started = rng.random() < 0.5
                plans.append(
                    self.plan(
                        **ids, candidate_id=candidate, status="abandoned", created_at=created,
                        started_at=created + timedelta(hours=rng.randint(1, 48))
                        if started
                        else None,
                        messages=rng.randint(1, low) if started else 0,
                    )
                )  # fmt: skip
            elif draw < 0.995:
                created = now - timedelta(seconds=rng.randint(3600, 7 * 86400))
                plans.append(
                    self.plan(**ids, candidate_id=candidate, status="scheduled",
                              created_at=created, messages=0)
                )  # fmt: skip
            else:
                count = rng.randint(1, high)
                started = now - timedelta(seconds=count * 130 + rng.randint(0, 600))
                plans.append(
                    self.plan(**ids, candidate_id=candidate, status="in_progress",
                              created_at=started - timedelta(days=2), started_at=started,
                              messages=count)
                )  # fmt: skip
        # The rows one hot path requests all have the same shape (a resume, say), so that
        # every request runs the same statements: pgbench replays one script for all.
        with_resume = [candidate for candidate in self.candidate_ids if candidate in self.resumes]
        for k in range(1, scale.read_interviews + 1):
            created = year_ago + timedelta(seconds=rng.randint(0, 355 * 86400))
            plans.append(
                self.plan(
                    interview_id=target_id(TargetSet.READ, Kind.INTERVIEW, k),
                    session_id=target_id(TargetSet.READ, Kind.SESSION, k),
                    assessment_id=target_id(TargetSet.READ, Kind.ASSESSMENT, k),
                    candidate_id=rng.choice(with_resume), status="completed",
                    created_at=created, messages=scale.transcript, resume=True,
                )
            )  # fmt: skip
        for k in range(1, scale.live_interviews + 1):
            # Live for the last hour or so: their transcripts interleave, as 2,000 live
            # interviews' messages do.
            gap = rng.randint(20, 40)
            started = now - timedelta(seconds=scale.transcript * gap + rng.randint(60, 600))
            plans.append(
                self.plan(
                    interview_id=target_id(TargetSet.LIVE, Kind.INTERVIEW, k),
                    session_id=target_id(TargetSet.LIVE, Kind.SESSION, k),
                    candidate_id=rng.choice(with_resume), status="in_progress",
                    created_at=started - timedelta(days=1), started_at=started, gap=gap,
                    messages=scale.transcript, resume=True,
                )
            )  # fmt: skip
        per_interview = scale.export_messages // scale.export_interviews
        for k in range(1, scale.export_candidates + 1):
            candidate_id = target_id(TargetSet.EXPORT, Kind.CANDIDATE, k)
            for child in range(scale.export_interviews):
                created = year_ago + timedelta(days=child * 300 / scale.export_interviews)
                plans.append(
                    self.plan(
                        interview_id=target_id(TargetSet.EXPORT, Kind.INTERVIEW, k, child),
                        session_id=target_id(TargetSet.EXPORT, Kind.SESSION, k, child),
                        assessment_id=target_id(TargetSet.EXPORT, Kind.ASSESSMENT, k, child),
                        candidate_id=candidate_id, status="completed", created_at=created,
                        messages=per_interview, gap=rng.randint(20, 40), resume=True,
                    )
                )  # fmt: skip
        plans.sort(key=lambda plan: plan.created_at)
        return plans

    INTERVIEW_COLUMNS = (
        "id", "created_at", "updated_at", "candidate_id", "resume_id", "role_type", "status",
        "scheduled_for", "started_at", "completed_at", "duration_seconds", "ai_model_used",
        "total_tokens_used", "cost_usd",
    )  # fmt: skip
    SESSION_COLUMNS = (
        "id", "created_at", "updated_at", "interview_id", "conversation_memory",
        "current_difficulty_level", "questions_asked_count", "skill_boundaries_identified",
        "progression_state", "last_activity_at", "version",
    )  # fmt: skip
    MESSAGE_COLUMNS = (
        "created_at", "updated_at", "interview_id", "session_id", "sequence_number",
        "message_type", "content_text", "content_audio_url", "audio_duration_seconds",
        "audio_metadata", "response_time_seconds", "metadata", "client_message_id",
    )  # fmt: skip
    ACTION_COLUMNS = (
        "created_at", "updated_at", "interview_id", "candidate_id", "agent_type", "action",
        "rationale", "status", "ai_model", "tokens_used", "cost_usd", "input", "output",
    )  # fmt: skip
    ASSESSMENT_COLUMNS = (
        "id", "created_at", "updated_at", "interview_id", "overall_score", "skill_scores",
        "skill_boundary_map", "strengths", "weaknesses", "integrity_flags", "ai_reasoning",
        "recommended_actions", "integrity_score", "generated_at", "review_status",
        "reviewed_by_id", "reviewed_at", "final_score", "review_notes", "ai_model",
        "prompt_version",
    )  # fmt: skip

    def write_interviews(self, plans: list[InterviewPlan], *, resumes_parsed: bool = True) -> None:
        """Interviews, their sessions, transcripts, the AI's actions and assessments
        (and the resume parser's actions, unless ``resumes_parsed`` is false)."""
        self.copy("interviews", self.INTERVIEW_COLUMNS, map(self.interview_row, plans))
        self.copy("interview_sessions", self.SESSION_COLUMNS, map(self.session_row, plans))
        self.copy("interview_messages", self.MESSAGE_COLUMNS, self.message_rows(plans))
        self.copy("agent_actions", self.ACTION_COLUMNS, self.action_rows(plans, resumes_parsed))
        scored = (plan for plan in plans if plan.assessment_id)
        self.copy("assessment_results", self.ASSESSMENT_COLUMNS, map(self.assessment_row, scored))

    def interview_row(self, plan: InterviewPlan) -> tuple:
        rng = self.rng
        duration = None
        if plan.completed_at and plan.started_at:
            duration = int((plan.completed_at - plan.started_at).total_seconds())
        tokens = plan.messages * rng.randint(150, 600)
        updated = plan.completed_at or plan.started_at or plan.created_at
        return (
            plan.id,
            plan.created_at,
            updated,
            plan.candidate_id,
            plan.resume_id,
            plan.role,
            plan.status,
            plan.scheduled_for,
            plan.started_at,
            plan.completed_at,
            duration,
            rng.choice(AI_MODELS) if plan.started_at else None,
            tokens,
            f"{tokens * 0.00001:.4f}",
        )

    def session_row(self, plan: InterviewPlan) -> tuple:
        rng = self.rng
        questions = (plan.messages + 1) // 2
        level = ("warmup", "standard", "advanced")[min(2, questions // 4)]
        skills = SKILLS[plan.role]
        memory = boundaries = progression = None
        if plan.messages:
            covered = rng.sample(TOPICS, min(len(TOPICS), max(1, questions)))
            memory = json.dumps(
                {
                    "topics_covered": covered,
                    "candidate_profile": {
                        "pace": rng.choice(("steady", "quick", "hesitant")),
                        "confidence": f"{rng.random():.2f}",
                    },
                    "notes": [f"Q{n}: {topic}" for n, topic in enumerate(covered[:8], 1)],
                }
            )
            boundaries = json.dumps({skills[0]: level, skills[1]: {"ceiling": covered[-1]}})
            progression = json.dumps({"level": level, "streak": rng.randint(0, 3)})
        return (
            plan.session_id,
            plan.created_at,
            plan.last_activity_at,
            plan.id,
            memory,
            level,
            questions,
            boundaries,
            progression,
            plan.last_activity_at,
            1 + questions,
        )

    def message_rows(self, plans: list[InterviewPlan]) -> Iterator[tuple]:
        """Every message, in the order they were said across all interviews."""
        talking = sorted((plan for plan in plans if plan.messages), key=lambda p: p.started_at)
        ongoing: list[tuple[datetime, int, int]] = []  # (time, plan index, number)
        waiting = iter(range(len(talking)))
        next_start = next(waiting, None)
        while ongoing or next_start is not None:
            if next_start is not None and (
                not ongoing or talking[next_start].started_at <= ongoing[0][0]
            ):
                heapq.heappush(ongoing, (talking[next_start].message_time(1), next_start, 1))
                next_start = next(waiting, None)
                continue
            moment, index, number = heapq.heappop(ongoing)
            plan = talking[index]
            yield self.message_row(plan, number, moment)
            if number < plan.messages:
                heapq.heappush(ongoing, (plan.message_time(number + 1), index, number + 1))

    def message_row(self, plan: InterviewPlan, number: int, moment: datetime) -> tuple:
        rng = self.rng
        question = number % 2 == 1
        topic = TOPICS[(number // 2 + len(plan.id)) % len(TOPICS)]
        if question:
            text = rng.choice(self.questions)
            kind = "ai_question"
        else:
            text = rng.choice(self.answers)
            kind = "candidate_response"
        audio = not question and rng.random() < 0.3
        metadata = None
        if rng.random() < 0.7:
            metadata = (
                f'{{"sent_at": "{iso(moment)}", "confidence": 0.{rng.randint(50, 99)},'
                f' "topic": "{topic}"}}'
            )
        return (
            moment,
            moment,
            plan.id,
            plan.session_id,
            number,
            kind,
            text,
            f"https://audio.example.com/{plan.id}/{number}.opus" if audio else None,
            rng.randint(5, 180) if audio else None,
            '{"codec": "opus", "sample_rate_hz": 48000, "channels": 1}' if audio else None,
            None if question else rng.randint(3, 240),
            metadata,
            self.new_id() if rng.random() < 0.5 else None,
        )

    def action_rows(self, plans: list[InterviewPlan], resumes_parsed: bool) -> Iterator[tuple]:
        """The scorer's action for each completed interview, the interviewer's latest
        question for each live one, and the resume parser's work."""
        rng = self.rng
        for plan in plans:
            if plan.status == "completed":
                score = rng.randint(20, 98)
                yield (
                    plan.completed_at, plan.completed_at, plan.id, plan.candidate_id,
                    "scorer", "score_interview",
                    "Scored on the depth and accuracy of the answers as difficulty rose.",
                    "succeeded", rng.choice(AI_MODELS), rng.randint(2000, 9000),
                    "0.0400", json.dumps({"question_number": plan.messages}),
                    json.dumps({"overall_score": f"{score}.00"}),
                )  # fmt: skip
            elif plan.status == "in_progress":
                yield (
                    plan.last_activity_at, plan.last_activity_at, plan.id, plan.candidate_id,
                    "interviewer", "ask_question",
                    "The last answer was solid: raised the difficulty.", "succeeded",
                    rng.choice(AI_MODELS), rng.randint(300, 1500), "0.0050",
                    json.dumps({"question_number": plan.messages}),
                    json.dumps({"question": rng.choice(self.questions)}),
                )  # fmt: skip
        for candidate_id in self.resumes if resumes_parsed else ():
            yield (
                self.now - timedelta(days=390), self.now - timedelta(days=390), None,
                candidate_id, "resume_parser", "parse_resume", "Read the uploaded resume.",
                "succeeded", "gpt-4o-mini", rng.randint(500, 3000), "0.0010", None,
                json.dumps({"skills_found": rng.sample(SKILLS["fullstack"], 3)}),
            )  # fmt: skip

    def skill_scores(self, role: str) -> dict:
        """Scores for the role's own skill and a few others: nested documents of varied
        shape (whole numbers, decimal strings, extra keys), as scorers write them."""
        rng = self.rng
        skills = SKILLS[role]
        chosen = [skills[0], *rng.sample(skills[1:], rng.randint(2, 5))]
        scores = {}
        for skill in chosen:
            score = min(100, max(0, int(rng.gauss(62, 18))))
            entry: dict = {"score": score, "level": level_of(score)}
            if rng.random() < 0.2:
                # A decimal string, as some scorers send it (at most 100.00).
                entry["score"] = f"{score}.{0 if score == 100 else rng.randint(0, 99):02d}"
            if rng.random() < 0.3:
                entry["evidence"] = {"messages": sorted(rng.sample(range(2, 40, 2), 2))}
            scores[skill] = entry
        return scores

    def assessment_row(self, plan: InterviewPlan) -> tuple:
        rng = self.rng
        scores = self.skill_scores(plan.role)
        numbers = [float(entry["score"]) for entry in scores.values()]
        overall = round(sum(numbers) / len(numbers), 2)
        generated = plan.completed_at + timedelta(seconds=rng.randint(5, 120))
        draw = rng.random()
        review, reviewer, reviewed_at, final = "pending", None, None, None
        if draw < 0.4:
            review = "approved"
        elif draw < 0.45:
            review = "overridden"
            final = f"{min(100, max(0, overall + rng.randint(-15, 15))):.2f}"
        if review != "pending":
            reviewer = rng.choice(self.reviewers)
            reviewed_at = generated + timedelta(hours=rng.randint(1, 72))
        flags = "[]"
        if rng.random() < 0.03:
            flags = '["tab_switching"]'
        elif rng.random() < 0.01:
            flags = '[{"flag": "long_pause", "at_message": 12}]'
        skills = list(scores)
        return (
            plan.assessment_id,
            generated,
            reviewed_at or generated,
            plan.id,
            f"{overall:.2f}",
            json.dumps(scores),
            json.dumps({skills[0]: {"ceiling": rng.choice(TOPICS)}, skills[1]: "standard"}),
            json.dumps(rng.sample(STRENGTHS, 2)),
            json.dumps(rng.sample(WEAKNESSES, 1)),
            flags,
            json.dumps(
                {
                    "summary": "Answers grew more precise as difficulty rose.",
                    "evidence": {"messages": [2, 4, 6]},
                }
            ),
            json.dumps([rng.choice(ACTIONS)]),
            f"{rng.uniform(60, 100):.2f}",
            generated,
            review,
            reviewer,
            reviewed_at,
            final,
            "Checked against the transcript." if review != "pending" else "",
            rng.choice(AI_MODELS),
            "scoring-v3",
        )

    # --- The purge set -------------------------------------------------------------

    def fill_purge_set(self, *, finished_before: datetime) -> FillSummary:
        """Interviews finished before ``finished_before``, with sessions, transcripts,
        actions and assessments: what the retention purge rewrites."""
        with self.as_a_data_load():
            self.write_purge_set(finished_before)
        return self.summary

    def write_purge_set(self, finished_before: datetime) -> None:
        scale, rng = self.scale, self.rng
        self.reviewers = self.reviewers or self.ensure_reviewers()
        # Candidates of their own, so that nothing else (an exported candidate's
        # interviews) changes with each run's new purge set.
        oldest = finished_before - timedelta(days=700)
        candidates = [
            self.candidate_row(target_id(TargetSet.PURGE, Kind.CANDIDATE, k), 10**9 + k, oldest)
            for k in range(1, max(1, scale.purge_interviews // 3) + 1)
        ]
        self.copy("candidates", self.CANDIDATE_COLUMNS, candidates)
        candidates = [row[0] for row in candidates]
        self.resumes = {}
        per_interview = max(1, scale.purge_messages // scale.purge_interviews)
        plans = []
        for k in range(1, scale.purge_interviews + 1):
            finished = finished_before - timedelta(seconds=rng.randint(3600, 300 * 86400))
            gap = rng.randint(20, 60)
            started = finished - timedelta(seconds=per_interview * gap + 120)
            plans.append(
                self.plan(
                    interview_id=target_id(TargetSet.PURGE, Kind.INTERVIEW, k),
                    session_id=target_id(TargetSet.PURGE, Kind.SESSION, k),
                    assessment_id=target_id(TargetSet.PURGE, Kind.ASSESSMENT, k),
                    candidate_id=rng.choice(candidates), status="completed",
                    created_at=started - timedelta(days=3), started_at=started, gap=gap,
                    messages=per_interview,
                )
            )  # fmt: skip
        plans.sort(key=lambda plan: plan.created_at)
        self.write_interviews(plans, resumes_parsed=False)


def target_range(target_set: int, kind: int) -> dict[str, str]:
    """The ids of a target set's rows of one kind: from ``first``, up to ``last``."""
    return {
        "first": f"be{target_set:02x}{kind:02x}00-0000-0000-0000-000000000000",
        "last": f"be{target_set:02x}{kind + 1:02x}00-0000-0000-0000-000000000000",
    }


def remove_purge_set(conn) -> int:
    """Delete the purge set a previous run left (purged or not); return its interviews."""
    interviews = target_range(TargetSet.PURGE, Kind.INTERVIEW)
    candidates = target_range(TargetSet.PURGE, Kind.CANDIDATE)
    in_range = "interview_id >= %(first)s AND interview_id < %(last)s"
    with conn.cursor() as cursor:
        # Children first: the schema's foreign keys delete nothing by themselves.
        for table in (
            "interview_messages",
            "agent_actions",
            "assessment_results",
            "interview_sessions",
        ):
            cursor.execute(f"DELETE FROM {table} WHERE {in_range}", interviews)
        cursor.execute("DELETE FROM interviews WHERE id >= %(first)s AND id < %(last)s", interviews)
        removed = cursor.rowcount
        cursor.execute("DELETE FROM candidates WHERE id >= %(first)s AND id < %(last)s", candidates)
    return removed


def fill(conn, scale: Scale, *, now: datetime | None = None, seed: int = 12, progress=None):
    """Fill the (migrated, empty) database behind ``conn`` at ``scale``."""
    generator = Generator(
        conn, scale, now=now or datetime.now(UTC), seed=seed, progress=progress or (lambda m: None)
    )
    return generator.fill()


def fill_purge_set(conn, scale: Scale, *, finished_before: datetime, seed: int = 34, progress=None):
    """Write a fresh purge set (after ``remove_purge_set``)."""
    generator = Generator(
        conn, scale, now=finished_before, seed=seed, progress=progress or (lambda m: None)
    )
    return generator.fill_purge_set(finished_before=finished_before)
