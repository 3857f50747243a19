from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from candidates.models import Candidate
from candidates.serializers import CandidateSerializer
from core import access
from core.api import UUID_LOOKUP
from core.openapi import ERRORS
from privacy import services
from privacy.export import CandidateExport
from privacy.export import response as export_response

EXPORT_DESCRIPTION = (
    "Everything held about the candidate, as one JSON document (subject access, GDPR "
    "articles 15 and 20), sent as a file (candidate-<id>.json) and streamed as it is "
    "written. Soft-deleted records are included; values removed by erasure or the "
    "retention purge appear as what replaced them."
)


class CandidatePrivacyViewSet(viewsets.GenericViewSet):
    """A candidate's rights over their data: erasure at /api/v1/candidates/{id}/erase/,
    subject access at /api/v1/candidates/{id}/export/."""

    # Both reach soft-deleted candidates too.
    queryset = Candidate.all_objects.all()
    serializer_class = CandidateSerializer
    lookup_value_regex = UUID_LOOKUP

    def get_queryset(self):
        return access.visible(self.request.user, Candidate.all_objects.all())

    @extend_schema(request=None, responses={200: CandidateSerializer, **ERRORS})
    @action(detail=True, methods=["post"])
    def erase(self, request, pk=None):
        """Remove the candidate's personal data for good (right to erasure). Idempotent."""
        candidate = services.erase_candidate(self.get_object(), by=request.user)
        return Response(self.get_serializer(candidate).data)

    @extend_schema(
        responses={
            200: OpenApiResponse(CandidateExport, description=EXPORT_DESCRIPTION),
            **{status: ERRORS[status] for status in (401, 403, 404)},
        },
    )
    @action(detail=True, methods=["get"])
    def export(self, request, pk=None):
        """Everything held about the candidate, as one JSON document (subject access)."""
        return export_response(self.get_object())
