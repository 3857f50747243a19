"""HTTP-level tests of /api/v1/candidates/ and /api/v1/resumes/ (SPEC §4)."""

import json
import uuid
from datetime import UTC, datetime

import pytest
from django.contrib.auth import authenticate
from django.contrib.auth.hashers import identify_hasher
from django.contrib.auth.models import User
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import connection
from django.http import HttpRequest
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from model_bakery import baker
from rest_framework.test import APIClient

from candidates.models import Candidate, Resume
from interviews.models import Interview

CANDIDATES = "/api/v1/candidates/"
RESUMES = "/api/v1/resumes/"

STAFF_ONLY_FIELDS = {"deleted_at", "deleted_by", "deletion_reason"}
CANDIDATE_FIELDS = {
    "id",
    "email",
    "full_name",
    "phone",
    "status",
    "target_role",
    "experience_level",
    "timezone",
    "skills",
    "user",
    "created_at",
    "updated_at",
}
RESUME_FIELDS = {
    "id",
    "candidate",
    "file_url",
    "file_name",
    "file_size",
    "uploaded_at",
    "parsed_at",
    "parsing_status",
    "parsed_data",
    "schema_version",
    "created_at",
    "updated_at",
}
GOOD_PASSWORD = "Blue-Kettle-42"
NOWHERE = "00000000-0000-4000-8000-000000000000"  # A UUID no row has.

NOT_AUTHENTICATED = {"detail": "Authentication credentials were not provided."}
FORBIDDEN = {"detail": "You do not have permission to perform this action."}
NO_CANDIDATE = {"detail": "No Candidate matches the given query."}
NO_RESUME = {"detail": "No Resume matches the given query."}
CANDIDATE_EMAIL_TAKEN = {"email": ["A candidate with this email already exists."]}
NOT_A_DICT = "Invalid data. Expected a dictionary, but got {}."


def candidate_url(candidate_or_pk, action: str = "") -> str:
    pk = getattr(candidate_or_pk, "pk", candidate_or_pk)
    return f"{CANDIDATES}{pk}/{action + '/' if action else ''}"


def resume_url(resume_or_pk) -> str:
    return f"{RESUMES}{getattr(resume_or_pk, 'pk', resume_or_pk)}/"


def emails(response) -> set[str]:
    assert response.status_code == 200, response.content
    return {row["email"] for row in response.json()["results"]}


def result_ids(response) -> set[str]:
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


def row_counts() -> tuple[int, int, int]:
    return Candidate.all_objects.count(), Resume.all_objects.count(), User.objects.count()


def new_candidate_payload(**overrides) -> dict:
    return {
        "email": "Margaret.Hamilton@Example.com",
        "full_name": "Margaret Hamilton",
        "phone": "+1 617 555 0100",
        "target_role": "Flight software lead",
        "experience_level": "principal",
        "timezone": "America/New_York",
        "skills": ["assembly", "python"],
        **overrides,
    }


def new_resume_payload(owner, /, **overrides) -> dict:
    return {
        "candidate": str(owner.pk),
        "file_url": "https://files.example.com/resumes/ada-2.pdf",
        "file_name": "ada-2.pdf",
        "file_size": 2048,
        **overrides,
    }


@pytest.fixture
def admin_user(admin_api) -> User:
    return User.objects.get(username="root")


@pytest.fixture
def staff_api(make_staff):
    """A staff API client holding exactly the given permissions."""

    def make(*permissions: str) -> APIClient:
        client = APIClient()
        client.force_authenticate(make_staff(*permissions, username=f"staff-{uuid.uuid4().hex}"))
        return client

    return make


# --- Representation and happy paths ---------------------------------------------------


def test_staff_list_is_paginated_and_carries_every_field(admin_api, candidate):
    response = admin_api.get(CANDIDATES)

    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"count", "next", "previous", "results"}
    assert body["count"] == 1
    [row] = body["results"]
    assert set(row) == CANDIDATE_FIELDS | STAFF_ONLY_FIELDS
    assert row["id"] == str(candidate.pk)
    assert row["email"] == "ada.lovelace@example.com"
    assert row["skills"] == ["python", "postgresql"]
    assert parse_datetime(row["created_at"]) == candidate.created_at
    assert parse_datetime(row["updated_at"]) == candidate.updated_at
    assert row["deleted_at"] is None
    assert row["deletion_reason"] == ""


def test_staff_retrieves_a_candidate_with_its_login_as_an_id(admin_api, candidate_api, candidate):
    response = admin_api.get(candidate_url(candidate))

    assert response.status_code == 200
    body = response.json()
    assert set(body) == CANDIDATE_FIELDS | STAFF_ONLY_FIELDS
    assert body["user"] == candidate.user_id
    assert body["full_name"] == "Ada Lovelace"
    assert body["experience_level"] == "senior"


def test_engine_account_sees_candidates_without_deletion_fields(engine_api, candidate):
    response = engine_api.get(candidate_url(candidate))

    assert response.status_code == 200
    assert set(response.json()) == CANDIDATE_FIELDS
    [row] = engine_api.get(CANDIDATES).json()["results"]
    assert set(row) == CANDIDATE_FIELDS


def test_candidate_login_sees_own_record_without_deletion_fields(candidate_api, candidate):
    response = candidate_api.get(candidate_url(candidate))

    assert response.status_code == 200
    assert set(response.json()) == CANDIDATE_FIELDS
    assert response.json()["id"] == str(candidate.pk)


