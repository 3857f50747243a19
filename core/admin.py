"""Admin behaviour every app's admin shares: fast lists, soft delete, readable JSON."""

import json

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.db import DataError, IntegrityError, models, transaction
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from knox.admin import AuthTokenAdmin as KnoxAuthTokenAdmin
from knox.admin import AuthTokenCreateForm
from knox.models import AuthToken
from knox.settings import knox_settings

from core import schemas
from core.json import MAX_DEPTH, depth_exceeds
from core.models import DELETION_FIELDS, TIMESTAMP_FIELDS
from core.pagination import AdminPaginator

#: Writes the database refuses: a uniqueness or consistency rule broken by a change
#: made meanwhile, or a value it cannot store. The API answers 409 / 400; the admin
#: says so and changes nothing.
REFUSED_WRITES = (IntegrityError, DataError)
REFUSED_MESSAGE = (
    "Nothing was changed: the database refused the change (another change made "
    "meanwhile broke one of its rules, or a value cannot be stored as given). "
    "Reload the page and try again."
)


def pretty_json(value) -> str:
    """A JSON document as indented, escaped HTML for a read-only admin field."""
    if value is None:
        return "—"
    text = json.dumps(value, indent=2, ensure_ascii=False, sort_keys=True)
    return format_html('<pre class="json">{}</pre>', text)


class SafeJSONFormField(forms.JSONField):
    """Django's JSON form field, refusing (not crashing on) absurdly nested input."""

    def to_python(self, value):
        try:
            value = super().to_python(value)
        except RecursionError as error:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from error
        if depth_exceeds(value):
            raise forms.ValidationError(f"JSON may nest at most {MAX_DEPTH} levels deep.")
        return value

    def bound_data(self, data, initial):
        try:
            return super().bound_data(data, initial)
        except RecursionError:
            return forms.fields.InvalidJSONInput(data)


class PrettyJSONWidget(forms.Textarea):
    """Edit JSON indented, so a document is readable before it is changed.

    The form field hands over JSON text (its own, or the input coming back with an
    error), never Python objects: only text is re-indented.
    """

    def format_value(self, value):
        try:
            document = json.loads(value)
        except (ValueError, RecursionError):
            return value  # Invalid input coming back with its error: show it as typed.
        return json.dumps(document, indent=2, ensure_ascii=False)


class DocumentsForm(forms.ModelForm):
    """A model form that holds the JSON documents it changes to their schemas.

    The same check as the API's (core.schemas): an error names the path of the bad
    value; a document left as it was is not checked.
    """

    def clean(self):
        cleaned = super().clean()
        instance = None if self.instance._state.adding else self.instance
        for name, problems in schemas.check(self._meta.model, cleaned, instance=instance).items():
            self.add_error(name, problems)
        return cleaned


class PortalModelAdmin(admin.ModelAdmin):
    """Lists that stay fast on large tables; JSON that reads well and follows its schema."""

    form = DocumentsForm
    paginator = AdminPaginator
    show_full_result_count = False
    list_per_page = 50
    formfield_overrides = {
        models.JSONField: {
            "form_class": SafeJSONFormField,
            "widget": PrettyJSONWidget(attrs={"rows": 12, "cols": 100}),
        },
    }

    def get_queryset(self, request):
        return self.defer_for_list(request, super().get_queryset(request))

    def refused(self, request, redirect_to: str) -> HttpResponseRedirect:
        """Say that a refused write changed nothing, and go back to ``redirect_to``."""
        self.message_user(request, REFUSED_MESSAGE, messages.ERROR)
        return HttpResponseRedirect(redirect_to)

    def changeform_view(self, request, *args, **kwargs):
        # Only a POST writes, and Django saves the form in a transaction: a refusal
        # rolled all of it back.
        try:
            return super().changeform_view(request, *args, **kwargs)
        except REFUSED_WRITES:
            return self.refused(request, request.get_full_path())

    def response_action(self, request, queryset):
        # Bulk actions that write run in one transaction each (or report row by row);
        # actions only run on POST.
        try:
            return super().response_action(request, queryset)
        except REFUSED_WRITES:
            return self.refused(request, request.get_full_path())

    def defer_for_list(self, request, queryset):
        """Leave a list's large columns (JSON documents, which no list shows) unread."""
        match = getattr(request, "resolver_match", None)
        on_list = match is not None and (match.url_name or "").endswith("_changelist")
        documents = [
            field.name
            for field in self.model._meta.concrete_fields
            if isinstance(field, models.JSONField)
        ]
        return queryset.defer(*documents) if on_list and documents else queryset


