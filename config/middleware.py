import logging

from django.db import OperationalError
from django.http import JsonResponse

logger = logging.getLogger(__name__)


class DatabaseUnavailableMiddleware:
    """Answer 503 when the database cannot serve a request, instead of a 500.

    Django raises OperationalError when no pooled connection frees up within
    DB_POOL_TIMEOUT, or when the server is unreachable or shutting down. Those are
    conditions a client should retry after a pause, not server bugs.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, OperationalError):
            return None
        logger.error("Database unavailable for %s %s", request.method, request.path, exc_info=True)
        return JsonResponse(
            {"detail": "The service is temporarily unavailable. Try again shortly."},
            status=503,
            headers={"Retry-After": "5"},
        )
