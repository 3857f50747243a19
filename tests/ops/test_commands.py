import re
from io import StringIO

import pytest
from django.apps import apps
from django.contrib.auth import authenticate, get_user_model
from django.core.management import CommandError, call_command
from django.db.models import Count, Max
from django.http import HttpRequest

from assessments.models import AssessmentResult
from candidates.models import Candidate
from core.models import AuditEvent
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


def test_seed_demo_keeps_every_rule_real_data_keeps():
    _run("seed_demo")

    # Every row of every model passes its model's own rules, constraints included.
    domain = ("candidates", "interviews", "assessments")
    for model in (m for app in domain for m in apps.get_app_config(app).get_models()):
        if issubclass(model, AuditEvent):
            continue  # An audit event is a snapshot, not a row with rules of its own.
        rows = list(getattr(model, "all_objects", model.objects).all())
        assert rows, model
        for row in rows:
            row.full_clean()
    # A review carries its reviewer and its time, as one made through the API does.
    reviewed = AssessmentResult.objects.exclude(review_status="pending").get()
    assert (reviewed.review_status, reviewed.review_notes) == ("approved", "Strong hire.")
    assert reviewed.reviewed_by.groups.filter(name="Recruiters").exists()
    assert not reviewed.reviewed_by.has_usable_password()
    assert reviewed.reviewed_at is not None


def test_seed_demo_runs_once():
    _run("seed_demo")
    assert _run("seed_demo") == "Demo data is already loaded.\n"
    assert Candidate.objects.count() == 5


def test_create_local_admin_prints_a_working_password_once(settings):
    settings.DEBUG = True

    output = _run("create_local_admin")
    shown = re.fullmatch(
        r"\n  Local admin login created \(shown only this once\):\n"
        r"    URL:      http://127\.0\.0\.1:8000/admin/\n"
        r"    username: admin\n"
        r"    password: (\S{16})\n",
        output,
    )
    assert shown, output
    password = shown.group(1)

    user = authenticate(HttpRequest(), username="admin", password=password)
    assert user is not None
    assert (user.is_superuser, user.is_staff, user.email) == (True, True, "admin@localhost")
    again = _run("create_local_admin")
    assert again == (
        "Admin login 'admin' exists; its password was printed when it was created. "
        "Forgot it? manage.py changepassword admin\n"
    )
    assert get_user_model().objects.filter(username="admin").count() == 1


def test_create_local_admin_takes_another_name_and_address(settings):
    settings.DEBUG = True

    output = _run("create_local_admin", "--username", "ops", "--email", "ops@example.com")

    assert "    username: ops\n" in output
    user = get_user_model().objects.get()
    assert (user.username, user.email, user.is_superuser) == ("ops", "ops@example.com", True)


def test_create_local_admin_refuses_outside_development(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError) as refused:
        _run("create_local_admin")
    assert str(refused.value) == (
        "create_local_admin is for local development (DEBUG on); "
        "in production use: manage.py createsuperuser"
    )
    assert not get_user_model().objects.exists()
