from django.apps import AppConfig


class InterviewsConfig(AppConfig):
    name = "interviews"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from interviews import receivers  # noqa: F401 - connects the erasure receiver