def test_create_candidate_returns_201_with_lower_cased_email(admin_api):
    response = admin_api.post(CANDIDATES, new_candidate_payload(), format="json")

    assert response.status_code == 201, response.content
    body = response.json()
    assert set(body) == CANDIDATE_FIELDS | STAFF_ONLY_FIELDS
    stored = Candidate.objects.get(pk=body["id"])
    assert body["email"] == stored.email == "margaret.hamilton@example.com"
    assert body["status"] == "active"
    assert body["timezone"] == "America/New_York"
    assert body["skills"] == ["assembly", "python"]
    assert body["user"] is None
    assert parse_datetime(body["created_at"]) == stored.created_at


def test_create_candidate_defaults_status_timezone_and_skills(admin_api):
    response = admin_api.post(
        CANDIDATES, {"email": "min@example.com", "full_name": "Min Imal"}, format="json"
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["status"], body["timezone"], body["skills"]) == ("active", "UTC", [])


def test_client_cannot_choose_the_login_of_a_new_candidate(admin_api, admin_user):
    response = admin_api.post(CANDIDATES, new_candidate_payload(user=admin_user.pk), format="json")

    assert response.status_code == 201, response.content
    assert Candidate.objects.get(pk=response.json()["id"]).user_id is None


def test_create_with_password_creates_a_working_hashed_login(admin_api):
    response = admin_api.post(
        CANDIDATES, new_candidate_payload(password=GOOD_PASSWORD), format="json"
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert "password" not in body
    assert GOOD_PASSWORD not in response.content.decode()
    login = User.objects.get(pk=body["user"])
    assert login.username == login.email == "margaret.hamilton@example.com"
    assert not login.is_staff
    assert login.password != GOOD_PASSWORD
    identify_hasher(login.password)  # Raises if not a Django hash.
    assert (
        authenticate(
            HttpRequest(), username="margaret.hamilton@example.com", password=GOOD_PASSWORD
        )
        == login
    )
    assert Candidate.objects.get(pk=body["id"]).user == login


def test_put_replaces_the_candidate(admin_api, candidate):
    payload = {
        "email": "ada.king@example.com",
        "full_name": "Ada King",
        "phone": "+44 20 7946 0000",
        "status": "inactive",
        "target_role": "Analyst",
        "experience_level": "lead",
        "timezone": "Europe/London",
        "skills": ["mathematics"],
    }

    response = admin_api.put(candidate_url(candidate), payload, format="json")

    assert response.status_code == 200, response.content
    candidate.refresh_from_db()
    for field, value in payload.items():
        assert response.json()[field] == value
        assert getattr(candidate, field) == value


def test_put_keeping_own_email_in_another_case_is_accepted(admin_api, candidate):
    payload = {"email": "ADA.Lovelace@example.com", "full_name": "Ada Lovelace"}

    response = admin_api.put(candidate_url(candidate), payload, format="json")

    assert response.status_code == 200, response.content
    assert response.json()["email"] == "ada.lovelace@example.com"


def test_patch_changes_only_the_named_fields(admin_api, candidate):
    before = candidate.updated_at

    response = admin_api.patch(candidate_url(candidate), {"target_role": "CTO"}, format="json")

    assert response.status_code == 200, response.content
    candidate.refresh_from_db()
    assert candidate.target_role == "CTO"
    assert candidate.full_name == "Ada Lovelace"
    assert candidate.skills == ["python", "postgresql"]
    assert candidate.updated_at > before
    assert parse_datetime(response.json()["updated_at"]) == candidate.updated_at


def test_email_change_through_patch_renames_the_login(admin_api, candidate_api, candidate):
    response = admin_api.patch(
        candidate_url(candidate), {"email": "Ada.King@Example.org"}, format="json"
    )

    assert response.status_code == 200, response.content
    login = User.objects.get(pk=candidate.user_id)
    assert login.username == "ada.king@example.org"
    assert (
        authenticate(HttpRequest(), username="ada.king@example.org", password="x9-unused") == login
    )
    assert (
        authenticate(HttpRequest(), username="ada.lovelace@example.com", password="x9-unused")
        is None
    )


# --- Permissions ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", CANDIDATES),
        ("post", CANDIDATES),
        ("get", f"{CANDIDATES}{NOWHERE}/"),
        ("patch", f"{CANDIDATES}{NOWHERE}/"),
        ("delete", f"{CANDIDATES}{NOWHERE}/"),
        ("post", f"{CANDIDATES}{NOWHERE}/erase/"),
        ("get", RESUMES),
        ("post", RESUMES),
        ("get", f"{RESUMES}{NOWHERE}/"),
    ],
)
def test_anonymous_requests_get_401(api_client, db, method, path):
    response = getattr(api_client, method)(path, {}, format="json")

    assert response.status_code == 401
    assert response.json() == NOT_AUTHENTICATED


@pytest.mark.parametrize("path", [CANDIDATES, RESUMES])
def test_staff_without_view_permission_gets_403_on_lists(staff_without_permissions, resume, path):
    response = staff_without_permissions.get(path)

    assert response.status_code == 403
    assert response.json() == FORBIDDEN


def test_staff_without_view_candidate_gets_403_on_a_candidate(staff_without_permissions, candidate):
    response = staff_without_permissions.get(candidate_url(candidate))

    assert response.status_code == 403
    assert response.json() == FORBIDDEN


def test_staff_with_view_candidate_only_can_read_but_not_create(staff_api, candidate):
    client = staff_api("candidates.view_candidate")

    assert client.get(candidate_url(candidate)).status_code == 200
    created = client.post(CANDIDATES, new_candidate_payload(), format="json")
    assert (created.status_code, created.json()) == (403, FORBIDDEN)
    resumes = client.get(RESUMES)
    assert (resumes.status_code, resumes.json()) == (403, FORBIDDEN)
    assert Candidate.all_objects.count() == 1


