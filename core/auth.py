"""The API token endpoint."""

from drf_spectacular.utils import (
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
    inline_serializer,
)
from rest_framework import permissions, serializers
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.throttling import ScopedRateThrottle

from core.openapi import VALIDATION
from core.parsers import SafeJSONParser


@extend_schema_view(
    post=extend_schema(
        auth=[],
        responses={
            200: inline_serializer("Token", fields={"token": serializers.CharField()}),
            400: VALIDATION,
            429: OpenApiResponse(description="Too many attempts; wait and try again."),
        },
    )
)
class ObtainTokenView(ObtainAuthToken):
    """Exchange a username and password for an API token."""

    permission_classes = [permissions.AllowAny]
    parser_classes = [SafeJSONParser]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "auth_token"
