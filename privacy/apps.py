from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    """Erasure and retention of candidates' personal data."""

    name = "privacy"
