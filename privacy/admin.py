"""The erasure action on the candidates list: candidates' admin, plus erasure."""

from django.contrib import admin, messages
from django.db import transaction

from candidates.admin import CandidateAdmin
from candidates.models import Candidate
from core import access
from core.personal import declared
from privacy import services

#: What erasure keeps, for the confirmation page.
KEPT = [
    "an anonymous, deleted candidate record",
    "interviews, the interviewer's questions, timings and scores, for statistics",
]


def erased_descriptions() -> list[str]:
    """What erasure removes, as the models declare it (each kind named once)."""
    descriptions = [
        personal.description
        for model in services.ERASED_MODELS
        for personal in declared(model).erasure
    ]
    return list(dict.fromkeys(descriptions))


admin.site.unregister(Candidate)


@admin.register(Candidate)
class ErasableCandidateAdmin(CandidateAdmin):
    actions = [*CandidateAdmin.actions]
    # Offered after restoring and before exporting.
    actions.insert(actions.index("export_csv"), "erase_selected")

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
        response.context_data["removed"] = erased_descriptions()
        response.context_data["kept"] = KEPT
        return response
