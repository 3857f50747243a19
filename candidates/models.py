from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone

from candidates.validators import validate_http_url, validate_timezone_name
from core.models import (
    BaseModel,
    JSONDocumentField,
    SoftDeleteModel,
    TransactionNow,
    at_least,
    audited,
    choices_check,
)
from core.personal import DELETION_REASON, Personal, PersonalData

#: Erased candidates keep a unique, undeliverable address (RFC 2606 reserves .invalid).
ERASED_DOMAIN = "erased.invalid"
ERASED_NAME = "Erased candidate"
ERASED_RESUME_URL = "https://erased.invalid/resume"
#: The deletion reason of an erased candidate.
ERASURE = "erased"


def erased_email(candidate) -> str:
    return f"erased-{candidate.pk}@{ERASED_DOMAIN}"


class LowercaseEmailField(models.EmailField):
    """An email address kept lower-cased, in Python and in every lookup."""

    def to_python(self, value):
        # CharField.get_prep_value runs to_python: saves and lookups pass through here too.
        value = super().to_python(value)
        return value.strip().lower() if isinstance(value, str) else value


class CandidateStatus(models.TextChoices):
    ACTIVE = "active"
    INACTIVE = "inactive"
    DELETED = "deleted"


class ExperienceLevel(models.TextChoices):
    ENTRY = "entry"
    JUNIOR = "junior"
    MID = "mid"
    SENIOR = "senior"
    LEAD = "lead"
    PRINCIPAL = "principal"


@audited(model_name="CandidateEvent", db_table="candidate_events")
class Candidate(BaseModel, SoftDeleteModel):
    Status = CandidateStatus
    ExperienceLevel = ExperienceLevel

    #: What the record says of the candidate (the API, the admin's CSV export).
    PROFILE_FIELDS = (
        "email",
        "full_name",
        "phone",
        "status",
        "target_role",
        "experience_level",
        "timezone",
        "skills",
    )
    #: A candidate's login sees its own record (core.access).
    owner_lookup = "pk"
    personal_data = PersonalData(
        erasure=(
            Personal(
                "name, email address and phone number (also from the change history)",
                erased={"full_name": ERASED_NAME, "email": erased_email, "phone": ""},
            ),
            # Erased by candidates.services.erase_candidate_data: the login is Django's.
            Personal("their login: it is deactivated and its API tokens deleted"),
            # An erased candidate is a deleted one, for this reason.
            Personal(DELETION_REASON.description, erased={"deletion_reason": ERASURE}),
        ),
        kept=dict.fromkeys(
            ("target_role", "skills", "timezone"),
            "the anonymous profile (role, level, skills, time zone), for statistics",
        ),
    )

    email = LowercaseEmailField(max_length=254)
    full_name = models.CharField(max_length=255)
    phone = models.CharField(max_length=50, blank=True, default="", db_default="")
    status = models.CharField(
        max_length=20, choices=Status, default=Status.ACTIVE, db_default=Status.ACTIVE
    )
    target_role = models.CharField(max_length=255, blank=True, default="", db_default="")
    experience_level = models.CharField(
        max_length=20, choices=ExperienceLevel, blank=True, default="", db_default=""
    )
    timezone = models.CharField(
        max_length=64, default="UTC", db_default="UTC", validators=[validate_timezone_name]
    )
    skills = ArrayField(models.CharField(max_length=100), default=list, db_default=[], blank=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="candidate",
        help_text="The candidate's own login; its username is the candidate's email.",
    )

    class Meta(SoftDeleteModel.Meta):
        db_table = "candidates"
        ordering = ["-created_at"]
        permissions = [
            # Subject access: everything held about a candidate, as one document
            # (privacy.export). Held by no group: see the README.
            ("export_candidate", "Can export a candidate's personal data"),
        ]
        constraints = [
            # One candidate per address, whatever its case (soft-deleted rows included:
            # the address stays taken until the candidate is erased).
            models.UniqueConstraint(
                Lower("email"),
                name="candidates_email_ci_unique",
                violation_error_code="unique",
                violation_error_message="A candidate with this email already exists.",
            ),
            # Rows written by plain SQL must be lower-cased too.
            models.CheckConstraint(
                condition=models.Q(email=Lower("email")), name="candidates_email_lowercase"
            ),
            models.CheckConstraint(
                condition=~models.Q(full_name=""), name="candidates_full_name_not_blank"
            ),
            choices_check("status", CandidateStatus, name="candidates_status_valid"),
            models.CheckConstraint(
                condition=models.Q(experience_level="")
                | models.Q(experience_level__in=ExperienceLevel.values),
                name="candidates_experience_level_valid",
            ),
        ]
        indexes = [
            # Filters on status and target role (API and admin lists).
            models.Index(fields=["status"], name="candidates_status_idx"),
            models.Index(fields=["target_role"], name="candidates_target_role_idx"),
            # Newest-first lists and created_after/created_before filters.
            models.Index(fields=["created_at"], name="candidates_created_at_idx"),
            # "Has all of these skills" (skills @> ARRAY[...]).
            GinIndex(fields=["skills"], name="candidates_skills_gin"),
        ]

    constraint_error_fields = {
        "candidates_email_ci_unique": "email",
        "candidates_email_lowercase": "email",
        "candidates_full_name_not_blank": "full_name",
    }

    def __str__(self):
        return f"{self.full_name} <{self.email}>"

    def validate_constraints(self, exclude=None):
        errors = {}
        try:
            super().validate_constraints(exclude=exclude)
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        # Uniqueness checks go through the default manager, which cannot see
        # soft-deleted rows; their addresses are still taken in the database.
        if "email" not in errors and not (exclude and "email" in exclude):
            taken = Candidate.all_objects.filter(email=self.email).exclude(pk=self.pk)
            if taken.exists():
                errors["email"] = [
                    ValidationError("A candidate with this email already exists.", code="unique")
                ]
        if errors:
            raise ValidationError(errors)

    @property
    def is_erased(self) -> bool:
        """Whether erasure (privacy.services.erase_candidate) has removed this
        candidate's personal data."""
        return self.email == erased_email(self)

    def _deletion_changes(self, *, deleted):
        # A soft-deleted candidate's status says so; a restored one is active again.
        return {"status": self.Status.DELETED if deleted else self.Status.ACTIVE}


