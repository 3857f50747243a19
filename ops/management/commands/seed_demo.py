"""Demo data for local development: a small, realistic hiring pipeline.

Written as the real clients write it: through the services, and through each model's
own rules (``full_clean``) where a plain create is what the API does. Only the
timestamps are moved into the past afterwards, so the pipeline looks lived in.
"""

import unicodedata
from datetime import timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from assessments.models import AssessmentResult
from assessments.services import review_assessment
from candidates.models import Candidate, Resume
from candidates.services import register_candidate
from interviews import services
from interviews.models import AgentAction, Interview, InterviewMessage

DEMO_DOMAIN = "demo.example.com"
#: The recruiter whose name the demo reviews carry (a login without a password).
DEMO_REVIEWER = f"recruiter@{DEMO_DOMAIN}"


def ai_did(**fields) -> AgentAction:
    """Record on the AI's audit trail something it did (and did successfully)."""
    return created(AgentAction(status=AgentAction.Status.SUCCEEDED, **fields))


def created(instance):
    """Save a new row as the API would: only if the model's rules accept it."""
    instance.full_clean()
    instance.save()
    return instance


CANDIDATES = [
    {
        "full_name": "Amara Okafor",
        "target_role": "Senior Python engineer",
        "experience_level": "senior",
        "timezone": "Africa/Lagos",
        "skills": ["python", "django", "postgresql", "celery"],
        "phone": "+234 803 555 0142",
    },
    {
        "full_name": "Lucas Moreau",
        "target_role": "Frontend engineer",
        "experience_level": "mid",
        "timezone": "Europe/Paris",
        "skills": ["react", "typescript", "css", "testing-library"],
        "phone": "+33 6 55 01 23 45",
    },
    {
        "full_name": "Priya Raghavan",
        "target_role": "Full-stack engineer",
        "experience_level": "lead",
        "timezone": "Asia/Kolkata",
        "skills": ["python", "react", "aws", "graphql"],
        "phone": "+91 98450 55501",
    },
    {
        "full_name": "Mateo Fernández",
        "target_role": "JavaScript engineer",
        "experience_level": "junior",
        "timezone": "America/Argentina/Buenos_Aires",
        "skills": ["javascript", "node", "express"],
        "phone": "",
    },
    {
        "full_name": "Hannah Schmidt",
        "target_role": "Backend engineer",
        "experience_level": "entry",
        "timezone": "Europe/Berlin",
        "skills": ["python", "fastapi", "sql"],
        "phone": "+49 151 5550 1234",
    },
]

PYTHON_TRANSCRIPT = [
    (
        "What is the difference between a list and a tuple in Python, and when would you "
        "choose one over the other?",
        None,
    ),
    (
        "Lists are mutable and tuples are not. I use tuples for fixed records, like a "
        "(latitude, longitude) pair, and as dictionary keys, because they are hashable.",
        14,
    ),
    ("Good. How does a generator keep its state between calls to next()?", None),
    (
        "The generator's frame is suspended at the yield, so local variables and the "
        "instruction pointer survive until the next call resumes it.",
        22,
    ),
    (
        "Let's go deeper: how would you find an N+1 query problem in a Django view, and "
        "how would you fix it?",
        None,
    ),
    (
        "I'd count queries with assertNumQueries or django-debug-toolbar, then use "
        "select_related for foreign keys and prefetch_related for reverse or many-to-many "
        "relations.",
        31,
    ),
    ("How does PostgreSQL's MVCC let a long report run while rows are being updated?", None),
    (
        "Each transaction sees a snapshot; updates write new row versions instead of "
        "overwriting, so readers don't block writers. Vacuum cleans up the old versions.",
        40,
    ),
]

REACT_TRANSCRIPT = [
    ("Why does React need a key prop on list items?", None),
    (
        "Keys let React match elements between renders, so it can reorder instead of "
        "re-creating them and keep each item's state with the right item.",
        12,
    ),
    ("When would you reach for useMemo, and when is it a waste?", None),
    (
        "For expensive calculations or to keep a stable reference for a memoised child. "
        "For cheap values it just adds overhead.",
        27,
    ),
]


