from django.contrib import admin

from assessments.models import AssessmentResult
from config.admin import SoftDeleteAdmin


@admin.register(AssessmentResult)
class AssessmentResultAdmin(SoftDeleteAdmin):
    list_display = ["interview", "overall_score", "review_status", "reviewed_by", "generated_at"]
    list_filter = ["review_status", "generated_at"]
    list_select_related = ["interview", "reviewed_by"]
    search_fields = ["interview__candidate__email", "interview__candidate__full_name"]
    raw_id_fields = ["interview", "reviewed_by"]
    readonly_fields = ["id", "created_at", "updated_at"]
    show_full_result_count = False
