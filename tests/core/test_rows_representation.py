"""RowsRepresentation reads plain and primary-key fields only: a serializer with
anything else (a nested serializer, a method field) is refused when a view builds it,
not rendered wrongly."""

import uuid
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from rest_framework import serializers

from assessments.models import AssessmentResult
from assessments.serializers import AssessmentResultSerializer
from core.api import PortalSerializer, RowsRepresentation, _IsoDateTime
from interviews.models import InterviewMessage
from interviews.serializers import InterviewMessageSerializer


class WithAMethodField(PortalSerializer):
    shout = serializers.SerializerMethodField()

    class Meta:
        model = InterviewMessage
        fields = ["id", "shout"]

    def get_shout(self, message) -> str:
        return message.content_text.upper()


class WithANestedSerializer(PortalSerializer):
    again = InterviewMessageSerializer(source="*")

    class Meta:
        model = InterviewMessage
        fields = ["id", "again"]


@pytest.mark.parametrize("serializer_class", [WithAMethodField, WithANestedSerializer])
def test_fields_that_need_an_instance_are_refused(serializer_class):
    with pytest.raises(TypeError, match="only plain and primary-key fields can be read as rows"):
        RowsRepresentation(serializer_class())


class ShoutingCharField(serializers.CharField):
    def to_representation(self, value):
        return super().to_representation(value).upper()


class WrappingJSONField(serializers.JSONField):
    def to_representation(self, value):
        return {"wrapped": super().to_representation(value)}


class DayOnlyDateTimeField(serializers.DateTimeField):
    def to_representation(self, value):
        return super().to_representation(value)[:10]


class WithFieldsThatFormatDifferently(PortalSerializer):
    """Fields of the kinds read as they are, each of which formats its value."""

    shouted = ShoutingCharField(source="content_text")
    wrapped = WrappingJSONField(source="metadata")
    as_bytes = serializers.JSONField(source="audio_metadata", binary=True)
    day = serializers.DateTimeField(source="created_at", format="%Y-%m-%d")
    day_only = DayOnlyDateTimeField(source="updated_at")
    in_tokyo = serializers.DateTimeField(
        source="created_at", default_timezone=ZoneInfo("Asia/Tokyo")
    )

    class Meta:
        model = InterviewMessage
        fields = ["shouted", "wrapped", "as_bytes", "day", "day_only", "in_tokyo"]


def test_fields_that_format_their_values_are_asked_to():
    moment = datetime(2026, 3, 14, 15, 9, 26, tzinfo=UTC)
    message = _message(moment, moment)
    message.metadata, message.audio_metadata = {"a": 1}, {"b": 2}
    as_json = RowsRepresentation(WithFieldsThatFormatDifferently())

    [read] = as_json([_as_row(message, as_json)])

    assert read == WithFieldsThatFormatDifferently(message).data
    assert read == {
        "shouted": "WHY?",
        "wrapped": {"wrapped": {"a": 1}},
        "as_bytes": b'{"b": 2}',
        "day": "2026-03-14",
        "day_only": "2026-03-14",
        "in_tokyo": "2026-03-15T00:09:26+09:00",  # Its own zone, not the current one.
    }


def test_only_values_the_driver_returns_in_another_form_are_formatted_one_by_one():
    """Text, integers and JSON documents go out as psycopg returns them; timestamps
    through a formatter that looks the time zone up once per list; keys and choices
    through their fields."""
    as_json = RowsRepresentation(InterviewMessageSerializer())

    formatting = {
        name: "as read"
        if represent is None
        else "per list"
        if isinstance(represent, _IsoDateTime)
        else "by its field"
        for name, _attname, represent in as_json.columns
    }

    assert formatting == {
        "id": "by its field",
        "interview": "by its field",
        "session": "by its field",
        "sequence_number": "as read",
        "message_type": "by its field",
        "content_text": "as read",
        "content_audio_url": "as read",
        "audio_duration_seconds": "as read",
        "audio_metadata": "as read",
        "response_time_seconds": "as read",
        "metadata": "as read",
        "schema_version": "as read",
        "client_message_id": "by its field",
        "created_at": "per list",
        "updated_at": "per list",
    }


