"""Fixtures every test folder shares: a small, valid object graph."""

from decimal import Decimal

import pytest
from model_bakery import baker

from assessments.models import AssessmentResult
from candidates.models import Candidate, Resume
from interviews import services
from interviews.models import Interview, InterviewMessage


@pytest.fixture
def candidate(db) -> Candidate:
    return baker.make(
        Candidate,
        email="ada.lovelace@example.com",
        full_name="Ada Lovelace",
        target_role="Backend engineer",
        experience_level=Candidate.ExperienceLevel.SENIOR,
        skills=["python", "postgresql"],
    )


@pytest.fixture
def resume(candidate) -> Resume:
    return baker.make(
        Resume,
        candidate=candidate,
        file_url="https://files.example.com/resumes/ada-lovelace.pdf",
        file_name="ada-lovelace.pdf",
        file_size=182_044,
    )


@pytest.fixture
def interview(candidate, resume) -> Interview:
    """A scheduled interview with its session, made the way the API makes one."""
    return services.create_interview(
        candidate=candidate, resume=resume, role_type=Interview.RoleType.PYTHON
    )


@pytest.fixture
def interview_in_progress(interview) -> Interview:
    return services.start_interview(interview)


@pytest.fixture
def message(interview_in_progress) -> InterviewMessage:
    return baker.make(
        InterviewMessage,
        interview=interview_in_progress,
        session=interview_in_progress.session,
        sequence_number=1,
        message_type=InterviewMessage.MessageType.AI_QUESTION,
        content_text="How does a Python generator keep its state between calls?",
    )


@pytest.fixture
def assessment(interview) -> AssessmentResult:
    return baker.make(
        AssessmentResult,
        interview=interview,
        overall_score=Decimal("78.50"),
        skill_scores={"python": {"score": 82, "level": "advanced"}},
    )