def test_candidate_login_lists_only_own_candidate(candidate_api, candidate, other_candidate):
    response = candidate_api.get(CANDIDATES)

    assert response.json()["count"] == 1
    assert result_ids(response) == {str(candidate.pk)}


def test_candidate_login_gets_404_for_another_candidate(candidate_api, other_candidate):
    response = candidate_api.get(candidate_url(other_candidate))

    assert response.status_code == 404
    assert response.json() == NO_CANDIDATE


def test_candidate_login_lists_only_own_resumes(candidate_api, resume, other_candidate):
    response = candidate_api.get(RESUMES)

    assert result_ids(response) == {str(resume.pk)}
    [row] = response.json()["results"]
    assert set(row) == RESUME_FIELDS


def test_candidate_login_gets_404_for_another_candidates_resume(candidate_api, other_candidate):
    other_resume = other_candidate.resumes.get()

    response = candidate_api.get(resume_url(other_resume))

    assert response.status_code == 404
    assert response.json() == NO_RESUME


def test_candidate_login_reads_own_resume(candidate_api, resume):
    response = candidate_api.get(resume_url(resume))

    assert response.status_code == 200
    assert set(response.json()) == RESUME_FIELDS


@pytest.mark.parametrize(
    ("method", "target", "payload"),
    [
        ("post", "candidates", new_candidate_payload()),
        ("put", "own", {"email": "ada@example.com", "full_name": "Ada"}),
        ("patch", "own", {"full_name": "Ada Byron"}),
        ("delete", "own", None),
        ("post", "own/restore", None),
        ("post", "own/erase", None),
        ("patch", "other", {"full_name": "Hijacked"}),
        ("post", "resumes", "own-resume-payload"),
        ("put", "own-resume", "own-resume-payload"),
        ("patch", "own-resume", {"file_name": "hacked.pdf"}),
        ("delete", "own-resume", None),
    ],
)
def test_candidate_login_cannot_write(
    candidate_api, candidate, resume, other_candidate, method, target, payload
):
    path = {
        "candidates": CANDIDATES,
        "own": candidate_url(candidate),
        "own/restore": candidate_url(candidate, "restore"),
        "own/erase": candidate_url(candidate, "erase"),
        "other": candidate_url(other_candidate),
        "resumes": RESUMES,
        "own-resume": resume_url(resume),
    }[target]
    if payload == "own-resume-payload":
        payload = new_resume_payload(candidate)
    before = row_counts()

    response = getattr(candidate_api, method)(path, payload, format="json")

    assert response.status_code == 403
    assert response.json() == FORBIDDEN
    assert row_counts() == before
    candidate.refresh_from_db()
    resume.refresh_from_db()
    other_candidate.refresh_from_db()
    assert (candidate.full_name, candidate.deleted_at) == ("Ada Lovelace", None)
    assert (resume.file_name, resume.deleted_at) == ("ada-lovelace.pdf", None)
    assert other_candidate.full_name == "Grace Hopper"


def test_recruiter_can_read_candidates_and_resumes(recruiter_api, resume):
    assert recruiter_api.get(CANDIDATES).json()["count"] == 1
    assert recruiter_api.get(candidate_url(resume.candidate_id)).status_code == 200
    assert recruiter_api.get(RESUMES).json()["count"] == 1
    assert recruiter_api.get(resume_url(resume)).status_code == 200


def test_recruiter_cannot_create_change_or_delete(recruiter_api, candidate, resume):
    before = row_counts()

    responses = [
        recruiter_api.post(CANDIDATES, new_candidate_payload(), format="json"),
        recruiter_api.patch(candidate_url(candidate), {"full_name": "X"}, format="json"),
        recruiter_api.delete(candidate_url(candidate)),
        recruiter_api.post(RESUMES, new_resume_payload(candidate), format="json"),
        recruiter_api.delete(resume_url(resume)),
    ]

    assert [(r.status_code, r.json()) for r in responses] == [(403, FORBIDDEN)] * 5
    assert row_counts() == before
    assert Candidate.objects.get(pk=candidate.pk).full_name == "Ada Lovelace"
    assert Candidate.objects.filter(pk=candidate.pk).exists()
    assert Resume.objects.filter(pk=resume.pk).exists()


def test_engine_can_view_candidates_and_resumes(engine_api, resume):
    assert engine_api.get(candidate_url(resume.candidate_id)).status_code == 200
    response = engine_api.get(RESUMES)
    assert result_ids(response) == {str(resume.pk)}
    assert set(response.json()["results"][0]) == RESUME_FIELDS
    assert engine_api.get(resume_url(resume)).status_code == 200


def test_engine_cannot_create_or_delete_candidates(engine_api, candidate):
    before = row_counts()

    created = engine_api.post(CANDIDATES, new_candidate_payload(), format="json")
    deleted = engine_api.delete(candidate_url(candidate))

    assert (created.status_code, created.json()) == (403, FORBIDDEN)
    assert (deleted.status_code, deleted.json()) == (403, FORBIDDEN)
    assert row_counts() == before
    assert Candidate.objects.filter(pk=candidate.pk).exists()


# --- Create: passwords ------------------------------------------------------------------


NEEDS_LETTER_AND_DIGIT = "This password must contain at least one letter and one digit."


