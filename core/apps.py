from django.apps import AppConfig


class CoreConfig(AppConfig):
    """The floor every app stands on: base models, API and admin pieces, health."""

    name = "core"
    verbose_name = "Candidates portal"
