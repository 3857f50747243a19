"""Admin behaviour every app's admin shares."""

from django.contrib import admin


class SoftDeleteAdmin(admin.ModelAdmin):
    """Deleting from the admin hides rows (soft delete) instead of removing them."""

    def delete_model(self, request, obj):
        obj.soft_delete(by=request.user)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            obj.soft_delete(by=request.user)
