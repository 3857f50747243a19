from rest_framework.routers import SimpleRouter

from privacy.views import CandidatePrivacyViewSet

router = SimpleRouter()
# Named as the candidates' own routes are (candidate-erase, candidate-export): they act
# on a candidate.
router.register("candidates", CandidatePrivacyViewSet, basename="candidate")

urlpatterns = router.urls
