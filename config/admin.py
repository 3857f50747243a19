"""Admin behaviour every app's admin shares."""

from django.contrib import admin


class SoftDeleteAdmin(admin.ModelAdmin):
    """Deleting from the admin hides rows (soft delete) instead of removing them."""

    def get_deleted_objects(self, objs, request):
        # Related rows stay (and PROTECT cannot object): only the rows themselves
        # are listed on the confirmation page.
        objs = list(objs)
        opts = self.model._meta
        perms_needed = set() if self.has_delete_permission(request) else {opts.verbose_name}
        return [str(obj) for obj in objs], {opts.verbose_name_plural: len(objs)}, perms_needed, []

    def delete_model(self, request, obj):
        obj.soft_delete(by=request.user)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            obj.soft_delete(by=request.user)
