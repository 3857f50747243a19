"""Start-up refusals of configurations that are unsafe in production (system checks).

Django runs them before `check`, `migrate` and `runserver`; each names the variable
and the fix.
"""

from django.conf import settings
from django.core import checks

EMBEDDED_ENGINE = "ops.embedded_postgres"


@checks.register()
def embedded_database_needs_consent(app_configs=None, **kwargs):
    """DEBUG off on the embedded server only when ALLOW_EMBEDDED_DATABASE says so."""
    if settings.DEBUG or settings.ALLOW_EMBEDDED_DATABASE:
        return []
    if settings.DATABASES["default"]["ENGINE"] != EMBEDDED_ENGINE:
        return []
    return [
        checks.Error(
            "DATABASE_URL is not set, so the app would keep its data in the embedded "
            f"PostgreSQL in {settings.EMBEDDED_DATABASE_DIR}.",
            hint=(
                "Set DATABASE_URL to your PostgreSQL server "
                "(e.g. postgres://portal@db.example.com:5432/portal), or set "
                "ALLOW_EMBEDDED_DATABASE=true if a single-box deployment wants the "
                "embedded server on purpose."
            ),
            id="ops.E001",
        )
    ]
