from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView

from core import health, metrics
from core.auth import ObtainTokenView
from core.openapi import DocsView

api_v1 = [
    path("auth/token/", ObtainTokenView.as_view(), name="auth-token"),
    path("", include("candidates.urls")),
    path("", include("interviews.urls")),
    path("", include("assessments.urls")),
    path("", include("privacy.urls")),
]

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("metrics", metrics.metrics_view, name="metrics"),
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", DocsView.as_view(url_name="api-schema"), name="api-docs"),
    path("admin/", admin.site.urls),
]

handler404 = "core.middleware.not_found"
handler500 = "core.middleware.server_error"