@pytest.mark.parametrize(
    ("password", "messages"),
    [
        pytest.param(
            "Ab1xyz",
            ["This password is too short. It must contain at least 8 characters."],
            id="too-short",
        ),
        pytest.param("password1", ["This password is too common."], id="common"),
        pytest.param(
            "83920174620193",
            ["This password is entirely numeric.", NEEDS_LETTER_AND_DIGIT],
            id="all-digits",
        ),
        pytest.param("correct-horse-battery", [NEEDS_LETTER_AND_DIGIT], id="no-digit"),
        pytest.param("1234-5678-9012!", [NEEDS_LETTER_AND_DIGIT], id="no-letter"),
        pytest.param(
            "margaret.hamilton",
            ["The password is too similar to the username.", NEEDS_LETTER_AND_DIGIT],
            id="like-the-email",
        ),
    ],
)
def test_weak_password_is_refused_and_nothing_is_created(admin_api, password, messages):
    before = row_counts()

    response = admin_api.post(CANDIDATES, new_candidate_payload(password=password), format="json")

    assert response.status_code == 400
    assert response.json() == {"password": messages}
    assert row_counts() == before


def test_the_letter_and_digit_rule_names_itself():
    with pytest.raises(ValidationError) as refused:
        validate_password("correct-horse-battery")
    assert [error.code for error in refused.value.error_list] == ["password_needs_letter_and_digit"]


@pytest.mark.parametrize("method", ["put", "patch"])
def test_password_on_update_is_refused(admin_api, candidate_api, candidate, method):
    payload = {"email": candidate.email, "full_name": "Ada Lovelace", "password": GOOD_PASSWORD}

    response = getattr(admin_api, method)(candidate_url(candidate), payload, format="json")

    assert response.status_code == 400
    assert response.json() == {
        "password": ["A password can only be set when the candidate is created."]
    }
    assert authenticate(HttpRequest(), username=candidate.email, password="x9-unused") is not None
    assert authenticate(HttpRequest(), username=candidate.email, password=GOOD_PASSWORD) is None


def test_password_like_the_full_name_is_refused(admin_api):
    """The name is checked even when the email shares nothing with it."""
    before = row_counts()

    response = admin_api.post(
        CANDIDATES,
        new_candidate_payload(
            email="grace@example.com", full_name="Margaret Hamilton", password="Hamilton1966!"
        ),
        format="json",
    )

    assert response.status_code == 400
    assert response.json() == {"password": ["The password is too similar to the first name."]}
    assert row_counts() == before


def email_of_length(length: int) -> str:
    """A valid address of exactly `length` characters (local part 64, labels <= 63)."""
    local = "a" * 64
    middle = length - len(local) - len("@") - len("b" * 63 + ".") - len(".com")
    email = f"{local}@{'b' * 63}.{'c' * middle}.com"
    assert len(email) == length
    return email


def test_an_email_of_150_characters_can_have_a_login(admin_api):
    email = email_of_length(150)

    response = admin_api.post(
        CANDIDATES, new_candidate_payload(email=email, password=GOOD_PASSWORD), format="json"
    )

    assert response.status_code == 201, response.content
    assert response.json()["email"] == email
    login = User.objects.get(pk=response.json()["user"])
    assert login.username == login.email == email
    assert authenticate(HttpRequest(), username=email, password=GOOD_PASSWORD) == login


def test_an_email_of_151_characters_cannot_have_a_login(admin_api):
    before = row_counts()

    response = admin_api.post(
        CANDIDATES,
        new_candidate_payload(email=email_of_length(151), password=GOOD_PASSWORD),
        format="json",
    )

    assert response.status_code == 400
    assert response.json() == {
        "email": ["With a login, the email can have at most 150 characters."]
    }
    assert row_counts() == before


def test_an_email_of_151_characters_is_accepted_without_a_login(admin_api):
    email = email_of_length(151)

    response = admin_api.post(CANDIDATES, new_candidate_payload(email=email), format="json")

    assert response.status_code == 201, response.content
    assert (response.json()["email"], response.json()["user"]) == (email, None)


def test_a_candidate_with_a_login_cannot_move_to_a_151_character_email(
    admin_api, candidate_api, candidate
):
    response = admin_api.patch(
        candidate_url(candidate), {"email": email_of_length(151)}, format="json"
    )

    assert response.status_code == 400
    assert response.json() == {
        "email": ["With a login, the email can have at most 150 characters."]
    }
    candidate.refresh_from_db()
    assert candidate.email == candidate.user.username == "ada.lovelace@example.com"


# --- Create and update: validation ------------------------------------------------------


@pytest.mark.parametrize("soft_deleted", [False, True], ids=["alive", "soft-deleted"])
def test_duplicate_email_in_another_case_is_refused(admin_api, candidate, soft_deleted):
    if soft_deleted:
        candidate.soft_delete(reason="test")
    before = row_counts()

    response = admin_api.post(
        CANDIDATES, new_candidate_payload(email="ADA.Lovelace@Example.COM"), format="json"
    )

    assert response.status_code == 400
    assert response.json() == CANDIDATE_EMAIL_TAKEN
    assert row_counts() == before


def test_email_of_an_existing_login_is_refused(admin_api):
    User.objects.create_user("taken@example.com", password="x9-unused")
    before = row_counts()

    response = admin_api.post(
        CANDIDATES,
        new_candidate_payload(email="Taken@example.com", password=GOOD_PASSWORD),
        format="json",
    )

    assert response.status_code == 400
    assert response.json() == {"email": ["A login with this email already exists."]}
    assert row_counts() == before


