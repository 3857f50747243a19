from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import generics, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from core import access
from core.api import (
    UUID_LOOKUP,
    Conflict,
    PreconditionFailed,
)
from core.openapi import CONFLICT, DETAIL, ERRORS, documented_crud
from core.viewsets import RowsListMixin, SoftDeleteModelViewSet
from interviews import services
from interviews.filters import AgentActionFilter, InterviewFilter, MessageFilter
from interviews.models import AgentAction, Interview, InterviewMessage, InterviewSession
from interviews.serializers import (
    AgentActionSerializer,
    InterviewMessageSerializer,
    InterviewSerializer,
    InterviewSessionSerializer,
)

MOVE = extend_schema(request=None, responses={200: InterviewSerializer, **ERRORS, **CONFLICT})


@documented_crud(InterviewSerializer)
class InterviewViewSet(SoftDeleteModelViewSet):
    """Interviews. Creating one creates its session; status moves are actions."""

    queryset = Interview.objects.all()
    serializer_class = InterviewSerializer
    filterset_class = InterviewFilter
    ordering_fields = ["created_at", "updated_at", "scheduled_for", "started_at", "completed_at"]
    ordering = ["-created_at"]

    def get_queryset(self):
        return access.visible(self.request.user, Interview.objects.all())

    def perform_create(self, serializer):
        serializer.instance = services.create_interview(**serializer.validated_data)

    def _move(self, move):
        try:
            interview = move(self.get_object())
        except services.InvalidStatusMove as error:
            raise Conflict(str(error)) from error
        return Response(self.get_serializer(interview).data)

    @MOVE
    @action(detail=True, methods=["post"])
    def start(self, request, pk=None):
        """scheduled → in_progress; records started_at."""
        return self._move(services.start_interview)

    @MOVE
    @action(detail=True, methods=["post"])
    def complete(self, request, pk=None):
        """in_progress → completed; records completed_at and duration_seconds."""
        return self._move(services.complete_interview)

    @MOVE
    @action(detail=True, methods=["post"])
    def abandon(self, request, pk=None):
        """scheduled or in_progress → abandoned."""
        return self._move(services.abandon_interview)


ETAG = OpenApiParameter(
    "ETag", OpenApiTypes.STR, OpenApiParameter.HEADER, response=True, description="The version."
)
IF_MATCH = OpenApiParameter(
    "If-Match",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    description="The ETag you read; a write to a session that changed since answers 412.",
)


class InterviewSessionView(generics.GenericAPIView):
    """The AI's working state for one interview, with optimistic concurrency."""

    queryset = InterviewSession.objects.all()
    serializer_class = InterviewSessionSerializer

    def get_object(self):
        interview = get_object_or_404(
            access.visible(self.request.user, Interview.objects.select_related("session")),
            pk=self.kwargs["interview_id"],
        )
        return interview.session

    @extend_schema(parameters=[ETAG], responses={200: InterviewSessionSerializer, **ERRORS})
    def get(self, request, interview_id):
        session = self.get_object()
        return self._respond(session)

    @extend_schema(
        parameters=[IF_MATCH],
        responses={
            200: InterviewSessionSerializer,
            **ERRORS,
            412: OpenApiResponse(DETAIL, description="The session changed since you read it."),
        },
    )
    def patch(self, request, interview_id):
        session = self.get_object()
        serializer = self.get_serializer(session, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        expected = self._expected_version(request, session)
        try:
            session = services.update_session(
                session, expected_version=expected, **serializer.validated_data
            )
        except services.StaleSession as error:
            raise PreconditionFailed(str(error)) from error
        return self._respond(session)

    def _respond(self, session):
        return Response(self.get_serializer(session).data, headers={"ETag": f'"{session.version}"'})

    def _expected_version(self, request, session) -> int | None:
        """The version If-Match names; None when there is no precondition."""
        header = request.headers.get("If-Match")
        if header is None or header.strip() == "*":
            return None
        # Strong comparison (RFC 9110): a weak tag (W/"3") never matches. Any listed
        # tag matching the current version will do; the conditional UPDATE then
        # catches a writer that gets in between.
        tags = [tag.strip() for tag in header.split(",")]
        if f'"{session.version}"' in tags:
            return session.version
        raise PreconditionFailed(
            f"The session is at version {session.version}, not {header}; read it again."
        )


IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key",
    OpenApiTypes.UUID,
    OpenApiParameter.HEADER,
    description="A UUID: repeating it returns the message stored the first time (200).",
)


@extend_schema_view(
    list=extend_schema(responses={200: InterviewMessageSerializer(many=True), **ERRORS}),
    create=extend_schema(
        parameters=[IDEMPOTENCY_KEY],
        responses={
            201: InterviewMessageSerializer,
            200: OpenApiResponse(
                InterviewMessageSerializer, description="A retry: the original message."
            ),
            **ERRORS,
            **CONFLICT,
        },
    ),
)
class InterviewMessageViewSet(RowsListMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    """An interview's transcript, in order; appends get the next number."""

    queryset = InterviewMessage.objects.all()
    serializer_class = InterviewMessageSerializer
    filterset_class = MessageFilter
    ordering_fields = ["sequence_number", "created_at", "updated_at"]
    ordering = ["sequence_number"]

    def _visible_interviews(self):
        return access.visible(self.request.user, Interview.objects.all())

    def get_queryset(self):
        # Read together with the check that the interview is the caller's to see: one
        # query, not a lookup of the interview before its messages.
        return InterviewMessage.objects.filter(
            interview__in=self._visible_interviews().filter(pk=self.kwargs["interview_id"])
        )

    def list(self, request, interview_id):
        # The hot read of a live interview: rows, not model instances (RowsListMixin).
        response = super().list(request, interview_id)
        if not response.data["results"]:
            # No rows: a transcript with none (yet, or after ?after=), or an interview
            # that is not there for the caller: 404.
            get_object_or_404(self._visible_interviews(), pk=interview_id)
        return response

    def create(self, request, interview_id):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        fields = dict(serializer.validated_data)
        fields["client_message_id"] = self._client_message_id(
            request, fields.get("client_message_id")
        )
        try:
            # Found among the caller's interviews and locked in one query.
            message, created = services.append_message(
                interview_id, among=self._visible_interviews(), **fields
            )
        except Interview.DoesNotExist as error:
            raise Http404 from error
        except services.InterviewNotInProgress as error:
            raise Conflict(str(error)) from error
        return Response(
            self.get_serializer(message).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )

    def _client_message_id(self, request, from_body):
        header = request.headers.get("Idempotency-Key")
        if header is None:
            return from_body
        try:
            from_header = InterviewMessage._meta.get_field("client_message_id").to_python(
                header.strip()
            )
        except DjangoValidationError as error:
            raise ValidationError({"Idempotency-Key": ["Must be a UUID."]}) from error
        if from_body is not None and from_body != from_header:
            raise ValidationError(
                {"Idempotency-Key": ["Differs from client_message_id in the body."]}
            )
        return from_header


@documented_crud(AgentActionSerializer, actions=("list", "create", "retrieve"))
class AgentActionViewSet(
    mixins.ListModelMixin,
    mixins.CreateModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """The AI's audit trail: append-only (no update, no delete)."""

    queryset = AgentAction.objects.all()
    serializer_class = AgentActionSerializer
    filterset_class = AgentActionFilter
    ordering_fields = ["created_at", "updated_at"]
    ordering = ["-created_at"]
    lookup_value_regex = UUID_LOOKUP
