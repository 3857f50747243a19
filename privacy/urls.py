from rest_framework.routers import SimpleRouter

from privacy.views import CandidateErasureViewSet

router = SimpleRouter()
# Named as the candidates' own routes are (candidate-erase): it acts on a candidate.
router.register("candidates", CandidateErasureViewSet, basename="candidate")

urlpatterns = router.urls
