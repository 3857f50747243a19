"""Requests whose Content-Type names a charset the server cannot decode with.

A client may declare any charset (``charset=rot13``, ``charset=nonsense``, an RFC 2231
``charset*=…''…``); Python raises LookupError, ValueError or UnicodeError when asked to
decode with most of them, and Django does not expect those. Some break Django's
request object while it is being built (a query string is decoded then), before any
middleware can answer: the server itself sends a bare 500. The request classes below
leave such a Content-Type unapplied, so that the request reaches
RequestEncodingMiddleware (core/middleware.py), which answers it with a 400.
config/wsgi.py and config/asgi.py serve with them.
"""

import codecs

import django
from django.core.handlers.asgi import ASGIHandler, ASGIRequest
from django.core.handlers.wsgi import WSGIHandler, WSGIRequest
from django.utils.http import parse_header_parameters

#: Codecs Python counts as text encodings that still fail on ordinary input: they raise
#: UnicodeError where Django expects UnicodeDecodeError, refuse errors="replace" (idna,
#: punycode, undefined), or read backslashes as escapes rather than characters.
_UNFIT_TEXT_CODECS = frozenset(
    {"idna", "punycode", "undefined", "unicode-escape", "raw-unicode-escape"}
)


def decodes_text(charset: str) -> bool:
    """Whether request bodies and query strings can be decoded with ``charset``."""
    try:
        codec = codecs.lookup(charset)
    except (LookupError, ValueError):  # Unknown; ValueError for a NUL in the name.
        return False
    # rot13, base64, zlib and the like transform bytes to bytes or text to text: they
    # are codecs, not charsets (bytes.decode refuses them with a LookupError).
    return codec._is_text_encoding and codec.name not in _UNFIT_TEXT_CODECS


def content_type_problem(content_type: str) -> str | None:
    """Why a request with this Content-Type header cannot be decoded; None if it can."""
    try:
        _media_type, params = parse_header_parameters(content_type)
    except ValueError:
        # An RFC 2231 parameter in a charset Python does not know (charset*=x''y).
        return "The Content-Type header cannot be parsed."
    charset = params.get("charset")
    if charset is not None and not decodes_text(charset):
        return "The Content-Type header names a charset this server cannot decode; use UTF-8."
    return None


class _ContentTypeGuard:
    """Build the request as if it had no Content-Type when its charset is unusable."""

    def _set_content_type_params(self, meta):
        if content_type_problem(meta.get("CONTENT_TYPE", "")) is not None:
            self.content_type, self.content_params = "", {}
            return
        super()._set_content_type_params(meta)


class PortalWSGIRequest(_ContentTypeGuard, WSGIRequest):
    pass


class PortalASGIRequest(_ContentTypeGuard, ASGIRequest):
    pass


class PortalWSGIHandler(WSGIHandler):
    request_class = PortalWSGIRequest


class PortalASGIHandler(ASGIHandler):
    request_class = PortalASGIRequest


def get_wsgi_application() -> PortalWSGIHandler:
    """Django's get_wsgi_application, serving with PortalWSGIRequest."""
    django.setup(set_prefix=False)
    return PortalWSGIHandler()


def get_asgi_application() -> PortalASGIHandler:
    """Django's get_asgi_application, serving with PortalASGIRequest."""
    django.setup(set_prefix=False)
    return PortalASGIHandler()
