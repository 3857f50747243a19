from rest_framework.routers import SimpleRouter

from assessments.views import AssessmentResultViewSet

router = SimpleRouter()
router.register("assessments", AssessmentResultViewSet, basename="assessment")

urlpatterns = router.urls
