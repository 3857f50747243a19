from django.apps import AppConfig


class ProjectConfig(AppConfig):
    """The project itself: shared base models and the local bootstrap commands."""

    name = "config"
    label = "config"
    verbose_name = "Candidates portal"
