import re
from io import StringIO

import pytest
from django.contrib.auth import authenticate, get_user_model
from django.core.management import CommandError, call_command
from django.db.models import Count, Max

from assessments.models import AssessmentResult
from candidates.models import Candidate
from interviews.models import Interview, InterviewMessage

pytestmark = pytest.mark.django_db


def _run(*args) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_seed_demo_loads_a_pipeline_in_every_status():
    _run("seed_demo")

    statuses = set(Interview.objects.values_list("status", flat=True))
    assert statuses == set(Interview.Status.values)
    assert Candidate.objects.count() == 5
    assert all(candidate.resumes.exists() for candidate in Candidate.objects.all())
    assert AssessmentResult.objects.count() == 2
    # Every transcript is numbered 1..n without a gap.
    for row in InterviewMessage.objects.values("interview").annotate(
        n=Count("id"), last=Max("sequence_number")
    ):
        assert row["n"] == row["last"]
    for interview in Interview.objects.filter(status="completed"):
        assert interview.duration_seconds > 0
        assert interview.messages.exists()


def test_seed_demo_runs_once():
    _run("seed_demo")
    assert _run("seed_demo") == "Demo data is already loaded.\n"
    assert Candidate.objects.count() == 5


def test_create_local_admin_prints_a_working_password_once(settings):
    settings.DEBUG = True

    output = _run("create_local_admin")
    password = re.search(r"password: (\S+)", output).group(1)

    user = authenticate(username="admin", password=password)
    assert user is not None
    assert user.is_superuser
    assert user.is_staff
    again = _run("create_local_admin")
    assert "exists" in again
    assert password not in again
    assert get_user_model().objects.filter(username="admin").count() == 1


def test_create_local_admin_refuses_outside_development(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="createsuperuser"):
        _run("create_local_admin")
    assert not get_user_model().objects.exists()
