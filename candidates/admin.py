import csv

from django.contrib import admin
from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from candidates import services
from candidates.models import Candidate, Resume
from core.admin import RECORD_FIELDSET, RestoreRefused, SoftDeleteAdmin, audit_history

CSV_COLUMNS = ["id", *Candidate.PROFILE_FIELDS, "created_at", "deleted_at"]
#: A spreadsheet runs a cell that starts with one of these as a formula.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value) -> str:
    """A CSV cell that a spreadsheet shows as text, never runs as a formula."""
    if value is None:
        return ""
    if isinstance(value, list):
        value = "; ".join(value)
    text = str(value)
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


class ResumeInline(admin.TabularInline):
    model = Resume
    fields = ["file_link", "file_size", "parsing_status", "uploaded_at", "deleted_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def get_queryset(self, request):
        return Resume.all_objects.all()

    def has_add_permission(self, request, obj=None):
        return False

    @admin.display(description="File")
    def file_link(self, resume):
        return format_html(
            '<a href="{}" rel="noopener noreferrer" target="_blank">{}</a>',
            resume.file_url,
            resume.file_name,
        )


@admin.register(Candidate)
class CandidateAdmin(SoftDeleteAdmin):
    list_display = [
        "full_name",
        "email",
        "status",
        "target_role",
        "experience_level",
        "interview_count",
        "created_at",
    ]
    # target_role is searched, not filtered: its filter would scan every row per page.
    list_filter = ["status", "experience_level", "created_at"]
    search_fields = ["full_name", "email", "target_role"]
    ordering = ["-created_at"]
    raw_id_fields = ["user"]
    inlines = [ResumeInline]
    actions = [*SoftDeleteAdmin.actions, "export_csv"]
    readonly_fields = [
        "interviews_overview",
        "history",
    ]
    fieldsets = [
        (None, {"fields": ["email", "full_name", "phone", "status", "user"]}),
        ("Profile", {"fields": ["target_role", "experience_level", "timezone", "skills"]}),
        ("Interviews", {"fields": ["interviews_overview"]}),
        RECORD_FIELDSET,
    ]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                # A correlated count: computed for the 50 rows shown, not the whole table.
                live_interviews=Coalesce(
                    Subquery(
                        # interviews.Interview, reached through the relation: this app
                        # does not import the interviews app.
                        Candidate._meta.get_field("interviews")
                        .related_model.objects.filter(candidate=OuterRef("pk"))
                        .order_by()
                        .values("candidate")
                        .annotate(n=Count("pk"))
                        .values("n")
                    ),
                    0,
                )
            )
        )

    @admin.display(description="Interviews", ordering="live_interviews")
    def interview_count(self, candidate):
        return candidate.live_interviews

    @admin.display(description="Interviews")
    def interviews_overview(self, candidate):
        rows = [
            (
                reverse("admin:interviews_interview_change", args=[interview.pk]),
                interview.get_role_type_display(),
                interview.get_status_display(),
                f"{interview.scheduled_for or interview.created_at:%Y-%m-%d %H:%M}",
            )
            for interview in candidate.interviews.order_by("-created_at")
        ]
        if not rows:
            return "—"
        return format_html_join(
            "",
            '<div><a href="{}">{} interview</a> — {}, {}</div>',
            rows,
        )

    @admin.display(description="Change history")
    def history(self, candidate):
        return audit_history(candidate)

    def get_search_results(self, request, queryset, search_term):
        queryset, duplicates = super().get_search_results(request, queryset, search_term)
        if request.path.endswith("/autocomplete/"):
            queryset = queryset.alive()  # Only live candidates can be picked.
        return queryset, duplicates

    def formfield_for_choice_field(self, db_field, request, **kwargs):
        if db_field.name == "status":
            # "deleted" follows a soft delete; it is not set by hand.
            kwargs["choices"] = [
                c for c in Candidate.Status.choices if c[0] != Candidate.Status.DELETED
            ]
        return super().formfield_for_choice_field(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        if change:
            fields = {name: form.cleaned_data[name] for name in form.changed_data}
            services.update_candidate(obj, **fields)  # The login follows the email.
        else:
            super().save_model(request, obj, form, change)

    def restore_object(self, candidate):
        # Through the service: it locks the row, so a concurrent erasure is seen.
        try:
            _candidate, restored = services.restore_candidate(candidate)
        except services.CandidateErased as error:
            raise RestoreRefused(str(error)) from error
        return restored

    @admin.action(description="Export selected as CSV", permissions=["view"])
    def export_csv(self, request, queryset):
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
        response["Content-Disposition"] = f'attachment; filename="candidates-{stamp}.csv"'
        writer = csv.writer(response)
        writer.writerow(CSV_COLUMNS)
        for candidate in queryset.order_by("created_at").iterator():
            writer.writerow([csv_cell(getattr(candidate, column)) for column in CSV_COLUMNS])
        return response


@admin.register(Resume)
class ResumeAdmin(SoftDeleteAdmin):
    list_display = ["file_name", "candidate", "parsing_status", "file_size", "uploaded_at"]
    list_filter = ["parsing_status", "uploaded_at"]
    list_select_related = ["candidate"]
    search_fields = ["file_name", "candidate__email", "candidate__full_name"]
    autocomplete_fields = ["candidate"]
