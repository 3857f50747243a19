from django.contrib import admin

from candidates.models import Candidate, Resume
from config.admin import SoftDeleteAdmin


@admin.register(Candidate)
class CandidateAdmin(SoftDeleteAdmin):
    list_display = ["full_name", "email", "status", "target_role", "experience_level", "created_at"]
    list_filter = ["status", "experience_level", "created_at"]
    search_fields = ["full_name", "email"]
    ordering = ["-created_at"]
    raw_id_fields = ["user"]
    readonly_fields = [
        "id",
        "created_at",
        "updated_at",
        "deleted_at",
        "deleted_by",
        "deletion_reason",
    ]
    show_full_result_count = False


@admin.register(Resume)
class ResumeAdmin(SoftDeleteAdmin):
    list_display = ["file_name", "candidate", "parsing_status", "uploaded_at"]
    list_filter = ["parsing_status", "uploaded_at"]
    list_select_related = ["candidate"]
    search_fields = ["file_name", "candidate__email", "candidate__full_name"]
    raw_id_fields = ["candidate"]
    readonly_fields = ["id", "created_at", "updated_at"]
    show_full_result_count = False
