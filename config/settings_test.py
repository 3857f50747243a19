"""Settings for the test suite: the real settings, with a fast password hasher."""

import os

# The suite runs the same settings as production; it only needs some key to sign with.
os.environ.setdefault("SECRET_KEY", "test-suite-only-not-secret")
# The suite runs on the embedded server on purpose when no DATABASE_URL is given.
os.environ.setdefault("ALLOW_EMBEDDED_DATABASE", "true")

from config.settings import *  # noqa: F403

# Argon2 is deliberately slow; tests hash many passwords and prove nothing about cost.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# The test client speaks plain HTTP; the HTTPS redirect has its own test through
# `check --deploy` on the production settings.
SECURE_SSL_REDIRECT = False
