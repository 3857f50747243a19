from django.apps import AppConfig


class OpsConfig(AppConfig):
    """Running the project: the embedded database, backups, local set-up."""

    name = "ops"

    def ready(self):
        from ops import checks  # noqa: F401 - registers the start-up checks
