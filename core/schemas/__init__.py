"""The JSON Schema of every JSON document, and the check that holds writes to it.

Each document is a JSON column, named ``<table>.<column>`` (``assessment_results.skill_scores``);
its schemas are the files ``<table>.<column>.v<N>.json`` in this folder, one per
version. A row's ``schema_version`` column says which version its documents follow,
so a version 2 can be added beside version 1 without touching rows written before.

Writes through the API and the admin are checked (``check``); reads never are, so a
document stored before its schema existed (or by plain SQL) stays readable.
"""

import functools
import json
import re
from datetime import datetime
from pathlib import Path

from django.db import models
from jsonschema import Draft202012Validator, FormatChecker

FOLDER = Path(__file__).resolve().parent
_FILE_NAME = re.compile(r"(?P<document>\w+\.\w+)\.v(?P<version>[1-9][0-9]*)\.json")

#: A bad document's errors are cut off after this many; the first ones say enough.
MAX_ERRORS = 10
#: jsonschema quotes the bad value in its message; a long value is cut short.
MAX_MESSAGE_LENGTH = 200

FORMATS = FormatChecker(formats=())


@FORMATS.checks("date-time", raises=ValueError)
def _is_datetime(value) -> bool:
    """An ISO-8601 date and time with its UTC offset, as ``ExactJSONEncoder`` writes them."""
    if not isinstance(value, str):
        return True  # The type keyword speaks for other types.
    return datetime.fromisoformat(value).tzinfo is not None


def load(folder: Path) -> dict[tuple[str, int], dict]:
    """Read the schema files in ``folder``: (document, version) -> schema.

    A misnamed file or an invalid schema stops the project from starting.
    """
    schemas = {}
    for path in sorted(folder.glob("*.json")):
        name = _FILE_NAME.fullmatch(path.name)
        if name is None:
            raise ValueError(f"{path.name}: not named <table>.<column>.v<version>.json")
        schema = json.loads(path.read_text(encoding="utf-8"))
        Draft202012Validator.check_schema(schema)
        schemas[name["document"], int(name["version"])] = schema
    return schemas


#: (document, version) -> its JSON Schema.
SCHEMAS = load(FOLDER)
# Compiled once, as the project loads: the transcript append checks its documents on
# every request.
_VALIDATORS = {
    key: Draft202012Validator(schema, format_checker=FORMATS) for key, schema in SCHEMAS.items()
}


def document_name(field: models.Field) -> str:
    """The name a JSON column's document goes by: ``<table>.<column>``."""
    return f"{field.model._meta.db_table}.{field.column}"


def versions(document: str) -> set[int]:
    """The schema versions ``document`` has."""
    return {version for name, version in SCHEMAS if name == document}


def path_of(parts) -> str:
    """A JSONPath to a value: ``$.python.score``, ``$.skills[2]``, ``$["two words"]``."""
    path = "$"
    for part in parts:
        if isinstance(part, int):
            path += f"[{part}]"
        elif re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", part):
            path += f".{part}"
        else:
            path += f"[{json.dumps(part, ensure_ascii=False)}]"
    return path


def errors(document: str, version: int, value) -> list[str]:
    """What is wrong with ``value`` as ``document`` of ``version``, each naming its path.

    ``"$.python.score: 120 is greater than the maximum of 100"``; at most MAX_ERRORS.
    """
    found = []
    for error in _VALIDATORS[document, version].iter_errors(value):
        message = error.message
        if len(message) > MAX_MESSAGE_LENGTH:
            message = message[: MAX_MESSAGE_LENGTH - 1] + "…"
        found.append(f"{path_of(error.absolute_path)}: {message}")
        if len(found) == MAX_ERRORS:
            break
    return found


@functools.cache
def _documents(model) -> dict[str, str]:
    """The model's JSON fields: field name -> document name."""
    return {
        field.name: document_name(field)
        for field in model._meta.concrete_fields
        if isinstance(field, models.JSONField)
    }


