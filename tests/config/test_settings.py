"""Production is the same settings module with DEBUG off."""

import json

import pytest

from tests.dbutils import project_env, run_project

PRODUCTION = {
    "DJANGO_SETTINGS_MODULE": "config.settings",
    "DEBUG": "false",
    "SECRET_KEY": "kq3-8Zr1v0pL6tYw2nX9cB4mF7hJ5sD0aG3eR8uI1oP6lK2jH9gT4fV7bN0mQ5zW",
    "ALLOWED_HOSTS": "portal.example.com",
    "DATABASE_URL": "postgres://portal@db.example.com:5432/portal",
    "CACHE_URL": "redis://cache.example.com:6379/0",
}

SHOW_SECURITY = """
from django.conf import settings
print(settings.SECURE_SSL_REDIRECT, settings.SESSION_COOKIE_SECURE,
      settings.CSRF_COOKIE_SECURE, settings.SECURE_HSTS_SECONDS, settings.PASSWORD_HASHERS[0])
"""


def test_secret_key_is_required_when_debug_is_off():
    env = project_env(**{**PRODUCTION, "SECRET_KEY": ""})
    result = run_project(["-c", "from django.conf import settings; settings.DEBUG"], env)
    assert result.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off" in result.stderr


def test_manage_py_says_what_is_missing_and_how_to_fix_it():
    env = project_env(**{**PRODUCTION, "SECRET_KEY": ""})

    result = run_project(["manage.py", "makemigrations", "--check"], env)

    assert result.returncode == 1
    assert result.stderr == (
        "SECRET_KEY must be set when DEBUG is off.\n"
        "Set it in the environment or in .env; for local development "
        "`cp .env.example .env` (make run does) turns DEBUG on.\n"
    )


SHOW_SETTINGS_MODULE = "from django.conf import settings; print(settings.SETTINGS_MODULE)"


def without_settings_module(**variables: str) -> dict[str, str]:
    """The environment of a server or a shell that names no settings module."""
    env = project_env(**variables)
    del env["DJANGO_SETTINGS_MODULE"]
    return env


@pytest.mark.parametrize("entry_point", ["config.wsgi", "config.asgi"])
def test_the_servers_entry_points_choose_the_one_settings_module(entry_point):
    """gunicorn (config.wsgi) or an ASGI server started without DJANGO_SETTINGS_MODULE."""
    code = f"import {entry_point}\n{SHOW_SETTINGS_MODULE}"

    result = run_project(["-c", code], without_settings_module(**PRODUCTION))

    assert result.returncode == 0, result.stderr
    assert result.stdout == "config.settings\n"


def test_manage_py_chooses_the_one_settings_module():
    command = ["manage.py", "shell", "--no-imports", "-c", SHOW_SETTINGS_MODULE]

    result = run_project(command, without_settings_module(**PRODUCTION))

    assert result.returncode == 0, result.stderr
    assert result.stdout == "config.settings\n"


def test_production_settings_pass_the_deployment_checks():
    result = run_project(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"], project_env(**PRODUCTION)
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_turns_the_https_protections_on_and_argon2_first():
    result = run_project(["-c", SHOW_SECURITY], project_env(**PRODUCTION))
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "True",
        "True",
        "True",
        "31536000",
        "django.contrib.auth.hashers.Argon2PasswordHasher",
    ]


@pytest.mark.parametrize(
    ("variable", "position"),
    [("SECURE_SSL_REDIRECT", 0), ("SESSION_COOKIE_SECURE", 1), ("CSRF_COOKIE_SECURE", 2)],
)
def test_each_https_protection_can_be_relaxed(variable, position):
    result = run_project(["-c", SHOW_SECURITY], project_env(**PRODUCTION, **{variable: "false"}))
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[position] == "False"


def test_only_postgresql_is_accepted():
    env = project_env(**{**PRODUCTION, "DATABASE_URL": "mysql://portal@db.example.com/portal"})
    result = run_project(["-c", "from django.conf import settings; settings.DEBUG"], env)
    assert result.returncode != 0
    assert "DATABASE_URL must point to a PostgreSQL server" in result.stderr


DEVELOPMENT_SECURITY = """
from django.conf import settings
print(settings.SECRET_KEY, settings.SECURE_SSL_REDIRECT, settings.SECURE_HSTS_SECONDS,
      settings.ALLOWED_HOSTS)
"""


