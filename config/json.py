"""JSON encoding for every JSON column."""

import datetime

from django.core.serializers.json import DjangoJSONEncoder


class ExactJSONEncoder(DjangoJSONEncoder):
    """Encode datetimes, dates, times, UUIDs and decimals so they read back unchanged.

    DjangoJSONEncoder drops microseconds below the millisecond; documents written by
    the AI carry exact timestamps, so ours keeps the full ISO-8601 value. Decimals and
    UUIDs become their exact string form (never a float, never repr()).
    """

    def default(self, o):
        if isinstance(o, (datetime.datetime, datetime.time)):
            if isinstance(o, datetime.time) and o.utcoffset() is not None:
                raise ValueError("JSON can't represent timezone-aware times.")
            text = o.isoformat()
            return text.removesuffix("+00:00") + "Z" if text.endswith("+00:00") else text
        return super().default(o)
