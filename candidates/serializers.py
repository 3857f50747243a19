from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers

from candidates.models import Candidate, Resume
from core.api import ModelCleanMixin, PortalSerializer, StrictCharField
from core.models import DELETION_FIELDS, TIMESTAMP_FIELDS


class CandidateSerializer(ModelCleanMixin, PortalSerializer):
    password = StrictCharField(
        write_only=True,
        required=False,
        trim_whitespace=False,
        style={"input_type": "password"},
        help_text="On creation only: creates the candidate's login (username = email).",
    )

    class Meta:
        model = Candidate
        fields = [
            "id",
            *Candidate.PROFILE_FIELDS,
            "user",
            "password",
            *TIMESTAMP_FIELDS,
            *DELETION_FIELDS,
        ]
        read_only_fields = ["user"]

    def validate_status(self, value):
        if value == Candidate.Status.DELETED:
            raise serializers.ValidationError("Delete a candidate with DELETE; the status follows.")
        return value

    def validate(self, attrs):
        password = attrs.pop("password", None)
        attrs = super().validate(attrs)
        if password is not None:
            if self.instance is not None:
                raise serializers.ValidationError(
                    {"password": ["A password can only be set when the candidate is created."]}
                )
            # Creating: email and full name are required. The login's username is the
            # email, so the password is compared with both.
            future_login = get_user_model()(username=attrs["email"], first_name=attrs["full_name"])
            try:
                validate_password(password, user=future_login)
            except DjangoValidationError as error:
                raise serializers.ValidationError({"password": list(error.messages)}) from error
            attrs["password"] = password
        self._check_login_username(attrs, creating_login=password is not None)
        return attrs

    def _check_login_username(self, attrs, *, creating_login: bool) -> None:
        """A login's username is the (lower-cased) email: at most 150 characters, and no
        other login's. (An address a login uses is kept free for that login's candidate.)"""
        if "email" not in attrs:
            return
        email = attrs["email"]
        has_login = creating_login or (self.instance is not None and self.instance.user_id)
        limit = get_user_model()._meta.get_field("username").max_length
        if has_login and len(email) > limit:
            raise serializers.ValidationError(
                {"email": [f"With a login, the email can have at most {limit} characters."]}
            )
        logins = get_user_model().objects.filter(username=email)
        if self.instance is not None and self.instance.user_id:
            logins = logins.exclude(pk=self.instance.user_id)
        if logins.exists():
            raise serializers.ValidationError(
                {"email": ["A login with this email already exists."]}
            )


class ResumeSerializer(ModelCleanMixin, PortalSerializer):
    class Meta:
        model = Resume
        fields = [
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
            *TIMESTAMP_FIELDS,
            *DELETION_FIELDS,
        ]
        extra_kwargs = {"candidate": {"queryset": Candidate.objects.all()}}

    def validate_candidate(self, candidate):
        moving = self.instance is not None and candidate.pk != self.instance.candidate_id
        if moving and self.instance.interviews.exists():
            raise serializers.ValidationError(
                "This resume is used by interviews; it cannot move to another candidate."
            )
        return candidate
