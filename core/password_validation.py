import re

from django.core.exceptions import ValidationError


class LetterAndDigitValidator:
    """Require at least one letter and one digit."""

    def validate(self, password, user=None):
        if not (re.search(r"[^\W\d_]", password) and re.search(r"\d", password)):
            raise ValidationError(
                "This password must contain at least one letter and one digit.",
                code="password_needs_letter_and_digit",
            )

    def get_help_text(self):
        return "Your password must contain at least one letter and one digit."
