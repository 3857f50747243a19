"""Fixtures every test folder shares: a small, valid object graph."""

import os
import uuid
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group, Permission, User
from hypothesis import settings as hypothesis_settings
from model_bakery import baker
from rest_framework.test import APIClient

from assessments.models import AssessmentResult
from candidates.models import Candidate, Resume
from interviews import services
from interviews.models import Interview, InterviewMessage

# Property-based tests: 80 examples each. Mutation testing runs the suite once per
# mutant: fewer examples there, and the same ones each time, so a mutant's verdict
# does not depend on luck (pyproject.toml selects it for mutmut).
hypothesis_settings.register_profile("portal", max_examples=80)
hypothesis_settings.register_profile("mutation", max_examples=20, derandomize=True)
hypothesis_settings.load_profile("portal")


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix):
    """Under mutation testing, give each run its own database, copied from a template.

    ``make mutate`` runs the suite once per mutant, several at a time: each run gets
    a database of its own (no run sees another's rows), and copying the migrated
    template takes a fraction of a second where migrating takes seconds.
    """
    template = os.environ.get("TEST_DATABASE_TEMPLATE")
    if template:
        from django.conf import settings

        test = settings.DATABASES["default"].setdefault("TEST", {})
        test["NAME"] = f"{template}_{os.getpid()}"
        test["TEMPLATE"] = template


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


# --- API callers ---------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _fresh_cache(settings):
    """Throttle counters live in the cache; every test starts with none.

    A key prefix of the test's own, rather than emptying the shared Redis database,
    so that suites running side by side (mutation testing) do not reset each other.
    """
    settings.CACHES = {
        name: {**config, "KEY_PREFIX": f"test-{uuid.uuid4().hex}"}
        for name, config in settings.CACHES.items()
    }


@pytest.fixture
def api_client() -> APIClient:
    """An anonymous API client."""
    return APIClient()


def _client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def make_staff(db):
    """Make a staff login holding exactly the given permissions ("app.codename")."""

    def make(*permissions: str, username: str = "staff") -> User:
        user = User.objects.create_user(username=username, password="x9-unused", is_staff=True)
        for permission in permissions:
            app_label, codename = permission.split(".")
            user.user_permissions.add(
                Permission.objects.get(content_type__app_label=app_label, codename=codename)
            )
        return User.objects.get(pk=user.pk)  # Fresh: no stale permission cache.

    return make


@pytest.fixture
def admin_api(db) -> APIClient:
    """A superuser's API client."""
    return _client_for(User.objects.create_superuser("root", "root@example.com", "x9-unused"))


@pytest.fixture
def staff_without_permissions(make_staff) -> APIClient:
    return _client_for(make_staff(username="no-perms"))


@pytest.fixture
def recruiter_api(db) -> APIClient:
    """A member of the Recruiters group (made by a data migration)."""
    user = User.objects.create_user("recruiter", password="x9-unused", is_staff=True)
    user.groups.add(Group.objects.get(name="Recruiters"))
    return _client_for(user)


@pytest.fixture
def engine_api(db) -> APIClient:
    """The AI interview engine's service account (Interview engine group, not staff)."""
    user = User.objects.create_user("interview-engine", password="x9-unused")
    user.groups.add(Group.objects.get(name="Interview engine"))
    return _client_for(user)


@pytest.fixture
def candidate_api(candidate) -> APIClient:
    """The `candidate` fixture's own login."""
    candidate.user = User.objects.create_user(candidate.email, password="x9-unused")
    candidate.save(update_fields=["user"])
    return _client_for(candidate.user)


@pytest.fixture
def other_candidate(db) -> Candidate:
    """A second candidate, with a resume and a scheduled interview of their own."""
    other = baker.make(Candidate, email="grace.hopper@example.com", full_name="Grace Hopper")
    resume = baker.make(
        Resume,
        candidate=other,
        file_url="https://files.example.com/resumes/grace-hopper.pdf",
        file_name="grace-hopper.pdf",
        file_size=90_210,
    )
    services.create_interview(candidate=other, resume=resume, role_type="react")
    return other
