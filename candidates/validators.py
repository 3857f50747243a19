import zoneinfo
from functools import cache

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator

#: Resume files are links the server stores but never fetches.
validate_http_url = URLValidator(schemes=["http", "https"])


@cache
def _timezone_names() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def validate_timezone_name(value: str) -> None:
    """Accept IANA zone names only ("Europe/Berlin", "UTC")."""
    if value not in _timezone_names():
        raise ValidationError(
            "%(value)s is not an IANA time zone name (e.g. Europe/Berlin).",
            code="invalid_timezone",
            params={"value": value},
        )
