"""JSON encoding for every JSON column."""

import datetime
import json
import math

from django.core.serializers.json import DjangoJSONEncoder


class ExactJSONEncoder(DjangoJSONEncoder):
    """Encode datetimes, dates, times, UUIDs and decimals so they read back unchanged.

    DjangoJSONEncoder drops microseconds below the millisecond; documents written by
    the AI carry exact timestamps, so ours keeps the full ISO-8601 value. Decimals and
    UUIDs become their exact string form (never a float, never repr()).
    """

    def default(self, o):
        if isinstance(o, (datetime.datetime, datetime.time)):
            if o.tzinfo is not None and o.utcoffset() is None:
                # A time of day in a zone with daylight saving: its offset depends on
                # a date it does not have, so no ISO-8601 text says which it is.
                raise TypeError(f"{o!r} has a time zone but no UTC offset")
            text = o.isoformat()
            return text.removesuffix("+00:00") + "Z" if text.endswith("+00:00") else text
        return super().default(o)


#: Deeper documents are refused: nothing the AI writes nests this far, and deep
#: nesting is how a small request exhausts the parser's stack.
MAX_DEPTH = 64


def depth_exceeds(value, limit: int = MAX_DEPTH) -> bool:
    """Whether ``value`` nests lists/objects more than ``limit`` levels (no recursion)."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children = item.values()
        elif isinstance(item, (list, tuple)):
            children = item
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children)
    return False


def contains_nul(value) -> bool:
    """Whether any string (key or value) in ``value`` holds a NUL character."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if "\x00" in item:
                return True
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, (list, tuple)):
            stack.extend(item)
    return False


def _refuse_constant(name: str):
    raise ValueError(f"{name} is not a JSON number")


def _parse_int(text: str) -> int:
    try:
        return int(text)
    except ValueError as error:  # Longer than Python converts (sys.get_int_max_str_digits).
        raise ValueError("a number has too many digits") from error


def loads_strict(text: str):
    """Parse JSON as PostgreSQL's jsonb accepts it; ValueError otherwise.

    Refuses NaN and Infinity (also 1e400, which becomes infinity), numbers too long
    to convert, and nesting deeper than MAX_DEPTH.
    """
    try:
        value = json.loads(text, parse_constant=_refuse_constant, parse_int=_parse_int)
    except RecursionError as error:
        raise ValueError("nested too deeply") from error
    if depth_exceeds(value):
        raise ValueError(f"nested more than {MAX_DEPTH} levels deep")
    if _has_infinity(value):
        raise ValueError("numbers must be finite")
    return value


def _has_infinity(value) -> bool:
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, float) and not math.isfinite(item):
            return True
        if isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, (list, tuple)):
            stack.extend(item)
    return False
