"""Django database backend: PostgreSQL on the embedded server.

It is Django's own PostgreSQL backend; the differences are that the first
connection of a process starts (or finds) the embedded server and connects to it
through its Unix socket, and that ``manage.py dbshell`` uses the server's own psql.
"""

from django.conf import settings
from django.db import OperationalError
from django.db.backends.postgresql import base, client

from ops import embedded_postgres


def _server() -> embedded_postgres.EmbeddedServer:
    try:
        return embedded_postgres.get_server(settings.EMBEDDED_DATABASE_DIR)
    except Exception as error:
        # Raised as Django's database error, so the project answers 503 as for any
        # database it cannot reach (the pool asks for these parameters outside
        # Django's own translation of the driver's errors).
        raise OperationalError(
            f"The embedded PostgreSQL in {settings.EMBEDDED_DATABASE_DIR} did not start: {error}"
        ) from error


class DatabaseClient(client.DatabaseClient):
    @classmethod
    def settings_to_cmd_args_env(cls, settings_dict, parameters):
        server = _server()
        if settings_dict["NAME"] == settings.EMBEDDED_DATABASE_NAME:
            embedded_postgres.ensure_database(server, settings_dict["NAME"])
        where = {"HOST": str(server.socket_dir), "PORT": str(server.port), "USER": server.user}
        args, env = super().settings_to_cmd_args_env({**settings_dict, **where}, parameters)
        args[0] = str(server.bin_dir / "psql")
        return args, env


class DatabaseWrapper(base.DatabaseWrapper):
    client_class = DatabaseClient

    def get_connection_params(self):
        server = _server()
        if self.settings_dict["NAME"] == settings.EMBEDDED_DATABASE_NAME:
            embedded_postgres.ensure_database(server, self.settings_dict["NAME"])
        params = super().get_connection_params()
        params.update(host=str(server.socket_dir), port=server.port, user=server.user)
        return params
