import uuid

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from model_bakery import baker

from candidates.models import Candidate, Resume
from tests.dbutils import assert_refused_by_database


@pytest.mark.parametrize(
    ("column", "value", "constraint"),
    [
        ("status", "banned", "candidates_status_valid"),
        ("experience_level", "guru", "candidates_experience_level_valid"),
        ("email", "Ada.Lovelace@Example.com", "candidates_email_lowercase"),
        ("full_name", "", "candidates_full_name_not_blank"),
    ],
)
def test_database_refuses_invalid_candidate_columns(candidate, column, value, constraint):
    assert_refused_by_database(
        f"UPDATE candidates SET {column} = %s WHERE id = %s", [value, candidate.pk], constraint
    )


def test_database_refuses_same_email_in_another_case(candidate):
    with pytest.raises(IntegrityError, match="candidates_email_ci_unique"):
        Candidate.objects.create(email="ADA.LOVELACE@example.COM", full_name="Impostor")


def test_email_is_stored_lower_cased(db):
    created = Candidate.objects.create(email="  Grace.Hopper@Navy.MIL ", full_name="Grace Hopper")
    created.refresh_from_db()
    assert created.email == "grace.hopper@navy.mil"
    assert Candidate.objects.filter(email="GRACE.HOPPER@navy.mil").get() == created


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("status", "banned"),
        ("experience_level", "guru"),
        ("timezone", "Mars/Olympus_Mons"),
        ("email", "not-an-email"),
        ("full_name", ""),
    ],
)
def test_full_clean_reports_invalid_candidate_field(candidate, field, value):
    setattr(candidate, field, value)
    with pytest.raises(ValidationError) as excinfo:
        candidate.full_clean()
    assert list(excinfo.value.message_dict) == [field]


def test_full_clean_lower_cases_and_strips_the_email(db):
    candidate = Candidate(email="  Grace.Hopper@EXAMPLE.com ", full_name="Grace Hopper")
    candidate.full_clean()
    assert candidate.email == "grace.hopper@example.com"


def test_full_clean_reports_a_missing_email_on_the_field(db):
    with pytest.raises(ValidationError) as excinfo:
        Candidate(email=None, full_name="Nobody").full_clean()
    assert excinfo.value.message_dict == {"email": ["This field cannot be null."]}


def test_full_clean_reports_duplicate_email_in_another_case_on_the_field(candidate):
    other = Candidate(email="Ada.Lovelace@EXAMPLE.com", full_name="Another Ada")
    with pytest.raises(ValidationError) as excinfo:
        other.full_clean()
    # Once: the unique index's own check found it, so the check of deleted rows is skipped.
    assert excinfo.value.message_dict == {"email": ["A candidate with this email already exists."]}


def test_full_clean_sees_the_email_of_a_soft_deleted_candidate(candidate):
    candidate.soft_delete(reason="asked to be removed")
    with pytest.raises(ValidationError) as excinfo:
        Candidate(email=candidate.email, full_name="Ada Again").full_clean()
    assert excinfo.value.message_dict == {"email": ["A candidate with this email already exists."]}
    assert [error.code for error in excinfo.value.error_dict["email"]] == ["unique"]


def test_full_clean_reports_a_bad_email_once(candidate):
    candidate.soft_delete(reason="asked to be removed")
    with pytest.raises(ValidationError) as excinfo:
        Candidate(email="not-an-email", full_name="Ada Again").full_clean()
    assert excinfo.value.message_dict == {"email": ["Enter a valid email address."]}


def test_full_clean_without_the_email_does_not_check_it(candidate):
    candidate.soft_delete(reason="asked to be removed")
    again = Candidate(email=candidate.email, full_name="Ada Again")
    again.full_clean(exclude=["email"])  # As a form without the field would.
    with pytest.raises(ValidationError) as excinfo:
        again.full_clean(exclude=["full_name"])
    assert list(excinfo.value.message_dict) == ["email"]


def test_a_candidate_keeps_its_own_email(candidate):
    candidate.soft_delete(reason="asked to be removed")
    Candidate.all_objects.get(pk=candidate.pk).full_clean()


def test_full_clean_names_a_timezone_that_is_not_iana(candidate):
    candidate.timezone = "Mars/Olympus_Mons"
    with pytest.raises(ValidationError) as excinfo:
        candidate.full_clean()
    [error] = excinfo.value.error_dict["timezone"]
    assert (error.code, error.messages) == (
        "invalid_timezone",
        ["Mars/Olympus_Mons is not an IANA time zone name (e.g. Europe/Berlin)."],
    )