def test_a_candidate_keeps_their_own_logins_email(admin_api, candidate, candidate_api):
    """Their login's username is their email: it is theirs, not another login's."""
    response = admin_api.patch(
        f"{CANDIDATES}{candidate.pk}/",
        {"email": candidate.email.upper(), "phone": "+44 20 7946 0000"},
        format="json",
    )

    assert response.status_code == 200, response.json()
    assert (response.json()["email"], response.json()["phone"]) == (
        candidate.email,
        "+44 20 7946 0000",
    )


def test_patch_to_another_candidates_email_is_refused(admin_api, candidate, other_candidate):
    response = admin_api.patch(
        candidate_url(candidate), {"email": "Grace.Hopper@example.com"}, format="json"
    )

    assert response.status_code == 400
    assert response.json() == CANDIDATE_EMAIL_TAKEN
    candidate.refresh_from_db()
    assert candidate.email == "ada.lovelace@example.com"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("email", "not-an-email", "Enter a valid email address."),
        ("email", "", "This field may not be blank."),
        ("full_name", "", "This field may not be blank."),
        ("full_name", "   ", "This field may not be blank."),
        ("full_name", 12345, "Not a valid string."),
        ("full_name", None, "This field may not be null."),
        (
            "timezone",
            "Mars/Olympus_Mons",
            "Mars/Olympus_Mons is not an IANA time zone name (e.g. Europe/Berlin).",
        ),
        ("timezone", "", "This field may not be blank."),
        ("status", "banned", '"banned" is not a valid choice.'),
        ("status", "deleted", "Delete a candidate with DELETE; the status follows."),
        ("experience_level", "guru", '"guru" is not a valid choice.'),
        ("skills", "python", 'Expected a list of items but got type "str".'),
        ("skills", {"python": True}, 'Expected a list of items but got type "dict".'),
        ("phone", "9" * 51, "Ensure this field has no more than 50 characters."),
    ],
)
def test_invalid_field_on_create_is_refused_naming_the_field(admin_api, field, value, message):
    before = row_counts()

    response = admin_api.post(CANDIDATES, new_candidate_payload(**{field: value}), format="json")

    assert response.status_code == 400, response.content
    assert response.json() == {field: [message]}
    assert row_counts() == before


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("email", "not-an-email", "Enter a valid email address."),
        ("full_name", "", "This field may not be blank."),
        (
            "timezone",
            "Nowhere/Special",
            "Nowhere/Special is not an IANA time zone name (e.g. Europe/Berlin).",
        ),
        ("status", "deleted", "Delete a candidate with DELETE; the status follows."),
        ("experience_level", "guru", '"guru" is not a valid choice.'),
        ("skills", "python,sql", 'Expected a list of items but got type "str".'),
    ],
)
def test_invalid_field_on_patch_is_refused_and_changes_nothing(
    admin_api, candidate, field, value, message
):
    before = Candidate.objects.values().get(pk=candidate.pk)

    response = admin_api.patch(candidate_url(candidate), {field: value}, format="json")

    assert response.status_code == 400, response.content
    assert response.json() == {field: [message]}
    assert Candidate.objects.values().get(pk=candidate.pk) == before


@pytest.mark.parametrize("field", ["email", "full_name"])
def test_missing_required_field_is_refused(admin_api, field):
    payload = new_candidate_payload()
    del payload[field]
    before = row_counts()

    response = admin_api.post(CANDIDATES, payload, format="json")

    assert response.status_code == 400
    assert response.json() == {field: ["This field is required."]}
    assert row_counts() == before


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        pytest.param(
            '{"email": "x@example.com", "full_name": ',
            {"detail": "JSON parse error - Expecting value: line 1 column 41 (char 40)"},
            id="truncated",
        ),
        pytest.param(
            "not json at all",
            {"detail": "JSON parse error - Expecting value: line 1 column 1 (char 0)"},
            id="garbage",
        ),
        pytest.param(
            json.dumps([new_candidate_payload()]),
            {"non_field_errors": [NOT_A_DICT.format("list")]},
            id="a-list",
        ),
        pytest.param(
            '"just a string"', {"non_field_errors": [NOT_A_DICT.format("str")]}, id="a-string"
        ),
        pytest.param("null", {"non_field_errors": ["No data provided"]}, id="null"),
    ],
)
def test_malformed_body_on_create_is_400(admin_api, db, body, errors):
    before = row_counts()

    response = admin_api.post(CANDIDATES, data=body, content_type="application/json")

    assert response.status_code == 400
    assert response.json() == errors
    assert row_counts() == before


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        (
            '{"full_name": "Ada',
            {
                "detail": "JSON parse error - "
                "Unterminated string starting at: line 1 column 15 (char 14)"
            },
        ),
        (
            json.dumps([{"full_name": "Ada Byron"}]),
            {"non_field_errors": [NOT_A_DICT.format("list")]},
        ),
    ],
    ids=["bad", "list"],
)
def test_malformed_body_on_patch_is_400_and_changes_nothing(admin_api, candidate, body, errors):
    response = admin_api.patch(candidate_url(candidate), data=body, content_type="application/json")

    assert response.status_code == 400
    assert response.json() == errors
    candidate.refresh_from_db()
    assert candidate.full_name == "Ada Lovelace"


def test_unknown_candidate_is_404(admin_api, db):
    response = admin_api.get(candidate_url(NOWHERE))
    assert (response.status_code, response.json()) == (404, NO_CANDIDATE)
    assert admin_api.get(f"{CANDIDATES}not-a-uuid/").status_code == 404


