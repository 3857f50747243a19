"""How the API checks a request's token (settings, REST_FRAMEWORK).

Kept apart from the token endpoint (core.auth): DRF imports this class while it loads
its settings, before its views can be imported.
"""

import re

from knox.auth import TokenAuthentication as KnoxTokenAuthentication
from rest_framework import exceptions

#: What a token can look like: visible ASCII (knox issues hex digits, after a prefix if
#: one is configured).
TOKEN_SHAPE = re.compile(rb"[\x21-\x7e]+")


class TokenAuthentication(KnoxTokenAuthentication):
    """knox's token check, refusing malformed tokens before they reach the database.

    knox decodes the token as UTF-8 and queries with it: bytes that are not UTF-8 would
    be a 500, and a NUL character (which PostgreSQL refuses in text) a 400, not a 401.
    """

    def authenticate_credentials(self, token: bytes):
        if not TOKEN_SHAPE.fullmatch(token):
            raise exceptions.AuthenticationFailed("Invalid token.")
        return super().authenticate_credentials(token)
