from django.urls import path
from rest_framework.routers import SimpleRouter

from interviews.views import (
    AgentActionViewSet,
    InterviewMessageViewSet,
    InterviewSessionView,
    InterviewViewSet,
)

router = SimpleRouter()
router.register("interviews", InterviewViewSet, basename="interview")
router.register("agent-actions", AgentActionViewSet, basename="agent-action")

urlpatterns = [
    path(
        "interviews/<uuid:interview_id>/session/",
        InterviewSessionView.as_view(),
        name="interview-session",
    ),
    path(
        "interviews/<uuid:interview_id>/messages/",
        InterviewMessageViewSet.as_view({"get": "list", "post": "create"}),
        name="interview-messages",
    ),
    *router.urls,
]