# --- Soft delete, include_deleted, restore ----------------------------------------------


def test_delete_soft_deletes_and_records_reason(admin_api, admin_user, interview):
    candidate = interview.candidate

    response = admin_api.delete(f"{candidate_url(candidate)}?reason=duplicate+profile")

    assert response.status_code == 204
    assert response.content == b""
    stored = Candidate.all_objects.get(pk=candidate.pk)
    assert stored.deleted_at is not None
    assert stored.deleted_by == admin_user
    assert stored.deletion_reason == "duplicate profile"
    assert stored.status == "deleted"
    assert Interview.objects.filter(pk=interview.pk, candidate=candidate).exists()


def test_delete_without_a_reason_records_an_empty_one(admin_api, candidate):
    assert admin_api.delete(candidate_url(candidate)).status_code == 204
    assert Candidate.all_objects.get(pk=candidate.pk).deletion_reason == ""


def test_a_reason_holding_a_nul_character_is_refused(admin_api, candidate):
    response = admin_api.delete(f"{candidate_url(candidate)}?reason=spam%00")

    assert response.status_code == 400
    assert response.json() == {"reason": ["May not contain NUL characters."]}
    assert not Candidate.all_objects.get(pk=candidate.pk).is_deleted


def test_soft_deleted_candidate_is_hidden_from_list_and_retrieve(
    admin_api, candidate, other_candidate
):
    assert admin_api.delete(candidate_url(candidate)).status_code == 204

    assert emails(admin_api.get(CANDIDATES)) == {"grace.hopper@example.com"}
    read = admin_api.get(candidate_url(candidate))
    assert (read.status_code, read.json()) == (404, NO_CANDIDATE)
    changed = admin_api.patch(candidate_url(candidate), {"phone": "1"}, format="json")
    assert (changed.status_code, changed.json()) == (404, NO_CANDIDATE)
    assert Candidate.all_objects.get(pk=candidate.pk).phone == ""


def test_include_deleted_shows_soft_deleted_candidates_to_staff(
    admin_api, candidate, other_candidate
):
    admin_api.delete(f"{candidate_url(candidate)}?reason=asked+to+leave")

    response = admin_api.get(CANDIDATES, {"include_deleted": "true"})
    # "1" and any letter case mean the same.
    for spelling in ("1", "TRUE"):
        again = admin_api.get(CANDIDATES, {"include_deleted": spelling})
        assert again.json()["count"] == response.json()["count"] == 2

    assert emails(response) == {"ada.lovelace@example.com", "grace.hopper@example.com"}
    [row] = [row for row in response.json()["results"] if row["id"] == str(candidate.pk)]
    assert row["status"] == "deleted"
    assert row["deleted_at"] is not None
    assert row["deletion_reason"] == "asked to leave"
    assert admin_api.get(candidate_url(candidate), {"include_deleted": "true"}).status_code == 200


def test_include_deleted_is_refused_for_the_engine_account(engine_api, candidate):
    response = engine_api.get(CANDIDATES, {"include_deleted": "true"})

    assert response.status_code == 403
    assert response.json() == {"detail": "include_deleted is for staff only."}


def test_restore_brings_a_soft_deleted_candidate_back(staff_api, admin_api, candidate):
    admin_api.delete(f"{candidate_url(candidate)}?reason=oops")
    client = staff_api("candidates.view_candidate", "candidates.change_candidate")

    response = client.post(candidate_url(candidate, "restore"))

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "active"
    assert (body["deleted_at"], body["deleted_by"], body["deletion_reason"]) == (None, None, "")
    stored = Candidate.objects.get(pk=candidate.pk)
    assert (stored.status, stored.deleted_at, stored.deletion_reason) == ("active", None, "")
    assert emails(admin_api.get(CANDIDATES)) == {"ada.lovelace@example.com"}


def test_restore_without_change_candidate_is_403(staff_api, admin_api, candidate):
    admin_api.delete(candidate_url(candidate))
    client = staff_api("candidates.view_candidate", "candidates.delete_candidate")

    response = client.post(candidate_url(candidate, "restore"))

    assert response.status_code == 403
    assert response.json() == FORBIDDEN
    assert Candidate.all_objects.get(pk=candidate.pk).deleted_at is not None


# --- Candidate filters ------------------------------------------------------------------


@pytest.fixture
def roster(candidate):
    """Ada (active, senior, python+postgresql), Grace (inactive), Linus (junior)."""
    baker.make(
        Candidate,
        email="grace.hopper@example.com",
        full_name="Grace Hopper",
        status=Candidate.Status.INACTIVE,
        experience_level=Candidate.ExperienceLevel.LEAD,
        target_role="Compiler engineer",
        skills=["python", "cobol"],
    )
    baker.make(
        Candidate,
        email="linus@kernel.example",
        full_name="Linus Torvalds",
        experience_level=Candidate.ExperienceLevel.JUNIOR,
        target_role="Backend engineer II",
        skills=["c", "git"],
    )
    for email, month in [
        ("ada.lovelace@example.com", 1),
        ("grace.hopper@example.com", 3),
        ("linus@kernel.example", 6),
    ]:
        Candidate.objects.filter(email=email).update(
            created_at=datetime(2024, month, 10, 12, 0, tzinfo=UTC)
        )