#: The collapsed "Record" section of soft-deletable objects' pages (each admin defines
#: ``history`` with audit_history()).
RECORD_FIELDS = ["id", *TIMESTAMP_FIELDS, *DELETION_FIELDS]
RECORD_FIELDSET = ("Record", {"classes": ["collapse"], "fields": [*RECORD_FIELDS, "history"]})


class DeletedFilter(admin.SimpleListFilter):
    """Live rows by default; soft-deleted ones on request."""

    title = "deleted"
    parameter_name = "deleted"

    def lookups(self, request, model_admin):
        return [("no", "Live only"), ("yes", "Deleted only"), ("all", "All")]

    def choices(self, changelist):
        # "Live only" is what an unfiltered list shows, so it is the default choice.
        value = self.value() or "no"
        for lookup, title in self.lookup_choices:
            yield {
                "selected": value == lookup,
                "query_string": changelist.get_query_string({self.parameter_name: lookup}),
                "display": title,
            }

    def queryset(self, request, queryset):
        value = self.value() or "no"
        if value == "no":
            return queryset.alive()
        if value == "yes":
            return queryset.deleted()
        return queryset


class DeletionReasonForm(forms.Form):
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        required=False,
        max_length=2000,
        help_text="Recorded with the deletion.",
    )


class RestoreRefused(Exception):
    """A row the restore action must leave deleted; the message says why."""