def test_development_needs_no_secret_key_and_relaxes_https():
    env = project_env(DJANGO_SETTINGS_MODULE="config.settings", DEBUG="true")
    result = run_project(["-c", DEVELOPMENT_SECURITY], env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().split(maxsplit=3) == [
        "django-insecure-local-development-only",
        "False",
        "0",
        "['localhost', '127.0.0.1', '[::1]']",
    ]


SHOW_DEFAULTS = """
import json, logging
import django, sentry_sdk
from django.conf import settings
django.setup()  # Logging is configured here.
options = settings.DATABASES["default"]["OPTIONS"]
reports = sentry_sdk.get_client().options
print(json.dumps({
    "DEBUG": settings.DEBUG,
    "ALLOWED_HOSTS": settings.ALLOWED_HOSTS,
    "CSRF_TRUSTED_ORIGINS": settings.CSRF_TRUSTED_ORIGINS,
    "EMBEDDED_DATABASE_DIR": str(settings.EMBEDDED_DATABASE_DIR.relative_to(settings.BASE_DIR)),
    "DATABASE_REPLICA_URLS": settings.DATABASE_REPLICA_URLS,
    "REPLICA_MAX_LAG_SECONDS": settings.REPLICA_MAX_LAG_SECONDS,
    "DB_POOL_MIN_SIZE": options["pool"]["min_size"],
    "DB_POOL_MAX_SIZE": options["pool"]["max_size"],
    "DB_POOL_TIMEOUT": options["pool"]["timeout"],
    "DB_CONNECT_TIMEOUT": options["connect_timeout"],
    "DB_STATEMENT_TIMEOUT_MS": settings.DB_STATEMENT_TIMEOUT_MS,
    "SLOW_QUERY_MS": settings.SLOW_QUERY_MS,
    "CACHE_KEY_PREFIX": settings.CACHES["default"]["KEY_PREFIX"],
    "AUTH_TOKEN_THROTTLE_RATE": settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["auth_token"],
    "NUM_PROXIES": settings.REST_FRAMEWORK["NUM_PROXIES"],
    "API_TOKEN_TTL_DAYS": settings.REST_KNOX["TOKEN_TTL"].days,
    "LOGIN_FAILURE_LIMIT": settings.AXES_FAILURE_LIMIT,
    "LOGIN_COOLOFF_MINUTES": settings.AXES_COOLOFF_TIME.total_seconds() / 60,
    "CORS_ALLOWED_ORIGINS": settings.CORS_ALLOWED_ORIGINS,
    "STATIC_ROOT": str(settings.STATIC_ROOT.relative_to(settings.BASE_DIR)),
    "LOG_LEVEL": logging.getLevelName(logging.getLogger().level),
    "LOG_FORMAT": settings.LOG_FORMAT,
    "METRICS_TOKEN": settings.METRICS_TOKEN,
    "SENTRY_ENVIRONMENT": reports["environment"],
    "SENTRY_TRACES_SAMPLE_RATE": reports["traces_sample_rate"],
    "TRANSCRIPT_RETENTION_DAYS": settings.TRANSCRIPT_RETENTION_DAYS,
}))
"""


def test_an_unset_variable_takes_the_default_the_readme_documents():
    """What a deployment gets for every variable it leaves out (README, Every setting):
    DEBUG among them, which an operator who forgets it must find off."""
    required = {k: v for k, v in PRODUCTION.items() if k not in ("DEBUG", "ALLOWED_HOSTS")}
    # A DSN turns error reports on, so that their own defaults apply.
    dsn = "https://public@sentry.example.com/1"
    result = run_project(["-c", SHOW_DEFAULTS], project_env(**required, SENTRY_DSN=dsn))

    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {
        "DEBUG": False,
        "ALLOWED_HOSTS": [],
        "CSRF_TRUSTED_ORIGINS": [],
        "EMBEDDED_DATABASE_DIR": ".pgdata",
        "DATABASE_REPLICA_URLS": [],
        "REPLICA_MAX_LAG_SECONDS": 5,
        "DB_POOL_MIN_SIZE": 2,
        "DB_POOL_MAX_SIZE": 4,  # WEB_THREADS' default
        "DB_POOL_TIMEOUT": 10,
        "DB_CONNECT_TIMEOUT": 5,
        "DB_STATEMENT_TIMEOUT_MS": 15000,
        "SLOW_QUERY_MS": 500,
        "CACHE_KEY_PREFIX": "",
        "AUTH_TOKEN_THROTTLE_RATE": "20/minute",
        "NUM_PROXIES": 0,
        "API_TOKEN_TTL_DAYS": 30,
        "LOGIN_FAILURE_LIMIT": 5,
        "LOGIN_COOLOFF_MINUTES": 15,
        "CORS_ALLOWED_ORIGINS": [],
        "STATIC_ROOT": "staticfiles",
        "LOG_LEVEL": "INFO",
        "LOG_FORMAT": "json",
        "METRICS_TOKEN": "",
        "SENTRY_ENVIRONMENT": "production",
        "SENTRY_TRACES_SAMPLE_RATE": 0,
        "TRANSCRIPT_RETENTION_DAYS": None,
    }


SHOW_PROXY_HEADER = """
from django.conf import settings
print(getattr(settings, "SECURE_PROXY_SSL_HEADER", None))
"""


@pytest.mark.parametrize(
    ("value", "expected"),
    [("true", "('HTTP_X_FORWARDED_PROTO', 'https')"), ("false", "None"), (None, "None")],
)
def test_x_forwarded_proto_is_trusted_only_when_asked(value, expected):
    extra = {} if value is None else {"USE_X_FORWARDED_PROTO": value}
    result = run_project(["-c", SHOW_PROXY_HEADER], project_env(**PRODUCTION, **extra))
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == expected


EMBEDDED_REFUSED = (
    "(ops.E001) DATABASE_URL is not set, so the app would keep its data in the embedded "
    "PostgreSQL in"
)
EMBEDDED_FIX = "set ALLOW_EMBEDDED_DATABASE=true if a single-box deployment wants"


@pytest.mark.parametrize("command", [["check"], ["check", "--deploy"], ["migrate", "--noinput"]])
def test_production_without_database_url_refuses_to_start(tmp_path, command):
    """Forgetting DATABASE_URL must not quietly keep candidates' data in the app directory."""
    data = tmp_path / "pgdata"
    env = project_env(**{**PRODUCTION, "DATABASE_URL": "", "EMBEDDED_DATABASE_DIR": str(data)})

    result = run_project(["manage.py", *command], env)

    assert result.returncode != 0
    assert EMBEDDED_REFUSED in result.stderr
    assert EMBEDDED_FIX in result.stderr
    assert not data.exists()  # Refused before any server was started.


def test_a_single_box_deployment_may_ask_for_the_embedded_server(tmp_path):
    env = project_env(
        **{
            **PRODUCTION,
            "DATABASE_URL": "",
            "ALLOW_EMBEDDED_DATABASE": "true",
            "EMBEDDED_DATABASE_DIR": str(tmp_path / "pgdata"),
        }
    )

    result = run_project(["manage.py", "check"], env)

    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout


@pytest.mark.parametrize("cache_url", [None, "locmemcache://", "dummycache://"])
@pytest.mark.parametrize("command", [["check"], ["check", "--deploy"], ["migrate", "--noinput"]])
def test_production_without_a_shared_cache_refuses_to_start(command, cache_url):
    """Throttles and lockouts counted per process would multiply every limit."""
    overrides = {"CACHE_URL": cache_url} if cache_url else {}
    # migrate's pool-fit check asks the (unreachable) server: give up on it quickly.
    env = project_env(**{**PRODUCTION, **overrides, "DB_POOL_TIMEOUT": "1"})
    if not cache_url:
        del env["CACHE_URL"]

    result = run_project(["manage.py", *command], env)

    assert result.returncode == 1
    assert "(ops.E002) CACHE_URL is not set or names an in-process cache" in result.stderr
    assert (
        "HINT: Set CACHE_URL to a Redis server that every server process shares, "
        "e.g. redis://cache.example.com:6379/0." in result.stderr
    )


def test_an_unknown_log_format_is_refused():
    result = run_project(["-c", "import django; django.setup()"], project_env(LOG_FORMAT="xml"))

    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1] == (
        "django.core.exceptions.ImproperlyConfigured: LOG_FORMAT must be json or text."
    )
