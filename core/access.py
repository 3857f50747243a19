"""Who may see or do what (SPEC §4.2): the one answer the API and the admin both ask.

* Anonymous callers may do nothing.
* A candidate login (a non-staff user linked to a live candidate) may read, and only
  read, the rows of models that name their owner (``owner_lookup``), and of those
  only their own. Another candidate's row is not there for them (404).
* Everyone else (staff, the interview engine's service account) acts through Django
  model permissions: each action needs the permissions ``ACTIONS`` names on the
  model it acts on; some actions also need a staff login.
* Soft-deleted rows, and the record of a deletion, are shown to staff only.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Rule:
    """What an action needs: permission verbs on its model, perhaps a staff login."""

    verbs: tuple[str, ...]
    staff_only: bool = False


ACTIONS = {
    # An endpoint's description (OPTIONS): open to every login but a candidate's.
    "metadata": Rule(()),
    "list": Rule(("view",)),
    "retrieve": Rule(("view",)),
    "create": Rule(("add",)),
    "update": Rule(("change",)),
    "partial_update": Rule(("change",)),
    "destroy": Rule(("delete",)),
    # Bring a soft-deleted row back.
    "restore": Rule(("change",), staff_only=True),
    # Remove a candidate's personal data for good.
    "erase": Rule(("delete",), staff_only=True),
    # Everything held about a candidate, as one document (subject access): a further
    # right over candidates one may view. A candidate's own login has it for itself.
    "export": Rule(("view", "export"), staff_only=True),
    # Status moves of an interview.
    "start": Rule(("change",)),
    "complete": Rule(("change",)),
    "abandon": Rule(("change",)),
    # Approve or override an assessment: a reviewer sees what they review, and
    # reviewing is a permission of its own, apart from editing the AI's scores.
    "review": Rule(("view", "review")),
}

#: What a candidate login may do with the rows it owns: read them, and export their
#: own record (subject access).
CANDIDATE_ACTIONS = frozenset({"list", "retrieve", "export"})

#: The action of a request to a view that is not a viewset, by HTTP method.
METHOD_ACTIONS = {
    "GET": "retrieve",
    "HEAD": "retrieve",
    "POST": "create",
    "PUT": "update",
    "PATCH": "partial_update",
    "DELETE": "destroy",
    "OPTIONS": "metadata",
}


def own_candidate(user):
    """The live candidate a non-staff login belongs to, or None (cached on the user)."""
    if not user.is_authenticated or user.is_staff:
        return None
    if not hasattr(user, "_own_candidate"):
        # The candidate model, reached through its link to the login: the floor
        # imports no domain app.
        link = user._meta.get_field("candidate")
        if link.is_cached(user):
            # Read with the login (the token check's select_related), deleted or not:
            # only a live one counts, as the default manager below would have it.
            linked = link.get_cached_value(user)
            user._own_candidate = linked if linked and linked.deleted_at is None else None
        else:
            # The default manager leaves soft-deleted rows out.
            user._own_candidate = link.related_model.objects.filter(user=user).first()
    return user._own_candidate


def owner_lookup(model) -> str | None:
    """The lookup from ``model`` to the candidate who owns its rows; None if nobody does."""
    return getattr(model, "owner_lookup", None)


def may(user, action: str, model) -> bool:
    """Whether ``user`` may run ``action`` on rows of ``model`` (before any row is read)."""
    if not user or not user.is_authenticated:
        return False
    if own_candidate(user) is not None:
        return action in CANDIDATE_ACTIONS and owner_lookup(model) is not None
    rule = ACTIONS[action]
    if rule.staff_only and not user.is_staff:
        return False
    opts = model._meta
    return user.has_perms([f"{opts.app_label}.{verb}_{opts.model_name}" for verb in rule.verbs])


def visible(user, queryset):
    """``queryset`` narrowed to the rows ``user`` may see: a candidate login's own.

    A candidate login reaches only models that name their owner (``may`` refuses the
    rest before any row is read).
    """
    own = own_candidate(user)
    if own is None:
        return queryset
    return queryset.filter(**{owner_lookup(queryset.model): own.pk})


def sees_deleted(user) -> bool:
    """Whether ``user`` may see soft-deleted rows and who deleted what, when and why."""
    return user.is_staff
