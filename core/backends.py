"""Django's model permissions, read in one query.

Every API request checks its caller's permissions. Django's ModelBackend reads a
login's own permissions and its groups' in two queries; this reads both at once and
caches the result on the user object for the rest of the request, as
Django does.
"""

from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Permission
from django.db.models import Q


class PermissionsInOneQueryBackend(ModelBackend):
    def get_all_permissions(self, user_obj, obj=None):
        if user_obj.is_superuser or not user_obj.is_active or obj is not None:
            # Django's answers: all of them, none, none (no object permissions).
            return super().get_all_permissions(user_obj, obj)
        if not hasattr(user_obj, "_perm_cache"):
            # One SELECT (not a UNION, whose text starts with "(": the audit trail's
            # query wrapper takes that for a write and prepends its context).
            granted = Permission.objects.filter(
                Q(user=user_obj) | Q(group__user=user_obj)
            ).distinct()
            user_obj._perm_cache = {
                f"{app_label}.{codename}"
                for app_label, codename in granted.values_list(
                    "content_type__app_label", "codename"
                )
            }
        return user_obj._perm_cache
