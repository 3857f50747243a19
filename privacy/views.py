from drf_spectacular.utils import extend_schema
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from candidates.models import Candidate
from candidates.serializers import CandidateSerializer
from core import access
from core.api import UUID_LOOKUP
from core.openapi import ERRORS
from privacy import services


class CandidateErasureViewSet(viewsets.GenericViewSet):
    """The right to erasure, at /api/v1/candidates/{id}/erase/."""

    # Erasure reaches soft-deleted candidates too.
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
