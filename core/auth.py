"""The API token endpoint.

Tokens are django-rest-knox's: the database keeps a digest of each, never the token,
and each expires API_TOKEN_TTL_DAYS after it was issued (settings, REST_KNOX). Requests
present them through core.authentication.
"""

from django.contrib.auth import authenticate, user_logged_in
from django.utils import timezone
from drf_spectacular.contrib.knox_auth_token import KnoxTokenScheme
from drf_spectacular.utils import (
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
    inline_serializer,
)
from knox.models import AuthToken
from rest_framework import exceptions, generics, permissions, renderers, serializers
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.throttling import ScopedRateThrottle

from core.lockout import seconds_locked
from core.openapi import VALIDATION
from core.parsers import SafeJSONParser

BAD_CREDENTIALS = "Unable to log in with provided credentials."


class TokenScheme(KnoxTokenScheme):
    """The OpenAPI description of core.authentication's tokens: knox's (Token <token>)."""

    target_class = "core.authentication.TokenAuthentication"
    # The name the scheme had with DRF's tokens, so generated clients keep theirs.
    name = "tokenAuth"


class LockedOut(exceptions.Throttled):
    default_detail = (
        "Too many failed logins for this username from your address: it is locked out "
        "for a while, or until an administrator unlocks it."
    )


class CredentialsSerializer(serializers.Serializer):
    # As long as a username can be: a longer one cannot log in, and is not recorded.
    username = serializers.CharField(max_length=150)
    # A password is taken as typed, spaces included.
    password = serializers.CharField(trim_whitespace=False)


@extend_schema_view(
    post=extend_schema(
        auth=[],
        responses={
            200: inline_serializer(
                "Token",
                fields={
                    "token": serializers.CharField(),
                    "expiry": serializers.DateTimeField(),
                },
            ),
            400: VALIDATION,
            429: OpenApiResponse(
                description="Too many attempts from this address, or this username is "
                "locked out at this address; wait (Retry-After) and try again."
            ),
        },
    )
)
class ObtainTokenView(generics.GenericAPIView):
    """Exchange a username and password for a new API token, valid for API_TOKEN_TTL_DAYS."""

    # Credentials come in the body: a stale token sent along must not stand in the way
    # of getting a new one.
    authentication_classes = []
    permission_classes = [permissions.AllowAny]
    parser_classes = [SafeJSONParser]
    renderer_classes = [renderers.JSONRenderer]
    serializer_class = CredentialsSerializer
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "auth_token"

    def post(self, request):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        credentials = serializer.validated_data
        # The DRF request, not Django's: axes marks a lockout on the request it is given,
        # and on Django's, its middleware would answer with the admin's lockout page.
        user = authenticate(request, **credentials)
        if getattr(request, "axes_locked_out", False):
            raise LockedOut(wait=seconds_locked(request, {"username": credentials["username"]}))
        if user is None:
            raise exceptions.ValidationError(
                {api_settings.NON_FIELD_ERRORS_KEY: [BAD_CREDENTIALS]}, code="authorization"
            )
        # The login's expired tokens go when it gets a new one (requests that present
        # one delete it too): the token check itself reads only the token presented.
        AuthToken.objects.filter(user=user, expiry__lt=timezone.now()).delete()
        instance, token = AuthToken.objects.create(user=user)
        # A successful login: axes forgets this username's failures at this address.
        user_logged_in.send(sender=type(user), request=request, user=user)
        expiry = serializers.DateTimeField().to_representation(instance.expiry)
        return Response({"token": token, "expiry": expiry})