class SoftDeleteAdmin(PortalModelAdmin):
    """Deleting from the admin hides rows (soft delete) instead of removing them."""

    actions = ["soft_delete_selected", "restore_selected"]

    def get_queryset(self, request):
        # The deleted filter decides what shows; deleted rows stay reachable by URL.
        # (The list orders itself by the admin's ordering, as every changelist does.)
        return self.defer_for_list(request, self.model.all_objects.all())

    def get_list_filter(self, request):
        return [*super().get_list_filter(request), DeletedFilter]

    def get_readonly_fields(self, request, obj=None):
        # A row's record (its key, times and deletion) is never edited by hand.
        own = super().get_readonly_fields(request, obj)
        return [*own, *(name for name in RECORD_FIELDS if name not in own)]

    def get_actions(self, request):
        actions = super().get_actions(request)
        # Django's own bulk delete asks no reason; ours replaces it.
        actions.pop("delete_selected", None)
        return actions

    def get_deleted_objects(self, objs, request):
        # Related rows stay (and PROTECT cannot object): only the rows themselves
        # are listed on the confirmation page.
        # Without the delete permission the admin refuses before asking (so no rows
        # are ever listed as needing a permission).
        names = [str(obj) for obj in objs]
        return names, {self.model._meta.verbose_name_plural: len(names)}, set(), []

    def delete_model(self, request, obj):
        obj.soft_delete(by=request.user)  # A row already deleted keeps its first deletion.

    @admin.action(
        description="Delete selected (soft delete, with a reason)", permissions=["delete"]
    )
    def soft_delete_selected(self, request, queryset):
        form = DeletionReasonForm(request.POST if "confirm" in request.POST else None)
        if form.is_bound and form.is_valid():
            # All or nothing: a failure part-way leaves every selected row as it was.
            with transaction.atomic():
                # Rows someone else deletes meanwhile keep that deletion (not counted).
                deleted = sum(
                    obj.soft_delete(by=request.user, reason=form.cleaned_data["reason"])
                    for obj in queryset.alive()
                )
            self.message_user(
                request,
                f"Deleted {deleted} {self.model._meta.verbose_name_plural} (they stay restorable).",
                messages.SUCCESS,
            )
            return None
        return self._confirmation_page(
            request,
            queryset,
            action="soft_delete_selected",
            title="Delete with a reason",
            form=form,
            explanation=(
                "These rows will be hidden from lists and the API. Nothing is removed: "
                "related records stay, and the rows can be restored."
            ),
        )

    def restore_object(self, obj) -> bool:
        """Restore one row; return whether it was still deleted.

        Raise ``RestoreRefused`` when the row must not come back (models with rules
        of their own restore through their service here).
        """
        return obj.restore()

    @admin.action(description="Restore selected", permissions=["change"])
    def restore_selected(self, request, queryset):
        restored = 0
        for obj in queryset.deleted():
            try:
                with transaction.atomic():
                    restored += self.restore_object(obj)
            except RestoreRefused as error:
                refusal = str(error)
            except IntegrityError:
                refusal = "it conflicts with a live record (e.g. a newer one)."
            else:
                continue
            # Named as it is now: an erasure that got in first has removed the name.
            obj.refresh_from_db()
            self.message_user(request, f"Not restored: {obj}: {refusal}", messages.WARNING)
        self.message_user(request, f"Restored {restored} {self.model._meta.verbose_name_plural}.")

    def _confirmation_page(self, request, queryset, *, action, title, explanation, form=None):
        context = {
            **self.admin_site.each_context(request),
            "title": title,
            "explanation": explanation,
            "objects": list(queryset),
            "form": form,
            "action": action,
            "opts": self.model._meta,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/portal/confirm_action.html", context)


def links(items) -> str:
    """Comma-separated admin links: ``items`` yields (url, label) pairs."""
    return format_html_join(", ", '<a href="{}">{}</a>', items) or "—"


#: Snapshot columns that are bookkeeping, not content, in a history table.
_HISTORY_SKIP = {"id", *TIMESTAMP_FIELDS}


def audit_history(obj) -> str:
    """The object's recorded changes, newest first: when, who, what changed."""
    event_model = type(obj).pgh_event_model
    events = list(
        event_model.objects.filter(pgh_obj_id=obj.pk)
        .select_related("pgh_context")
        .order_by("pgh_id")
    )
    if not events:
        return "—"
    fields = [
        field
        for field in event_model._meta.concrete_fields
        if not field.name.startswith("pgh_") and field.name not in _HISTORY_SKIP
    ]
    user_ids = {
        (event.pgh_context.metadata or {}).get("user") for event in events if event.pgh_context
    }
    from django.contrib.auth import get_user_model

    names = dict(
        get_user_model().objects.filter(pk__in=user_ids - {None}).values_list("pk", "username")
    )
    rows, previous = [], None
    for event in events:
        if previous is None:
            summary = "created"
        else:
            summary = "; ".join(
                f"{field.name}: {getattr(previous, field.attname)!r} → "
                f"{getattr(event, field.attname)!r}"
                for field in fields
                if getattr(previous, field.attname) != getattr(event, field.attname)
            )
        metadata = event.pgh_context.metadata if event.pgh_context else {}
        who = names.get(metadata.get("user")) or f"database role {event.pgh_db_user}"
        when = f"{event.pgh_created_at:%Y-%m-%d %H:%M:%S}"
        rows.append((when, event.pgh_label, who, summary or "—"))
        previous = event
    body = format_html_join(
        "",
        "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
        reversed(rows),
    )
    return format_html(
        '<table class="history"><thead><tr><th>When (UTC)</th><th>Event</th><th>Who</th>'
        "<th>What changed</th></tr></thead><tbody>{}</tbody></table>",
        body,
    )


# --- API tokens -------------------------------------------------------------------------


class ExpiringAuthTokenForm(AuthTokenCreateForm):
    """knox's form for a new token, with the expiry required."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["expiry"].required = True


class AuthTokenAdmin(KnoxAuthTokenAdmin):
    """API tokens made by hand (say, for a service account) expire like issued ones.

    knox's admin would make a token without an expiry, valid forever; here the expiry is
    required and starts at API_TOKEN_TTL_DAYS from now. The token is shown once, in the
    page's message: only its digest is stored.
    """

    add_form = ExpiringAuthTokenForm

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        return {"expiry": timezone.now() + knox_settings.TOKEN_TTL, **initial}


admin.site.unregister(AuthToken)
admin.site.register(AuthToken, AuthTokenAdmin)
