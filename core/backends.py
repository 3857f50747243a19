"""Django's model permissions, read in one query.

Every API request checks its caller's permissions. Django's ModelBackend reads a
login's own permissions and its groups' in two queries; this reads both at once and
caches the result on the user object for the rest of the request, as Django does. The
API's token check reads them with the token itself (core.authentication).
"""

from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Permission
from django.db.models import OuterRef, Q, Value
from django.db.models.functions import Concat


def granted(user):
    """The names ("app_label.codename") of the permissions ``user`` holds, directly or
    through a group: a login, or an ``OuterRef`` to one in a subquery."""
    # One SELECT (not a UNION, whose text starts with "(": the audit trail's query
    # wrapper takes that for a write and prepends its context). Each way of holding a
    # permission is its own IN (…), found through the login's index on each link table:
    # one OR over the joined tables would read every permission of every login.
    # The link tables are read a level deeper than the permissions: a reference to the
    # query outside reaches one level further out.
    login = OuterRef(user) if isinstance(user, OuterRef) else user
    own = Permission.user_set.through.objects.filter(user=login).values("permission_id")
    from_groups = Permission.group_set.through.objects.filter(group__user=login).values(
        "permission_id"
    )
    return (
        Permission.objects.filter(Q(pk__in=own) | Q(pk__in=from_groups))
        .order_by()  # (Permission's ordering would sort by content type and codename.)
        .values_list(Concat("content_type__app_label", Value("."), "codename"), flat=True)
    )


def remember_permissions(user, names) -> None:
    """Cache ``names`` (read with ``granted``) as ``user``'s permissions for the request."""
    # Where ModelBackend, and so PermissionsInOneQueryBackend, looks first.
    user._perm_cache = set(names)


class PermissionsInOneQueryBackend(ModelBackend):
    def get_all_permissions(self, user_obj, obj=None):
        if user_obj.is_superuser or not user_obj.is_active or obj is not None:
            # Django's answers: all of them, none, none (no object permissions).
            return super().get_all_permissions(user_obj, obj)
        if not hasattr(user_obj, "_perm_cache"):
            remember_permissions(user_obj, granted(user_obj))
        return user_obj._perm_cache
