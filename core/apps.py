from django.apps import AppConfig


class CoreConfig(AppConfig):
    """The floor every app stands on: base models, API and admin pieces, health."""

    name = "core"
    verbose_name = "Candidates portal"

    def ready(self):
        from django.apps import apps
        from django.core.signals import request_finished
        from django.db.backends.signals import connection_created

        from core import logs, metrics, queries
        from core.models import keep_updated_at

        # Every app's models are loaded by now: each BaseModel table gets the trigger.
        keep_updated_at(apps.get_models())

        connection_created.connect(queries.watch_connection, dispatch_uid="core.watch_connection")
        # After Django's own receiver has returned the request's connection to the pool.
        request_finished.connect(metrics.refresh_pool_figures, dispatch_uid="core.pool_figures")
        request_finished.connect(logs.forget_request_id, dispatch_uid="core.forget_request_id")
