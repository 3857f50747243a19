"""Django database backend: PostgreSQL on the embedded server.

It is Django's own PostgreSQL backend; the only difference is that the first
connection of a process starts (or finds) the embedded server and connects to it
through its Unix socket.
"""

from django.conf import settings
from django.db.backends.postgresql import base

from config import embedded_postgres


class DatabaseWrapper(base.DatabaseWrapper):
    def get_connection_params(self):
        server = embedded_postgres.get_server(settings.EMBEDDED_DATABASE_DIR)
        if self.settings_dict["NAME"] == settings.EMBEDDED_DATABASE_NAME:
            embedded_postgres.ensure_database(server, self.settings_dict["NAME"])
        params = super().get_connection_params()
        params.update(host=str(server.socket_dir), port=server.port, user=server.user)
        return params
