from rest_framework.routers import SimpleRouter

from candidates.views import CandidateViewSet, ResumeViewSet

router = SimpleRouter()
router.register("candidates", CandidateViewSet, basename="candidate")
router.register("resumes", ResumeViewSet, basename="resume")

urlpatterns = router.urls