ADA, GRACE, LINUS = "ada.lovelace@example.com", "grace.hopper@example.com", "linus@kernel.example"


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, {ADA, GRACE, LINUS}),
        ({"status": "inactive"}, {GRACE}),
        ({"status": "active"}, {ADA, LINUS}),
        ({"email": "ADA.Lovelace@Example.COM"}, {ADA}),
        ({"email": "ada.lovelace"}, set()),
        ({"search": "HOPPER"}, {GRACE}),
        ({"search": "kernel.EX"}, {LINUS}),
        ({"search": "a"}, {ADA, GRACE, LINUS}),
        ({"experience_level": "junior"}, {LINUS}),
        ({"target_role": "Backend engineer"}, {ADA}),
        ({"skills": "python"}, {ADA, GRACE}),
        ({"skills": "python,postgresql"}, {ADA}),
        ({"skills": "python, cobol"}, {GRACE}),
        ({"skills": "python,git"}, set()),
        ({"created_after": "2024-02-01T00:00:00Z"}, {GRACE, LINUS}),
        ({"created_before": "2024-02-01T00:00:00Z"}, {ADA}),
        (
            {"created_after": "2024-02-01T00:00:00+00:00", "created_before": "2024-04-01T00:00"},
            {GRACE},
        ),
        ({"created_after": "2024-03-10T13:00:00+02:00"}, {GRACE, LINUS}),
        # Both bounds include the instant itself.
        ({"created_after": "2024-03-10T12:00:00Z"}, {GRACE, LINUS}),
        ({"created_before": "2024-03-10T12:00:00Z"}, {ADA, GRACE}),
        ({"status": "active", "skills": "python"}, {ADA}),
    ],
)
def test_candidate_filters(admin_api, roster, params, expected):
    assert emails(admin_api.get(CANDIDATES, params)) == expected


@pytest.mark.parametrize(
    ("param", "value", "message"),
    [
        ("created_after", "yesterday", "Enter a valid date/time."),
        ("created_before", "2024-13-01T00:00:00Z", "Enter a valid date/time."),
        ("status", "banned", "Select a valid choice. banned is not one of the available choices."),
        (
            "experience_level",
            "guru",
            "Select a valid choice. guru is not one of the available choices.",
        ),
    ],
)
def test_malformed_candidate_filter_is_400_naming_it(admin_api, roster, param, value, message):
    response = admin_api.get(CANDIDATES, {param: value})

    assert response.status_code == 400
    assert response.json() == {param: [message]}


def test_candidate_filters_apply_within_a_candidate_logins_own_rows(candidate_api, other_candidate):
    assert emails(candidate_api.get(CANDIDATES, {"search": "grace"})) == set()
    assert emails(candidate_api.get(CANDIDATES, {"search": "ada"})) == {ADA}


# --- Resumes ----------------------------------------------------------------------------


def test_resume_list_and_retrieve_for_staff(admin_api, resume):
    response = admin_api.get(RESUMES)

    assert response.status_code == 200
    assert response.json()["count"] == 1
    [row] = response.json()["results"]
    assert set(row) == RESUME_FIELDS | STAFF_ONLY_FIELDS
    assert row["id"] == str(resume.pk)
    assert row["candidate"] == str(resume.candidate_id)
    assert row["parsing_status"] == "pending"
    assert parse_datetime(row["uploaded_at"]) == resume.uploaded_at
    assert admin_api.get(resume_url(resume)).json() == row


def test_create_resume_returns_201_with_defaults(admin_api, candidate):
    before = timezone.now()
    response = admin_api.post(RESUMES, new_resume_payload(candidate), format="json")

    assert response.status_code == 201, response.content
    body = response.json()
    assert set(body) == RESUME_FIELDS | STAFF_ONLY_FIELDS
    stored = Resume.objects.get(pk=body["id"])
    assert stored.candidate == candidate
    assert body["candidate"] == str(candidate.pk)
    assert (body["parsing_status"], body["schema_version"], body["parsed_data"]) == (
        "pending",
        1,
        None,
    )
    assert body["file_size"] == 2048
    assert parse_datetime(body["created_at"]) == stored.created_at
    assert parse_datetime(body["uploaded_at"]) == stored.uploaded_at
    assert before <= stored.uploaded_at <= stored.created_at  # Upload time: when it came in.


def test_put_replaces_a_resume(admin_api, resume):
    payload = new_resume_payload(
        resume.candidate,
        file_name="ada-v3.pdf",
        parsing_status="completed",
        parsed_at="2024-05-01T10:00:00Z",
        parsed_data={"skills": ["python"], "years": 12},
        schema_version=1,
    )

    response = admin_api.put(resume_url(resume), payload, format="json")

    assert response.status_code == 200, response.content
    resume.refresh_from_db()
    assert resume.file_name == "ada-v3.pdf"
    assert resume.parsing_status == "completed"
    assert resume.parsed_data == {"skills": ["python"], "years": 12}
    assert resume.parsed_at == datetime(2024, 5, 1, 10, tzinfo=UTC)
    assert response.json()["parsed_data"] == {"skills": ["python"], "years": 12}


def test_patch_changes_a_resumes_parsing_status(admin_api, resume):
    response = admin_api.patch(resume_url(resume), {"parsing_status": "failed"}, format="json")

    assert response.status_code == 200, response.content
    resume.refresh_from_db()
    assert resume.parsing_status == "failed"
    assert resume.file_name == "ada-lovelace.pdf"


