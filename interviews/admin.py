from django.contrib import admin

from config.admin import SoftDeleteAdmin
from interviews.models import AgentAction, Interview, InterviewMessage, InterviewSession


@admin.register(Interview)
class InterviewAdmin(SoftDeleteAdmin):
    list_display = ["candidate", "role_type", "status", "scheduled_for", "started_at", "created_at"]
    list_filter = ["status", "role_type", "created_at"]
    list_select_related = ["candidate"]
    search_fields = ["candidate__email", "candidate__full_name"]
    raw_id_fields = ["candidate", "resume"]
    readonly_fields = ["id", "created_at", "updated_at"]
    show_full_result_count = False


@admin.register(InterviewSession)
class InterviewSessionAdmin(admin.ModelAdmin):
    list_display = [
        "interview",
        "current_difficulty_level",
        "questions_asked_count",
        "last_activity_at",
        "version",
    ]
    list_filter = ["current_difficulty_level"]
    list_select_related = ["interview"]
    raw_id_fields = ["interview"]
    readonly_fields = ["id", "created_at", "updated_at", "version"]
    show_full_result_count = False


@admin.register(InterviewMessage)
class InterviewMessageAdmin(admin.ModelAdmin):
    list_display = ["interview", "sequence_number", "message_type", "created_at"]
    list_filter = ["message_type"]
    list_select_related = ["interview"]
    raw_id_fields = ["interview", "session"]
    readonly_fields = ["id", "created_at", "updated_at"]
    show_full_result_count = False


@admin.register(AgentAction)
class AgentActionAdmin(admin.ModelAdmin):
    """The audit trail: readable, never written from the admin."""

    list_display = ["agent_type", "action", "status", "interview", "candidate", "created_at"]
    list_filter = ["agent_type", "status", "created_at"]
    list_select_related = ["interview", "candidate"]
    search_fields = ["action", "candidate__email"]
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