@functools.cache
def known_versions(model) -> frozenset[int]:
    """The schema versions every one of the model's documents has."""
    return frozenset.intersection(*(frozenset(versions(doc)) for doc in _documents(model).values()))


def _same(one, other) -> bool:
    """Whether two documents are the same JSON: unlike ``==``, ``true`` is not ``1``."""
    if type(one) is not type(other):
        return False
    if isinstance(one, dict):
        return one.keys() == other.keys() and all(_same(one[key], other[key]) for key in one)
    if isinstance(one, list):
        return len(one) == len(other) and all(map(_same, one, other))
    return one == other


def check(model, values, *, instance=None) -> dict[str, list[str]]:
    """Hold the documents a write sets to the schemas of the row's ``schema_version``.

    ``values`` are the fields the write sets; ``instance`` the row as stored (None when
    creating). A document is checked when the write changes it, and every document of
    the row when the write moves it to another ``schema_version``. A document left as
    it was is not: rows written before the schemas existed can still be edited.
    Return the errors by field name (empty when all is well).
    """
    documents = _documents(model)
    if not documents:
        return {}
    if instance is None:
        stored_version = None
        default = model._meta.get_field("schema_version").get_default()
    else:
        stored_version = default = instance.schema_version
    version = values.get("schema_version", default)
    moves = "schema_version" in values and version != stored_version

    changed = {}
    for name in documents:
        if name in values:
            value = values[name]
            if not moves and instance is not None and _same(value, getattr(instance, name)):
                continue
        elif moves and instance is not None:
            value = getattr(instance, name)
        else:
            continue
        if value is not None:  # Null is the column's to allow or refuse.
            changed[name] = value

    known = known_versions(model)
    if version not in known:
        message = (
            f"There is no schema version {version}; "
            f"versions known: {', '.join(map(str, sorted(known)))}."
        )
        if moves:
            return {"schema_version": [message]}
        return {name: [message] for name in changed}
    return {
        name: problems
        for name, value in changed.items()
        if (problems := errors(documents[name], version, value))
    }


# --- The OpenAPI description --------------------------------------------------------

#: Keywords that apply to values of one JSON type only.
_TYPE_KEYWORDS = {
    "string": {"minLength", "maxLength", "pattern", "format"},
    "number": {"minimum", "maximum", "multipleOf"},
    "integer": {"minimum", "maximum", "multipleOf"},
    "array": {"items", "minItems", "maxItems", "uniqueItems"},
    "object": {"properties", "additionalProperties", "required", "minProperties", "maxProperties"},
}
#: JSON Schema keywords OpenAPI 3.0 does not know.
_NOT_IN_OPENAPI = {"$schema", "$id", "$comment"}


def published(document: str) -> dict:
    """The newest schema of ``document`` as an OpenAPI 3.0 schema object."""
    return to_openapi(SCHEMAS[document, max(versions(document))])


def to_openapi(schema: dict) -> dict:
    """A JSON Schema (2020-12) as an OpenAPI 3.0 schema object."""
    result = {}
    for key, value in schema.items():
        if key == "properties":
            result[key] = {name: to_openapi(sub) for name, sub in value.items()}
        elif key in ("items", "additionalProperties") and isinstance(value, dict):
            result[key] = to_openapi(value)
        elif key == "examples":
            result["example"] = value[0]
        elif key not in _NOT_IN_OPENAPI:
            result[key] = value
    types = result.get("type")
    if isinstance(types, list):
        # OpenAPI 3.0 names one type per schema: one alternative per type, each with
        # the keywords that apply to it.
        specific = set().union(*(_TYPE_KEYWORDS[kind] for kind in types))
        result["anyOf"] = [
            {"type": kind, **{key: result[key] for key in _TYPE_KEYWORDS[kind] if key in result}}
            for kind in types
        ]
        result = {key: value for key, value in result.items() if key not in {"type", *specific}}
    return result
