"""How the API checks a request's token (settings, REST_FRAMEWORK).

Kept apart from the token endpoint (core.auth): DRF imports this class while it loads
its settings, before its views can be imported.
"""

import re
from hmac import compare_digest

from django.contrib.postgres.expressions import ArraySubquery
from django.db.models import OuterRef
from django.utils import timezone
from knox.auth import TokenAuthentication as KnoxTokenAuthentication
from knox.crypto import hash_token
from knox.models import get_token_model
from knox.settings import CONSTANTS
from knox.signals import token_expired
from rest_framework import exceptions

from core.backends import granted, remember_permissions

#: What a token can look like: visible ASCII (knox issues hex digits, after a prefix if
#: one is configured).
TOKEN_SHAPE = re.compile(rb"[\x21-\x7e]+")

INVALID = "Invalid token."


class TokenAuthentication(KnoxTokenAuthentication):
    """knox's token check in one query, refusing malformed tokens before the database.

    knox decodes the token as UTF-8 and queries with it: bytes that are not UTF-8 would
    be a 500, and a NUL character (which PostgreSQL refuses in text) a 400, not a 401.

    Every API request pays for this check, so it reads the token, its login, the
    candidate linked to that login and the login's permissions (which the permission
    check needs next) in one query. knox would also read all of the login's other
    tokens on every request, to delete the expired ones: the token endpoint does that
    when it issues a new token (core.auth), and an expired token presented here is
    deleted here.
    """

    def authenticate_credentials(self, token: bytes):
        if not TOKEN_SHAPE.fullmatch(token):
            raise exceptions.AuthenticationFailed(INVALID)
        text = token.decode()
        matches = (
            get_token_model()
            .objects.filter(token_key=text[: CONSTANTS.TOKEN_KEY_LENGTH])
            .select_related("user", "user__candidate")
            .annotate(login_permissions=ArraySubquery(granted(OuterRef("user_id"))))
        )
        for auth_token in matches:
            if auth_token.expiry is not None and auth_token.expiry < timezone.now():
                auth_token.delete()
                token_expired.send(
                    sender=type(self), username=auth_token.user.get_username(), source="auth_token"
                )
                continue
            # Tokens are not renewed on use (REST_KNOX AUTO_REFRESH is off): no write here.
            if compare_digest(hash_token(text), auth_token.digest):
                remember_permissions(auth_token.user, auth_token.login_permissions)
                return self.validate_user(auth_token)
        raise exceptions.AuthenticationFailed(INVALID)