class ParsingStatus(models.TextChoices):
    PENDING = "pending"
    PROCESSING = "processing"
    COMPLETED = "completed"
    FAILED = "failed"


class Resume(BaseModel, SoftDeleteModel):
    ParsingStatus = ParsingStatus

    owner_lookup = "candidate"
    personal_data = PersonalData(
        erasure=(
            Personal(
                "resume links and parsed resumes",
                erased={"file_url": ERASED_RESUME_URL, "file_name": "erased", "parsed_data": None},
            ),
            DELETION_REASON,
        )
    )

    candidate = models.ForeignKey(Candidate, on_delete=models.CASCADE, related_name="resumes")
    file_url = models.TextField(validators=[validate_http_url])
    file_name = models.CharField(max_length=255)
    file_size = models.IntegerField(validators=[MinValueValidator(1)], help_text="Size in bytes.")
    uploaded_at = models.DateTimeField(default=timezone.now, db_default=TransactionNow())
    parsed_at = models.DateTimeField(null=True, blank=True)
    parsing_status = models.CharField(
        max_length=20,
        choices=ParsingStatus,
        default=ParsingStatus.PENDING,
        db_default=ParsingStatus.PENDING,
    )
    parsed_data = JSONDocumentField(null=True, blank=True)
    schema_version = models.IntegerField(
        default=1,
        db_default=1,
        validators=[MinValueValidator(1)],
        help_text="Version of the parsed_data document.",
    )

    class Meta(SoftDeleteModel.Meta):
        db_table = "resumes"
        ordering = ["-uploaded_at"]
        constraints = [
            # Target of the composite foreign key from interviews that keeps an
            # interview's resume one of its own candidate's (interviews migration 0002).
            models.UniqueConstraint(fields=["id", "candidate"], name="resumes_id_candidate_key"),
            # The server stores resume links but never fetches them: web URLs only.
            models.CheckConstraint(
                condition=models.Q(file_url__iregex=r"^https?://"),
                name="resumes_file_url_http",
            ),
            models.CheckConstraint(
                condition=~models.Q(file_name=""), name="resumes_file_name_not_blank"
            ),
            models.CheckConstraint(
                condition=models.Q(file_size__gt=0), name="resumes_file_size_positive"
            ),
            choices_check("parsing_status", ParsingStatus, name="resumes_parsing_status_valid"),
            at_least("schema_version", 1, name="resumes_schema_version_positive"),
        ]
        indexes = [
            # The parser's work queue and the parsing_status filter.
            models.Index(fields=["parsing_status"], name="resumes_parsing_status_idx"),
            # Containment queries into parsed resumes (skills, employers).
            GinIndex(fields=["parsed_data"], name="resumes_parsed_data_gin"),
        ]

    constraint_error_fields = {
        "resumes_file_url_http": "file_url",
        "resumes_file_name_not_blank": "file_name",
    }

    def __str__(self):
        return self.file_name
