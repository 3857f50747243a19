from django.apps import AppConfig


class OpsConfig(AppConfig):
    """Running the project: the embedded database, backups, local set-up."""

    name = "ops"
