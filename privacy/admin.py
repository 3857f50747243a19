"""The privacy actions on the candidates list: candidates' admin, plus erasure and
subject access (the export)."""

from django.contrib import admin, messages
from django.db import transaction

from candidates.admin import CandidateAdmin
from candidates.models import Candidate
from core import access
from privacy import export, services

admin.site.unregister(Candidate)


@admin.register(Candidate)
class ErasableCandidateAdmin(CandidateAdmin):
    actions = [*CandidateAdmin.actions]
    # Offered after restoring and before exporting.
    actions.insert(actions.index("export_csv"), "erase_selected")
    actions.append("export_personal_data")

    def has_erase_permission(self, request):
        return access.may(request.user, "erase", Candidate)

    @admin.action(description="Erase personal data (right to erasure)…", permissions=["erase"])
    def erase_selected(self, request, queryset):
        if "confirm" in request.POST:
            # All or nothing: a failure part-way erases none of the selection.
            with transaction.atomic():
                targets = list(queryset)
                for candidate in targets:
                    services.erase_candidate(candidate, by=request.user)
            self.message_user(
                request,
                f"Erased the personal data of {len(targets)} candidates.",
                messages.SUCCESS,
            )
            return None
        response = self._confirmation_page(
            request,
            queryset,
            action="erase_selected",
            title="Erase personal data",
            explanation="Erasure cannot be undone.",
        )
        response.context_data["removed"] = services.erased_descriptions()
        response.context_data["kept"] = services.kept_descriptions()
        return response

    def has_export_permission(self, request):
        return access.may(request.user, "export", Candidate)

    @admin.action(description="Export personal data (subject access)", permissions=["export"])
    def export_personal_data(self, request, queryset):
        # A subject access request is one person's: one file, the API's, per candidate.
        selected = list(queryset[:2])
        if len(selected) != 1:
            self.message_user(
                request,
                "Select exactly one candidate to export: each export is one person's file.",
                messages.ERROR,
            )
            return None
        return export.response(selected[0])
