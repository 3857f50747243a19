"""Settings for the test suite: the real settings, with a fast password hasher."""

import os

# The suite runs the same settings as production; it only needs some key to sign with.
os.environ.setdefault("SECRET_KEY", "test-suite-only-not-secret")
# The suite runs on the embedded server on purpose when no DATABASE_URL is given.
os.environ.setdefault("ALLOW_EMBEDDED_DATABASE", "true")
# Throttles and lockouts count in Redis, as in production (every machine runs one
# at this address); each test gets keys of its own (tests/conftest.py).
os.environ.setdefault("CACHE_URL", "redis://127.0.0.1:6379/0")

# A developer's .env may name their Sentry project; the suite's deliberate errors stay
# out of it (a test that sets SENTRY_DSN in the environment still reaches its own).
os.environ.setdefault("SENTRY_DSN", "")

from config.settings import *  # noqa: F403

# Each test runs inside a transaction on the primary that no replica connection can see:
# reads stay there, replicas configured or not (tests/ops/test_replicas.py starts real
# ones behind a server of its own).
DATABASE_ROUTERS = []

# Argon2 is deliberately slow; tests hash many passwords and prove nothing about cost.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# The test client speaks plain HTTP; the HTTPS redirect has its own test through
# `check --deploy` on the production settings.
SECURE_SSL_REDIRECT = False

# Pages name static files by their plain names: the hashed names of production need
# `collectstatic` first, which the production server's test runs (tests/ops).
STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# ... served from the apps' folders, as in development, without collectstatic.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
