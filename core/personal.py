"""How a model declares the personal data it holds, field by field.

Each model names, once, in ``personal_data``: what erasure writes in place of each
personal field, what the retention purge writes once the retention period is over,
and why each other field that could hold text is kept. Erasure and retention (the
privacy app), the admin's erasure page, the subject-access export and the tests all
read that declaration; a test fails when a model has a text, JSON, URL or file field
that is declared neither way (``undeclared_fields``), so a new field cannot be
forgotten.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import reduce
from operator import or_
from typing import Any

from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q
from django.utils import timezone


@dataclass(frozen=True)
class Personal:
    """Fields holding one kind of personal data, and what erasure leaves in their place.

    ``erased`` maps each field to the value erasure writes: a constant, or a function
    of the row (for values that differ per row). ``rows`` narrows the declaration to
    the rows that hold it (a candidate's answers, say, not the interviewer's
    questions). ``description`` is how the erasure confirmation names it. A
    declaration without fields describes data the model's app erases by hand (a
    login, which lives in Django's auth tables).
    """

    description: str
    erased: Mapping[str, Any | Callable[[Any], Any]] = field(default_factory=dict)
    rows: Q = field(default_factory=Q)


@dataclass(frozen=True)
class PersonalData:
    """A model's personal data: what erasure clears, what retention expires, what stays."""

    erasure: tuple[Personal, ...] = ()
    #: Field -> the value the retention purge writes once the retention period is over,
    #: which starts when the row's ``interview`` ends.
    expiry: Mapping[str, Any] = field(default_factory=dict)
    #: Field -> why erasure and retention leave it: not personal, or anonymous once the
    #: personal fields are gone. The erasure confirmation lists these reasons.
    kept: Mapping[str, str] = field(default_factory=dict)

    def fields(self) -> set[str]:
        """Every field this declaration names, whichever way."""
        erased = {name for personal in self.erasure for name in personal.erased}
        return erased | set(self.expiry) | set(self.kept)


NONE = PersonalData()

#: Why a member of staff deleted a row is free text about the person it concerns:
#: every soft-deletable model that erasure reaches includes this in its declaration.
DELETION_REASON = Personal(
    "the reasons staff gave for deleting their records", erased={"deletion_reason": ""}
)


def declared(model) -> PersonalData:
    """The model's declaration; a model that declares nothing holds nothing personal."""
    return getattr(model, "personal_data", NONE)


def may_hold_personal_data(model_field) -> bool:
    """Text, JSON, URL and file fields (and arrays of them): what a person can be
    written into. A field with choices holds one of a fixed set of values, not text."""
    if isinstance(model_field, ArrayField):
        return may_hold_personal_data(model_field.base_field)
    if model_field.choices:
        return False
    return isinstance(
        model_field, models.CharField | models.TextField | models.JSONField | models.FileField
    )


def undeclared_fields(model) -> set[str]:
    """The model's fields that could hold personal data and that its declaration omits."""
    candidates = {f.name for f in model._meta.concrete_fields if may_hold_personal_data(f)}
    return candidates - declared(model).fields()


def erased_values(personal: Personal, row=None) -> dict:
    """The values erasure writes for ``personal`` (for ``row``, when one depends on it)."""
    return {
        name: value(row) if callable(value) else value for name, value in personal.erased.items()
    }


def erase(queryset, *, row=None) -> None:
    """Clear the personal data of every row in ``queryset``, and of its recorded history.

    ``row`` is the one row of a one-row queryset, for values that depend on it. The
    history (an audited model's event table) keeps its shape, who changed what and
    when, without the values.
    """
    # One UPDATE (and one history event) per set of rows: declarations about the same
    # rows are written together. Declarations without fields are erased by their app's
    # own code.
    by_rows: dict[Q, dict] = {}
    for personal in declared(queryset.model).erasure:
        if personal.erased:
            by_rows.setdefault(personal.rows, {}).update(erased_values(personal, row))
    for rows, values in by_rows.items():
        _overwrite(queryset.filter(rows), values)


def not_yet_expired(model) -> Q:
    """Rows still holding a value the retention purge replaces."""
    conditions = [
        # A JSON field's "= None" is JSON null; NULL is what the purge writes.
        Q(**{f"{name}__isnull": False}) if value is None else ~Q(**{name: value})
        for name, value in declared(model).expiry.items()
    ]
    return reduce(or_, conditions)


def expire(queryset) -> int:
    """Write the retention purge's values into every row of ``queryset`` and its history;
    return how many rows changed."""
    return _overwrite(queryset, dict(declared(queryset.model).expiry))


def _overwrite(queryset, values: dict) -> int:
    model = queryset.model
    history = getattr(model, "pgh_event_model", None)
    if history is not None:
        recorded = {
            name: value
            for name, value in values.items()
            if any(f.name == name for f in history._meta.concrete_fields)
        }
        if recorded:
            history.objects.filter(pgh_obj_id__in=queryset.values("pk")).update(**recorded)
    return queryset.update(**values, updated_at=timezone.now())
