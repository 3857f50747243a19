"""RowsRepresentation reads plain and primary-key fields only: a serializer with
anything else (a nested serializer, a method field) is refused when a view builds it,
not rendered wrongly."""

import pytest
from rest_framework import serializers

from assessments.models import AssessmentResult
from assessments.serializers import AssessmentResultSerializer
from core.api import PortalSerializer, RowsRepresentation
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