class Command(BaseCommand):
    help = "Load demo candidates, interviews in every status, transcripts and assessments."

    def handle(self, *args, **options):
        if Candidate.all_objects.filter(email__endswith=f"@{DEMO_DOMAIN}").exists():
            self.stdout.write("Demo data is already loaded.")
            return
        with transaction.atomic():
            created = self._load()
        self.stdout.write(self.style.SUCCESS(f"Loaded demo data: {created}."))

    def _load(self) -> str:
        now = timezone.now()
        self.reviewer = self._reviewer()
        people = [self._candidate(now, **values) for values in CANDIDATES]
        amara, lucas, priya, mateo, hannah = people

        completed = self._finished_interview(
            amara, "python", PYTHON_TRANSCRIPT, now - timedelta(days=3), minutes=34
        )
        self._assessment(completed, score="84.50", approved=True, review_notes="Strong hire.")
        completed_react = self._finished_interview(
            lucas, "react", REACT_TRANSCRIPT, now - timedelta(days=1), minutes=18
        )
        self._assessment(completed_react, score="71.25", approved=False)

        running = services.start_interview(
            services.create_interview(
                candidate=priya,
                resume=priya.resumes.first(),
                role_type="fullstack",
                ai_model_used="claude-sonnet-4",
            )
        )
        self._transcript(running, PYTHON_TRANSCRIPT[:3], now - timedelta(minutes=6))

        abandoned = services.create_interview(
            candidate=mateo, role_type="javascript", scheduled_for=now - timedelta(days=2)
        )
        services.start_interview(abandoned)
        self._transcript(abandoned, REACT_TRANSCRIPT[:1], now - timedelta(days=2))
        services.abandon_interview(abandoned)

        services.create_interview(
            candidate=hannah,
            resume=hannah.resumes.first(),
            role_type="python",
            scheduled_for=now + timedelta(days=2, hours=3),
        )
        return (
            f"{Candidate.objects.count()} candidates, {Interview.objects.count()} interviews, "
            f"{InterviewMessage.objects.count()} messages, "
            f"{AssessmentResult.objects.count()} assessments"
        )

    def _reviewer(self):
        reviewer = get_user_model()(
            username=DEMO_REVIEWER, email=DEMO_REVIEWER, first_name="Demo", is_staff=True
        )
        reviewer.set_unusable_password()
        reviewer.save()
        reviewer.groups.add(Group.objects.get(name="Recruiters"))
        return reviewer

    def _candidate(self, now, **values) -> Candidate:
        first, last = values["full_name"].lower().split(" ", 1)
        # An address's local part is ASCII: Fernández writes fernandez.
        local = unicodedata.normalize("NFKD", f"{first}.{last.replace(' ', '')}")
        email = f"{local.encode('ascii', 'ignore').decode()}@{DEMO_DOMAIN}"
        candidate = register_candidate(email=email, **values)
        created(
            Resume(
                candidate=candidate,
                file_url=f"https://files.{DEMO_DOMAIN}/resumes/{candidate.pk}.pdf",
                file_name=f"{first}-{last}-resume.pdf".replace(" ", "-"),
                file_size=148_000 + len(email) * 1_000,
                parsing_status=Resume.ParsingStatus.COMPLETED,
                parsed_at=now - timedelta(days=5),
                parsed_data={
                    "name": values["full_name"],
                    "skills": values["skills"],
                    "experience": [
                        {"title": values["target_role"], "years": 2 + len(values["skills"])}
                    ],
                    "education": [{"degree": "BSc Computer Science"}],
                },
            )
        )
        ai_did(
            candidate=candidate,
            agent_type=AgentAction.AgentType.RESUME_PARSER,
            action="parse_resume",
            rationale="New resume uploaded; extracted skills and experience.",
            ai_model="claude-haiku-4",
            tokens_used=2_140,
            cost_usd=Decimal("0.0021"),
            output={"skills_found": values["skills"]},
        )
        return candidate

    def _finished_interview(self, candidate, role_type, transcript, started, minutes):
        interview = services.create_interview(
            candidate=candidate,
            resume=candidate.resumes.first(),
            role_type=role_type,
            scheduled_for=started,
            ai_model_used="claude-sonnet-4",
        )
        services.start_interview(interview)
        self._transcript(interview, transcript, started)
        services.complete_interview(interview)
        # The moves stamp "now"; give the demo interview its real place in time.
        finished = started + timedelta(minutes=minutes)
        Interview.objects.filter(pk=interview.pk).update(
            started_at=started,
            completed_at=finished,
            duration_seconds=minutes * 60,
            total_tokens_used=18_400 + 900 * len(transcript),
            cost_usd=Decimal("0.1840") + Decimal("0.0090") * len(transcript),
        )
        interview.refresh_from_db()
        return interview

    def _transcript(self, interview, transcript, started):
        at = started
        for text, response_time in transcript:
            at += timedelta(seconds=(response_time or 8) + 5)
            message, _new = services.append_message(
                interview,
                message_type="candidate_response" if response_time else "ai_question",
                content_text=text,
                response_time_seconds=response_time,
                metadata={"sent_at": at},
            )
            # Demo transcripts happened in the past: date the rows accordingly.
            InterviewMessage.objects.filter(pk=message.pk).update(created_at=at, updated_at=at)
            if not response_time:
                ai_did(
                    interview=interview,
                    candidate=interview.candidate,
                    agent_type=AgentAction.AgentType.INTERVIEWER,
                    action="ask_question",
                    rationale="Probe the next topic at the current difficulty level.",
                    ai_model="claude-sonnet-4",
                    tokens_used=640,
                    cost_usd=Decimal("0.0064"),
                    input={"question_number": message.sequence_number},
                )
        asked = sum(1 for _text, response_time in transcript if not response_time)
        level = "advanced" if asked > 2 else "standard"
        services.update_session(
            interview.session,
            questions_asked_count=asked,
            current_difficulty_level=level,
            conversation_memory={
                "topics_covered": [text.split("?")[0][:60] for text, rt in transcript if not rt],
                "candidate_profile": {"confidence": "0.82", "pace": "steady"},
            },
            progression_state={"level": level, "streak": asked},
            skill_boundaries_identified={interview.role_type: "advanced"},
            last_activity_at=at,
        )

    def _assessment(self, interview, *, score, approved, review_notes=""):
        skill = interview.role_type
        assessment = created(
            AssessmentResult(
                interview=interview,
                overall_score=Decimal(score),
                skill_scores={
                    skill: {"score": int(Decimal(score)) + 3, "level": "advanced"},
                    "communication": {"score": 80, "level": "proficient"},
                    "problem_solving": {"score": int(Decimal(score)) - 4, "level": "proficient"},
                },
                strengths=["clear explanations", "knows the trade-offs"],
                weaknesses=["did not mention testing unprompted"],
                integrity_flags=[],
                integrity_score=Decimal("97.00"),
                ai_reasoning={
                    "summary": "Answers grew more precise as difficulty rose; reached the "
                    "advanced tier on databases.",
                    "evidence": {"messages": [2, 4, 6]},
                },
                recommended_actions=["advance to system design round"],
                ai_model="claude-sonnet-4",
                prompt_version="scoring-v3",
            )
        )
        ai_did(
            interview=interview,
            candidate=interview.candidate,
            agent_type=AgentAction.AgentType.SCORER,
            action="score_interview",
            rationale="Interview completed; scored against the role rubric.",
            ai_model="claude-sonnet-4",
            tokens_used=5_200,
            cost_usd=Decimal("0.0520"),
            output={"overall_score": assessment.overall_score},
        )
        if approved:
            review_assessment(
                assessment,
                reviewer=self.reviewer,
                review_status=AssessmentResult.ReviewStatus.APPROVED,
                review_notes=review_notes,
            )
        return assessment
