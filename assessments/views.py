from drf_spectacular.utils import extend_schema
from rest_framework.decorators import action
from rest_framework.response import Response

from assessments import services
from assessments.filters import AssessmentFilter
from assessments.models import AssessmentResult
from assessments.serializers import AssessmentResultSerializer, ReviewSerializer
from core.openapi import ERRORS, documented_crud
from core.viewsets import RowsListMixin, SoftDeleteModelViewSet


@documented_crud(AssessmentResultSerializer)
class AssessmentResultViewSet(RowsListMixin, SoftDeleteModelViewSet):
    """The AI's assessments and their human review. Never shown to candidates.

    Lists are read as rows: a page of 50 assessments carries a dozen JSON documents
    each, and recruiters' skill filters page through thousands of them.
    """

    queryset = AssessmentResult.objects.all()
    serializer_class = AssessmentResultSerializer
    filterset_class = AssessmentFilter
    ordering_fields = [
        "created_at",
        "updated_at",
        "generated_at",
        "reviewed_at",
        "overall_score",
    ]
    ordering = ["-generated_at"]

    @extend_schema(request=ReviewSerializer, responses={200: AssessmentResultSerializer, **ERRORS})
    @action(detail=True, methods=["post"])
    def review(self, request, pk=None):
        """Approve the AI's assessment, or override it with a score and notes."""
        assessment = self.get_object()
        review = ReviewSerializer(data=request.data)
        review.is_valid(raise_exception=True)
        assessment = services.review_assessment(
            assessment, reviewer=request.user, **review.validated_data
        )
        return Response(self.get_serializer(assessment).data)