def test_the_messages_columns_are_read_by_their_database_names():
    assert RowsRepresentation(InterviewMessageSerializer()).attnames == [
        "id",
        "interview_id",
        "session_id",
        "sequence_number",
        "message_type",
        "content_text",
        "content_audio_url",
        "audio_duration_seconds",
        "audio_metadata",
        "response_time_seconds",
        "metadata",
        "schema_version",
        "client_message_id",
        "created_at",
        "updated_at",
    ]


def test_rows_read_as_the_serializer_writes_them_integer_keys_included(assessment, admin_user):
    """Logins keep Django's integer keys: a key without a pk_field is written as it is."""
    AssessmentResult.objects.filter(pk=assessment.pk).update(
        reviewed_by=admin_user, review_status="approved"
    )
    assessment.refresh_from_db()
    as_json = RowsRepresentation(AssessmentResultSerializer())

    [row] = AssessmentResult.objects.filter(pk=assessment.pk).values(*as_json.attnames)

    assert as_json([row]) == [dict(AssessmentResultSerializer(assessment).data)]
    assert as_json([row])[0]["reviewed_by"] == admin_user.pk


def _message(created_at, updated_at) -> InterviewMessage:
    return InterviewMessage(
        id=uuid.uuid4(),
        interview_id=uuid.uuid4(),
        session_id=uuid.uuid4(),
        sequence_number=1,
        message_type="ai_question",
        content_text="Why?",
        created_at=created_at,
        updated_at=updated_at,
    )


def _as_row(message: InterviewMessage, as_json: RowsRepresentation) -> dict:
    return {attname: getattr(message, attname) for attname in as_json.attnames}


@pytest.mark.parametrize("zone", ["UTC", "Europe/Paris", "America/St_Johns"])
@pytest.mark.parametrize(
    "moment",
    [
        datetime(2026, 3, 14, 15, 9, 26, 535897, tzinfo=UTC),
        datetime(2026, 7, 1, 0, 0, 0, tzinfo=UTC),  # no fraction: isoformat leaves it out
        datetime(2026, 10, 25, 1, 30, tzinfo=ZoneInfo("Asia/Tokyo")),
    ],
)
def test_timestamps_read_as_the_serializer_writes_them_in_the_current_time_zone(zone, moment):
    message = _message(moment, moment + timedelta(microseconds=1))
    as_json = RowsRepresentation(InterviewMessageSerializer())

    with timezone.override(ZoneInfo(zone)):
        [read] = as_json([_as_row(message, as_json)])
        written = InterviewMessageSerializer(message).data

    assert (read["created_at"], read["updated_at"]) == (
        written["created_at"],
        written["updated_at"],
    )


def test_a_timestamp_without_a_time_zone_is_written_as_drf_writes_it():
    naive = datetime(2026, 3, 14, 15, 9, 26)  # noqa: DTZ001 - the case under test
    message = _message(naive, naive)
    as_json = RowsRepresentation(InterviewMessageSerializer())

    with timezone.override(ZoneInfo("Europe/Paris")):
        [read] = as_json([_as_row(message, as_json)])
        written = InterviewMessageSerializer(message).data

    assert read["created_at"] == written["created_at"] == "2026-03-14T15:09:26+01:00"


def test_without_time_zones_timestamps_are_written_as_drf_writes_them(settings):
    settings.USE_TZ = False
    moment = datetime(2026, 3, 14, 15, 9, 26, tzinfo=UTC)
    message = _message(moment, moment)
    as_json = RowsRepresentation(InterviewMessageSerializer())

    [read] = as_json([_as_row(message, as_json)])

    assert read["created_at"] == InterviewMessageSerializer(message).data["created_at"]
    assert read["created_at"] == "2026-03-14T15:09:26"
