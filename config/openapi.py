"""Pieces of the OpenAPI description that every app's endpoints share."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, inline_serializer
from rest_framework import serializers

DETAIL = inline_serializer("ErrorDetail", fields={"detail": serializers.CharField()})

#: Validation errors: field name (or non_field_errors) -> list of messages.
VALIDATION = OpenApiResponse(
    response=OpenApiTypes.OBJECT,
    description='Invalid input, by field: {"field": ["message", ...]}.',
)

ERRORS = {
    400: VALIDATION,
    401: OpenApiResponse(DETAIL, description="Not authenticated."),
    403: OpenApiResponse(DETAIL, description="Authenticated, but not allowed to do this."),
    404: OpenApiResponse(DETAIL, description="No such object, or not yours to see."),
}

CONFLICT = {409: OpenApiResponse(DETAIL, description="Not possible in the current state.")}

DELETE_REASON = OpenApiParameter(
    "reason",
    OpenApiTypes.STR,
    OpenApiParameter.QUERY,
    description="Why it is deleted; recorded with the soft delete.",
)
