"""Request IDs; a 503, not a 500, when the database cannot serve a request; and the
edge: health probes whatever the Host header, a 400 for requests that cannot be decoded."""

import logging
import sys

from django.core.exceptions import BadRequest
from django.db import OperationalError
from django.http import JsonResponse
from django.urls import get_resolver, get_urlconf
from django.views import defaults

from core import health
from core.http import content_type_problem
from core.logs import REQUEST_ID_HEADER, current_request_id, request_id_from

logger = logging.getLogger(__name__)


class RequestIDMiddleware:
    """Give each request an ID: the caller's `X-Request-ID`, or a new one.

    Every log line written while the request is served carries it (core/logs.py),
    and the response returns it, so a client's report can be matched to the logs.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request_id = request_id_from(request.headers.get(REQUEST_ID_HEADER))
        # Held until the response is closed (core.logs.forget_request_id), not just
        # until this returns: Django logs a 4xx or 5xx answer after every middleware.
        current_request_id.set(request_id)
        response = self.get_response(request)
        response[REQUEST_ID_HEADER] = request_id
        return response


def database_unavailable(request) -> JsonResponse:
    """A retryable 503: no pooled connection freed up in time, or the server is gone."""
    logger.error("Database unavailable for %s %s", request.method, request.path, exc_info=True)
    return JsonResponse(
        {"detail": "The service is temporarily unavailable. Try again shortly."},
        status=503,
        headers={"Retry-After": "5"},
    )


class DatabaseUnavailableMiddleware:
    """Turn a view's OperationalError into a 503.

    Django raises OperationalError when no pooled connection frees up within
    DB_POOL_TIMEOUT, or when the server is unreachable or shutting down: conditions a
    client should retry after a pause, not server bugs. Errors raised outside views
    (in other middleware) reach ``server_error`` below instead.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, OperationalError):
            return database_unavailable(request)
        return None


def not_found(request, exception):
    """handler404: the API answers in JSON, as DRF does; the rest is Django's page."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": "Not found."}, status=404)
    return defaults.page_not_found(request, exception)


def server_error(request):
    """handler500: a 503 for database outages anywhere in the stack, else Django's 500."""
    if isinstance(sys.exception(), OperationalError):
        return database_unavailable(request)
    return defaults.server_error(request)


class HealthProbeMiddleware:
    """Answer /healthz and /readyz whatever the Host header.

    A load balancer probes each instance by its address (``Host: 10.0.3.7:8000``),
    which ALLOWED_HOSTS rightly does not list, and the HTTPS redirect, CommonMiddleware
    and CSRF would all refuse it with a 400 (DisallowedHost). The probes' answers say
    nothing about the host, so they are given here, before any of those runs, and over
    plain HTTP; every other path still has its Host checked.
    """

    PROBES = {"/healthz": health.healthz, "/readyz": health.readyz}

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        probe = self.PROBES.get(request.path_info)
        if probe is not None:
            return probe(request)
        return self.get_response(request)


class RequestEncodingMiddleware:
    """Answer 400 to a request whose Content-Type names a charset that cannot be decoded.

    Django would raise LookupError or UnicodeError (a 500) when request.GET,
    request.POST or a multipart body is first decoded in it, so this runs before
    anything reads them. Requests that would break even earlier, while Django builds
    them, reach this point through core/http.py.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        problem = content_type_problem(request.META.get("CONTENT_TYPE", ""))
        if problem is not None:
            # Whatever looks at the form data from here on (the 400 page's CSRF handling
            # does) finds none, as after Django's own parse errors, and nothing decodes.
            request._mark_post_parse_error()
            return bad_request(request, problem)
        return self.get_response(request)


def bad_request(request, detail: str):
    """A 400: ``{"detail": …}`` for the API, as DRF answers; the site's 400 page elsewhere."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": detail}, status=400)
    handler = get_resolver(get_urlconf()).resolve_error_handler(400)
    return handler(request, BadRequest(detail))