def test_delete_soft_deletes_a_resume(admin_api, admin_user, resume):
    response = admin_api.delete(f"{resume_url(resume)}?reason=wrong+file")

    assert response.status_code == 204
    stored = Resume.all_objects.get(pk=resume.pk)
    assert (stored.deletion_reason, stored.deleted_by) == ("wrong file", admin_user)
    assert stored.deleted_at is not None
    gone = admin_api.get(resume_url(resume))
    assert (gone.status_code, gone.json()) == (404, NO_RESUME)
    assert admin_api.get(RESUMES).json()["count"] == 0


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("file_url", "ftp://files.example.com/ada.pdf", "Enter a valid URL."),
        ("file_url", "javascript:alert(1)", "Enter a valid URL."),
        ("file_url", "", "This field may not be blank."),
        ("file_name", "", "This field may not be blank."),
        ("file_size", 0, "Ensure this value is greater than or equal to 1."),
        ("file_size", -5, "Ensure this value is greater than or equal to 1."),
        ("file_size", "big", "A valid integer is required."),
        ("parsing_status", "done", '"done" is not a valid choice.'),
        ("candidate", "not-a-uuid", "Must be a valid UUID."),
        ("candidate", NOWHERE, f'Invalid pk "{NOWHERE}" - object does not exist.'),
        ("candidate", None, "This field may not be null."),
        ("schema_version", 0, "Ensure this value is greater than or equal to 1."),
        (
            "parsed_at",
            "last tuesday",
            "Datetime has wrong format. Use one of these formats instead: "
            "YYYY-MM-DDThh:mm[:ss[.uuuuuu]][+HH:MM|-HH:MM|Z].",
        ),
    ],
)
def test_invalid_resume_field_is_refused_naming_the_field(
    admin_api, candidate, field, value, message
):
    before = row_counts()

    response = admin_api.post(
        RESUMES, new_resume_payload(candidate, **{field: value}), format="json"
    )

    assert response.status_code == 400, response.content
    assert response.json() == {field: [message]}
    assert row_counts() == before


def test_resume_for_a_soft_deleted_candidate_is_refused(admin_api, candidate):
    candidate.soft_delete(reason="gone")
    before = row_counts()

    response = admin_api.post(RESUMES, new_resume_payload(candidate), format="json")

    assert response.status_code == 400
    assert response.json() == {
        "candidate": [f'Invalid pk "{candidate.pk}" - object does not exist.']
    }
    assert row_counts() == before


def test_malformed_resume_body_is_400(admin_api, candidate):
    before = row_counts()

    response = admin_api.post(
        RESUMES, data=json.dumps([new_resume_payload(candidate)]), content_type="application/json"
    )

    assert response.status_code == 400
    assert response.json() == {"non_field_errors": [NOT_A_DICT.format("list")]}
    assert row_counts() == before


def test_engine_cannot_create_resumes(engine_api, candidate):
    before = row_counts()

    response = engine_api.post(RESUMES, new_resume_payload(candidate), format="json")

    assert response.status_code == 403
    assert response.json() == FORBIDDEN
    assert row_counts() == before


@pytest.fixture
def resumes_of_two(resume, other_candidate):
    Resume.objects.filter(pk=resume.pk).update(parsing_status="completed")
    return resume, other_candidate.resumes.get()


def test_resume_filter_by_candidate(admin_api, resumes_of_two):
    _ada_resume, grace_resume = resumes_of_two

    response = admin_api.get(RESUMES, {"candidate": str(grace_resume.candidate_id)})

    assert result_ids(response) == {str(grace_resume.pk)}


@pytest.mark.parametrize(
    ("status", "owner"), [("completed", "ada"), ("pending", "grace"), ("failed", None)]
)
def test_resume_filter_by_parsing_status(admin_api, resumes_of_two, status, owner):
    ada_resume, grace_resume = resumes_of_two
    expected = {"ada": {str(ada_resume.pk)}, "grace": {str(grace_resume.pk)}, None: set()}[owner]

    assert result_ids(admin_api.get(RESUMES, {"parsing_status": status})) == expected


@pytest.mark.parametrize(
    ("param", "value", "message"),
    [
        ("candidate", "not-a-uuid", "Enter a valid UUID."),
        (
            "parsing_status",
            "parsed",
            "Select a valid choice. parsed is not one of the available choices.",
        ),
    ],
)
def test_malformed_resume_filter_is_400_naming_it(admin_api, resume, param, value, message):
    response = admin_api.get(RESUMES, {param: value})

    assert response.status_code == 400
    assert response.json() == {param: [message]}


# --- Query counts -----------------------------------------------------------------------


def _make_candidates_with_resumes(start: int, count: int) -> None:
    for number in range(start, start + count):
        login = User.objects.create_user(f"person{number}@example.com", password="x9-unused")
        person = baker.make(
            Candidate,
            email=f"person{number}@example.com",
            full_name=f"Person {number}",
            skills=["python"],
            user=login,
        )
        baker.make(
            Resume,
            candidate=person,
            file_url=f"https://files.example.com/{number}.pdf",
            file_name=f"{number}.pdf",
            file_size=100,
        )


@pytest.mark.parametrize("path", [CANDIDATES, RESUMES])
def test_list_query_count_does_not_grow_with_rows(
    recruiter_api, django_assert_max_num_queries, path
):
    _make_candidates_with_resumes(0, 5)
    recruiter_api.get(path)  # Warm the per-user permission cache.
    with CaptureQueriesContext(connection) as few_rows:
        assert recruiter_api.get(path).json()["count"] == 5

    _make_candidates_with_resumes(5, 25)
    with django_assert_max_num_queries(len(few_rows.captured_queries)):
        response = recruiter_api.get(path)

    assert response.json()["count"] == 30
    assert len(response.json()["results"]) == 30
    assert len(few_rows.captured_queries) <= 3  # A count and a page, give or take one.