def test_full_clean_accepts_iana_timezones(candidate):
    candidate.timezone = "America/Argentina/Buenos_Aires"
    candidate.full_clean()


@pytest.mark.parametrize(
    ("column", "value", "constraint"),
    [
        ("file_url", "ftp://files.example.com/cv.pdf", "resumes_file_url_http"),
        ("file_url", "javascript:alert(1)", "resumes_file_url_http"),
        ("file_name", "", "resumes_file_name_not_blank"),
        ("file_size", 0, "resumes_file_size_positive"),
        ("parsing_status", "done", "resumes_parsing_status_valid"),
        ("schema_version", 0, "resumes_schema_version_positive"),
    ],
)
def test_database_refuses_invalid_resume_columns(resume, column, value, constraint):
    assert_refused_by_database(
        f"UPDATE resumes SET {column} = %s WHERE id = %s", [value, resume.pk], constraint
    )


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("file_url", "file:///etc/passwd"),
        ("file_size", 0),
        ("parsing_status", "done"),
        ("file_name", ""),
    ],
)
def test_full_clean_reports_invalid_resume_field(resume, field, value):
    setattr(resume, field, value)
    with pytest.raises(ValidationError) as excinfo:
        resume.full_clean()
    assert list(excinfo.value.message_dict) == [field]


def test_rows_written_by_plain_sql_get_key_and_timestamps(db):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO candidates (email, full_name) VALUES (%s, %s)"
            " RETURNING id, created_at, updated_at, status, timezone, skills",
            ["plain.sql@example.com", "Plain SQL"],
        )
        row = cursor.fetchone()
        cursor.execute("SELECT now()")
        [transaction_start] = cursor.fetchone()
    assert isinstance(row[0], uuid.UUID)
    assert row[1] == row[2] == transaction_start  # now(): the transaction's start.
    assert row[3:] == ("active", "UTC", [])
    assert Candidate.objects.get(pk=row[0]).full_name == "Plain SQL"


class TestSoftDelete:
    def test_soft_deleted_candidate_is_hidden_but_kept(self, candidate, interview):
        staff = baker.make("auth.User", is_staff=True)

        candidate.soft_delete(by=staff, reason="duplicate sign-up")

        assert not Candidate.objects.filter(pk=candidate.pk).exists()
        kept = Candidate.all_objects.get(pk=candidate.pk)
        assert kept.status == Candidate.Status.DELETED
        assert kept.deleted_by == staff
        assert kept.deletion_reason == "duplicate sign-up"
        assert kept.deleted_at is not None
        # Its interviews stay, and still reach their (hidden) candidate.
        interview.refresh_from_db()
        assert interview.candidate == kept

    def test_restore_brings_the_candidate_back(self, candidate):
        candidate.soft_delete(reason="mistake")
        deleted = Candidate.all_objects.get(pk=candidate.pk)
        deleted_at = deleted.deleted_at

        assert deleted.restore() is True
        assert deleted.restore() is False  # Nothing left to restore.

        restored = Candidate.objects.get(pk=candidate.pk)
        assert restored.updated_at > deleted_at  # The restore is a change too.
        assert deleted.updated_at == restored.updated_at  # The instance holds what is stored.
        assert restored.status == Candidate.Status.ACTIVE
        assert (restored.deleted_at, restored.deleted_by, restored.deletion_reason) == (
            None,
            None,
            "",
        )

    def test_a_soft_delete_is_a_change(self, candidate):
        before = candidate.updated_at
        assert candidate.soft_delete(reason="mistake") is True
        stored = Candidate.all_objects.get(pk=candidate.pk)
        assert stored.updated_at > before
        # The instance holds what is stored: the deletion's moment is the change's.
        assert candidate.updated_at == stored.updated_at == stored.deleted_at
        assert candidate.soft_delete(reason="again") is False  # Deleted already.

    def test_soft_deleted_resume_is_hidden(self, resume):
        resume.soft_delete()
        assert not Resume.objects.filter(pk=resume.pk).exists()
        assert Resume.all_objects.deleted().filter(pk=resume.pk).exists()
        assert list(resume.candidate.resumes.all()) == []


def test_resume_urls_are_accepted_whatever_the_case_of_their_scheme(resume):
    resume.file_url = "HTTPS://files.example.com/ada.pdf"
    resume.full_clean()
    resume.save()
