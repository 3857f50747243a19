"""How a model declares the personal data it holds.

Each model that holds personal data names it once, in ``personal_data``; erasure
and retention (the privacy app), the admin's erasure page and the tests all read
that declaration.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

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
    """A model's personal data: what erasure clears, and what retention expires."""

    erasure: tuple[Personal, ...] = ()
    #: Field -> the value the retention purge writes once the retention period is over.
    expiry: Mapping[str, Any] = field(default_factory=dict)


NONE = PersonalData()


def declared(model) -> PersonalData:
    """The model's declaration; a model that declares nothing holds nothing personal."""
    return getattr(model, "personal_data", NONE)


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
    model = queryset.model
    history = getattr(model, "pgh_event_model", None)
    # Declarations without fields are erased by their app's own code.
    for personal in (personal for personal in declared(model).erasure if personal.erased):
        values = erased_values(personal, row)
        targets = queryset.filter(personal.rows)
        if history is not None:
            recorded = {
                name: value
                for name, value in values.items()
                if any(f.name == name for f in history._meta.concrete_fields)
            }
            if recorded:
                history.objects.filter(pgh_obj_id__in=targets.values("pk")).update(**recorded)
        targets.update(**values, updated_at=timezone.now())
