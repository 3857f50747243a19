"""Request IDs, and a 503, not a 500, when the database cannot serve a request."""

import logging
import sys

from django.db import OperationalError
from django.http import JsonResponse
from django.views import defaults

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
        token = current_request_id.set(request_id)
        try:
            response = self.get_response(request)
        finally:
            current_request_id.reset(token)
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
