"""The start-up refusals, through `manage.py check` in this process.

tests/config/test_settings.py shows the same refusals from the real environment, in
new processes (check, check --deploy, migrate).
"""

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.core.management.base import SystemCheckError

EMBEDDED = "ops.embedded_postgres"
SERVER = "django.db.backends.postgresql"


@pytest.fixture
def production(settings, monkeypatch):
    """DEBUG off, no consent to the embedded server, and the engine a test chooses."""
    settings.DEBUG = False
    settings.ALLOW_EMBEDDED_DATABASE = False

    def on(engine):
        # In place: the connection already made keeps its class; only the check reads it.
        monkeypatch.setitem(django_settings.DATABASES["default"], "ENGINE", engine)

    return on


def test_the_embedded_server_with_debug_off_is_refused(production):
    production(EMBEDDED)

    with pytest.raises(SystemCheckError) as refusal:
        call_command("check")

    message = str(refusal.value)
    assert "(ops.E001) DATABASE_URL is not set" in message
    assert f"embedded PostgreSQL in {django_settings.EMBEDDED_DATABASE_DIR}." in message
    assert "HINT: Set DATABASE_URL to your PostgreSQL server" in message
    assert (
        "set ALLOW_EMBEDDED_DATABASE=true if a single-box deployment wants the embedded server"
        " on purpose." in message
    )


@pytest.mark.parametrize(
    ("engine", "debug", "allowed"),
    [
        (EMBEDDED, False, True),  # A single-box deployment, on purpose.
        (EMBEDDED, True, False),  # Development.
        (SERVER, False, False),  # DATABASE_URL names a server.
    ],
)
def test_the_check_passes_otherwise(production, settings, engine, debug, allowed, capsys):
    production(engine)
    settings.DEBUG = debug
    settings.ALLOW_EMBEDDED_DATABASE = allowed

    call_command("check")

    assert "System check identified no issues" in capsys.readouterr().out
