from drf_spectacular.utils import extend_schema
from rest_framework import exceptions
from rest_framework.decorators import action
from rest_framework.response import Response

from candidates import services
from candidates.filters import CandidateFilter, ResumeFilter
from candidates.models import Candidate, Resume
from candidates.serializers import CandidateSerializer, ResumeSerializer
from core import access
from core.api import Conflict
from core.openapi import CONFLICT, ERRORS, documented_crud
from core.viewsets import SoftDeleteModelViewSet


@documented_crud(CandidateSerializer)
class CandidateViewSet(SoftDeleteModelViewSet):
    """Candidates. A candidate's own login sees only their own record."""

    queryset = Candidate.objects.all()
    serializer_class = CandidateSerializer
    filterset_class = CandidateFilter
    ordering_fields = ["created_at", "updated_at", "full_name"]
    ordering = ["-created_at"]

    def get_queryset(self):
        if self.action == "restore" or self._include_deleted():
            rows = Candidate.all_objects.all()
        else:
            rows = Candidate.objects.all()
        return access.visible(self.request.user, rows)

    def _include_deleted(self) -> bool:
        raw = self.request.query_params.get("include_deleted", "").lower()
        if raw not in ("true", "1"):
            return False
        if not access.sees_deleted(self.request.user):
            raise exceptions.PermissionDenied("include_deleted is for staff only.")
        return True

    def perform_create(self, serializer):
        serializer.instance = services.register_candidate(**serializer.validated_data)

    def perform_update(self, serializer):
        services.update_candidate(serializer.instance, **serializer.validated_data)

    @extend_schema(request=None, responses={200: CandidateSerializer, **ERRORS, **CONFLICT})
    @action(detail=True, methods=["post"])
    def restore(self, request, pk=None):
        """Bring a soft-deleted candidate back (status becomes active)."""
        try:
            candidate, _restored = services.restore_candidate(self.get_object())
        except services.CandidateErased as error:
            raise Conflict(str(error)) from error
        return Response(self.get_serializer(candidate).data)


@documented_crud(ResumeSerializer)
class ResumeViewSet(SoftDeleteModelViewSet):
    """Resumes. A candidate's own login sees only their own."""

    queryset = Resume.objects.all()
    serializer_class = ResumeSerializer
    filterset_class = ResumeFilter
    ordering_fields = ["created_at", "updated_at", "uploaded_at", "parsed_at"]
    ordering = ["-uploaded_at"]

    def get_queryset(self):
        return access.visible(self.request.user, Resume.objects.all())
