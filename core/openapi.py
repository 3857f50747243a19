"""Pieces of the OpenAPI description that every app's endpoints share."""

from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
    inline_serializer,
)
from drf_spectacular.views import SpectacularSwaggerView
from rest_framework import serializers

from core import schemas

DETAIL = inline_serializer("ErrorDetail", fields={"detail": serializers.CharField()})

#: Validation errors: field name (or non_field_errors) -> list of messages.
VALIDATION = OpenApiResponse(
    response=OpenApiTypes.OBJECT,
    description=(
        'Invalid input, by field: {"field": ["message", ...]}. A JSON document that '
        "does not follow its schema names the path of each bad value: "
        '{"skill_scores": ["$.python.score: 120 is greater than the maximum of 100"]}.'
    ),
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


class DocumentFieldExtension(OpenApiSerializerFieldExtension):
    """A JSON document is described by its own JSON Schema (core/schemas/)."""

    target_class = "core.api.DocumentField"

    def map_serializer_field(self, auto_schema, direction):
        return schemas.published(self.target.document)


def documented_crud(serializer, *, actions=("list", "create", "retrieve", "update", "destroy")):
    """The OpenAPI description of a viewset's standard actions, errors included.

    ``destroy`` is a soft delete taking ``?reason=``; ``update`` covers PUT and PATCH.
    """
    schemas = {
        "list": extend_schema(responses={200: serializer(many=True), **ERRORS}),
        "create": extend_schema(responses={201: serializer, **ERRORS}),
        "retrieve": extend_schema(responses={200: serializer, **ERRORS}),
        "update": extend_schema(responses={200: serializer, **ERRORS}),
        "partial_update": extend_schema(responses={200: serializer, **ERRORS}),
        "destroy": extend_schema(parameters=[DELETE_REASON], responses={204: None, **ERRORS}),
    }
    wanted = set(actions) | ({"partial_update"} if "update" in actions else set())
    return extend_schema_view(**{name: schemas[name] for name in schemas if name in wanted})


class DocsView(SpectacularSwaggerView):
    """The Swagger UI page. It is a page, not an endpoint: DRF's description of it
    (OPTIONS) would render its HTML template without a template (a 500), so only GET
    and HEAD are served and other methods get 405."""

    http_method_names = ["get", "head"]
