"""Candidate API rules that guard state: erasure, restore, repeated deletes, logins."""

import pytest
from django.contrib.auth.models import Permission, User
from rest_framework.test import APIClient

from candidates.models import Candidate, Resume

LONG_EMAIL = "a" * 140 + "@example.com"  # 152 characters: fine for a candidate, not a login.


def test_an_email_too_long_for_a_login_is_refused_on_the_email(admin_api, db):
    response = admin_api.post(
        "/api/v1/candidates/",
        {"email": LONG_EMAIL, "full_name": "Long Address", "password": "s3cure-enough-pw"},
        format="json",
    )
    assert response.status_code == 400
    assert list(response.json()) == ["email"]
    assert not Candidate.all_objects.exists()


def test_the_same_email_is_fine_without_a_login(admin_api, db):
    response = admin_api.post(
        "/api/v1/candidates/", {"email": LONG_EMAIL, "full_name": "Long Address"}, format="json"
    )
    assert response.status_code == 201


def test_a_nul_in_the_delete_reason_is_refused(admin_api, candidate):
    response = admin_api.delete(f"/api/v1/candidates/{candidate.pk}/?reason=a%00b")
    assert response.status_code == 400
    assert list(response.json()) == ["reason"]
    assert not Candidate.all_objects.get(pk=candidate.pk).is_deleted


def test_deleting_twice_keeps_the_first_deletion_on_record(admin_api, candidate):
    admin_api.delete(f"/api/v1/candidates/{candidate.pk}/?reason=first")
    first = Candidate.all_objects.get(pk=candidate.pk)

    again = admin_api.delete(f"/api/v1/candidates/{candidate.pk}/?include_deleted=true&reason=x")

    assert again.status_code == 204
    kept = Candidate.all_objects.get(pk=candidate.pk)
    assert (kept.deleted_at, kept.deletion_reason) == (first.deleted_at, "first")


def test_a_resume_used_by_interviews_cannot_move_to_another_candidate(
    admin_api, interview, other_candidate
):
    resume = interview.resume
    response = admin_api.patch(
        f"/api/v1/resumes/{resume.pk}/", {"candidate": str(other_candidate.pk)}, format="json"
    )
    assert response.status_code == 400
    assert response.json() == {
        "candidate": ["This resume is used by interviews; it cannot move to another candidate."]
    }
    assert Resume.objects.get(pk=resume.pk).candidate == interview.candidate


@pytest.mark.parametrize(
    ("action", "permission"),
    [("restore", "change_candidate"), ("erase", "delete_candidate")],
)
def test_restore_and_erase_are_for_staff_only(candidate, action, permission):
    service_account = User.objects.create_user("service-account")
    service_account.user_permissions.add(
        Permission.objects.get(codename=permission),
        Permission.objects.get(codename="view_candidate"),
    )
    client = APIClient()
    client.force_authenticate(User.objects.get(pk=service_account.pk))

    response = client.post(f"/api/v1/candidates/{candidate.pk}/{action}/")

    assert response.status_code == 403
    assert Candidate.objects.get(pk=candidate.pk).full_name == "Ada Lovelace"
