"""What every app's models share. Imports nothing from the apps."""

import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import ClassVar

import pghistory
import pghistory.models
import pghistory.trigger
import pgtrigger
from django.conf import settings
from django.contrib.postgres.functions import RandomUUID
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import models, router
from django.utils import timezone

from core.json import MAX_DEPTH, ExactJSONEncoder, contains_nul, depth_exceeds


class TransactionNow(models.Func):
    """PostgreSQL's ``now()``, the customary column default for timestamps.

    Django's ``Now`` renders as ``statement_timestamp()``; ``now()`` is what the
    schema promises and what operators expect to read in ``\\d table``.
    """

    function = "now"
    arity = 0
    output_field = models.DateTimeField()


class DatabaseUser(models.Func):
    """SQL ``CURRENT_USER``: the database role running the statement."""

    template = "CURRENT_USER"
    output_field = models.TextField()


class AuditEvent(pghistory.models.Event):
    """One recorded change: a snapshot of the row, written by a database trigger.

    Triggers see every write (bulk updates and plain SQL included). The application
    user and URL come from the pghistory context (``pgh_context``); for writes made
    outside the application, ``pgh_db_user`` still names the database role.
    """

    pgh_db_user = models.TextField(db_default=DatabaseUser(), editable=False)

    class Meta:
        abstract = True


class _ChangedRowsTrigger(pghistory.trigger.Event):
    """pghistory's statement-level update trigger, with a plan that stays linear.

    PL/pgSQL plans the trigger's query once per connection and keeps that plan. For a
    one-row statement the planner joins the old and new rows with a nested loop, which
    a later statement of 100k rows would then run as 100k x 100k comparisons (a join of
    6,213 rows took 20 s). So a statement of more than one row has its query planned
    for its own size (EXECUTE); one-row statements keep the cached plan, made for them.
    The changed rows are found with a semi-join (EXISTS), which the planner estimates
    at no more rows than the statement has: pghistory's plain join is estimated at
    n x n / 200, which makes PostgreSQL compile it with JIT (a quarter of a second).
    """

    # Runs as the models load, before any test can watch it: `makemigrations --check`
    # (in `make test`) catches any change in what it builds.
    def get_func_template_kwargs(self, model):  # pragma: no mutate block
        kwargs = super().get_func_template_kwargs(model)
        condition = pgtrigger.Trigger.render_condition(self, model).removeprefix("WHEN ")
        changed = condition.replace("OLD.", "old_values.").replace("NEW.", "new_values.")
        pk = f'"{model._meta.pk.column}"'
        kwargs["cond_new_values"] = (
            f"new_values WHERE EXISTS (SELECT FROM old_values"
            f" WHERE old_values.{pk} = new_values.{pk}{f' AND {changed}' if changed else ''})"
        )
        return kwargs

    def get_func(self, model):  # pragma: no mutate block
        record, returns = pghistory.trigger.Event.get_func(self, model).func.rsplit("; ", 1)
        assert returns == "RETURN NULL;", returns  # pghistory's statement-level template
        return pgtrigger.Func(
            "IF EXISTS (SELECT FROM new_values OFFSET 1) THEN"
            f" EXECUTE $pgh${record}$pgh$; ELSE {record}; END IF; RETURN NULL;"
        )


class _UpdateEvent(pghistory.UpdateEvent):
    """``pghistory.UpdateEvent`` recorded by :class:`_ChangedRowsTrigger`."""

    def add_event_trigger(self, event_model):  # pragma: no mutate block
        pgtrigger.register(
            _ChangedRowsTrigger(
                event_model=event_model,
                label=self.label,
                name=self.trigger_name,
                row=self.row,
                operation=self.operation,
                condition=self.condition,
                level=self.level,
            )
        )(event_model.pgh_tracked_model)


# Runs as the models load, before any test can watch it: `makemigrations --check`
# (in `make test`) catches any change in what it builds.
def audited(
    *,
    model_name: str,
    db_table: str,
    fields: list[str] | None = None,
    searched_by: tuple[str, ...] = (),
):  # pragma: no mutate block
    """Record every insert, update and delete of the decorated model.

    ``fields`` limits the snapshot (and the updates that count) to those fields.
    ``searched_by`` names the foreign keys by which the history itself is searched (the
    subject-access export finds an interview's history by its candidate). Of the
    history's copies of foreign keys only those are indexed (besides the history's own
    links: the recorded row, the request): every index there is written for every
    recorded row, and nothing reads by the others.

    The triggers run once per statement, not once per row: they copy the statement's
    rows from its transition tables in one INSERT. A bulk write of 100k rows thus pays
    for one trigger call, not 100k; a one-row write pays about what a row trigger did.
    """
    track = pghistory.track(
        pghistory.InsertEvent(),
        _UpdateEvent(),
        pghistory.DeleteEvent(),
        fields=fields,
        model_name=model_name,
        base_model=AuditEvent,
        meta={"db_table": db_table},
        level=pghistory.Statement,
    )

    def decorate(model):
        track(model)
        for field in model.pgh_event_model._meta.fields:
            if field.is_relation and not field.name.startswith("pgh_"):
                # pghistory copies each foreign key with its index. Set before anything
                # reads the model, the attribute is what the migrations build from.
                field.db_index = field.name in searched_by
        return model

    return decorate


# Runs as the models load, before any test can watch it: `makemigrations --check`
# (in `make test`) catches any change in what it builds.
def choices_check(
    field: str, choices: type[models.TextChoices], *, name: str
):  # pragma: no mutate block
    """Return the CHECK constraint that keeps ``field`` within ``choices``.

    NULL passes (SQL's three-valued logic), so nullable enumerations stay nullable.
    """
    return models.CheckConstraint(condition=models.Q(**{f"{field}__in": choices.values}), name=name)


# Runs as the models load, before any test can watch it: `makemigrations --check`
# (in `make test`) catches any change in what it builds.
def at_least(field: str, minimum: int, *, name: str):  # pragma: no mutate block
    """Return the CHECK constraint that keeps ``field`` at ``minimum`` or above.

    NULL passes, so nullable numbers stay nullable. The field's MinValueValidator
    says the same to a form or serializer before the database has to.
    """
    return models.CheckConstraint(condition=models.Q(**{f"{field}__gte": minimum}), name=name)


def validate_storable_json(value) -> None:
    """Refuse what jsonb cannot store (NUL characters, NaN, Infinity) or nests absurdly."""
    if depth_exceeds(value):
        raise ValidationError(
            "JSON documents may nest at most %(limit)s levels deep.", params={"limit": MAX_DEPTH}
        )
    # What json cannot encode at all, the field's own validation has refused already.
    try:
        json.dumps(value, cls=ExactJSONEncoder, allow_nan=False)
    except ValueError as error:
        raise ValidationError(
            "Not a storable JSON document: %(error)s", params={"error": error}
        ) from error
    if contains_nul(value):
        raise ValidationError("JSON text may not contain NUL (\\u0000) characters.")


# Runs as the models load, before any test can watch it: `makemigrations --check`
# (in `make test`) catches any change in what it builds.
def JSONDocumentField(**kwargs):  # noqa: N802 (reads as a field)  # pragma: no mutate block
    """A ``jsonb`` column whose datetimes, UUIDs and decimals round-trip exactly."""
    return models.JSONField(encoder=ExactJSONEncoder, validators=[validate_storable_json], **kwargs)


@dataclass(frozen=True)
class SameOwner:
    """A rule: the row that ``field`` points to belongs to the same ``owner`` as this row.

    An interview's resume must be its own candidate's; a message's session its own
    interview's. The error is ``error_field``'s (default: ``field``'s).
    """

    field: str
    owner: str
    message: str
    error_field: str | None = None

    def check(self, instance) -> None:
        related_id = getattr(instance, f"{self.field}_id")
        owner_id = getattr(instance, f"{self.owner}_id")
        if related_id is None or owner_id is None:
            return
        related = instance._meta.get_field(self.field).related_model
        actual = (
            related._base_manager.filter(pk=related_id)
            .values_list(f"{self.owner}_id", flat=True)
            .first()
        )
        # A related row that does not exist is the field's own validation's to report.
        if actual is not None and actual != owner_id:
            mismatch = ValidationError(self.message, code=f"{self.field}_mismatch")
            raise ValidationError({self.error_field or self.field: mismatch})


#: The bookkeeping every row carries (BaseModel), and a soft-deleted row's record of
#: its deletion (SoftDeleteModel): listed last by every serializer and admin page.
TIMESTAMP_FIELDS = ("created_at", "updated_at")
DELETION_FIELDS = ("deleted_at", "deleted_by", "deletion_reason")


#: Keeps ``updated_at`` on every BaseModel table, whatever writes the row: bulk
#: ``QuerySet.update()`` and plain SQL move it too. A statement that sets updated_at
#: itself keeps its value (an ORM save keeps the time Django put on the instance, so an
#: API response shows what the database holds); one that changes nothing moves nothing,
#: so no audit row is written for it. The time is ``clock_timestamp()``, not ``now()``:
#: ``now()`` is when the transaction began, before any time Django stamped on a row
#: earlier in the same transaction, so a later bulk update would move updated_at back.
UPDATED_AT_TRIGGER = pgtrigger.Trigger(
    name="keep_updated_at",
    when=pgtrigger.Before,
    operation=pgtrigger.Update,
    condition=pgtrigger.Condition(
        'OLD."updated_at" IS NOT DISTINCT FROM NEW."updated_at" AND OLD.* IS DISTINCT FROM NEW.*'
    ),
    func='NEW."updated_at" := clock_timestamp(); RETURN NEW;',
)


class BaseModel(models.Model):
    """UUID key and creation/update times, with database defaults for plain SQL.

    ``updated_at`` is kept by a database trigger (``UPDATED_AT_TRIGGER``), installed on
    every concrete subclass's table by ``keep_updated_at``.
    """

    id = models.UUIDField(
        primary_key=True, default=uuid.uuid4, db_default=RandomUUID(), editable=False
    )
    created_at = models.DateTimeField(auto_now_add=True, db_default=TransactionNow())
    updated_at = models.DateTimeField(auto_now=True, db_default=TransactionNow())

    #: Constraint name -> field whose error it is, for constraints that span several
    #: fields (Django reports those as non-field errors otherwise).
    constraint_error_fields: ClassVar[Mapping[str, str]] = {}
    #: Related rows that must belong to the same owner as this one (checked by clean()).
    same_owner: ClassVar[tuple[SameOwner, ...]] = ()

    class Meta:
        abstract = True

    def clean(self):
        super().clean()
        for rule in self.same_owner:
            rule.check(self)

    def validate_constraints(self, exclude=None):
        using = router.db_for_write(self.__class__, instance=self)
        errors: dict = {}
        for model_class, constraints in self.get_constraints():
            for constraint in constraints:
                try:
                    constraint.validate(model_class, self, exclude=exclude, using=using)
                except ValidationError as error:
                    field = self.constraint_error_fields.get(constraint.name)
                    fields = getattr(constraint, "fields", ())
                    if field is None and error.code == "unique" and len(fields) == 1:
                        field = fields[0]
                    errors.setdefault(field or NON_FIELD_ERRORS, []).append(error)
        if errors:
            raise ValidationError(errors)


# Runs once as the apps load, before any test can watch it: `makemigrations --check`
# (in `make test`) catches a table left without the trigger.
def keep_updated_at(all_models) -> None:  # pragma: no mutate block
    """Install ``UPDATED_AT_TRIGGER`` on each BaseModel table among ``all_models``."""
    for model in all_models:
        if issubclass(model, BaseModel):
            UPDATED_AT_TRIGGER.register(model)


class SoftDeleteQuerySet(models.QuerySet):
    def alive(self):
        """Rows that are not soft-deleted."""
        return self.filter(deleted_at__isnull=True)

    def deleted(self):
        """Soft-deleted rows only."""
        return self.filter(deleted_at__isnull=False)


class AliveManager(models.Manager.from_queryset(SoftDeleteQuerySet)):
    """The default manager: soft-deleted rows are invisible."""

    def get_queryset(self):
        return super().get_queryset().alive()


AllRowsManager = models.Manager.from_queryset(SoftDeleteQuerySet)


class SoftDeleteModel(models.Model):
    """Rows that are hidden, not removed, when deleted; ``restore()`` brings them back."""

    deleted_at = models.DateTimeField(null=True, blank=True, editable=False)
    deleted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    deletion_reason = models.TextField(blank=True, default="", db_default="", editable=False)

    objects = AliveManager()
    all_objects = AllRowsManager()

    class Meta:
        abstract = True
        # Related-object access (message.interview, interview.candidate) must still
        # reach a soft-deleted parent, so the base manager sees every row.
        base_manager_name = "all_objects"

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None

    def soft_delete(self, *, by=None, reason: str = "") -> bool:
        """Hide this row; related rows are kept. Return whether this call hid it.

        A row already deleted keeps the first deletion's who, when and why, even when
        two deletions race: the write is one UPDATE conditional on the row being live.
        """
        now = timezone.now()
        return self._set_deleted(
            True, deleted_at=now, deleted_by=by, deletion_reason=reason, updated_at=now
        )

    def restore(self) -> bool:
        """Bring a soft-deleted row back. Return whether this call restored it."""
        return self._set_deleted(
            False, deleted_at=None, deleted_by=None, deletion_reason="", updated_at=timezone.now()
        )

    def _deletion_changes(self, *, deleted: bool) -> dict:
        """Further fields a soft delete (``deleted``) or a restore sets; models add theirs."""
        return {}

    def _set_deleted(self, deleted: bool, **values) -> bool:
        values.update(self._deletion_changes(deleted=deleted))
        # Check and write in one statement (a deletion matches a live row, a restore a
        # deleted one): of two racing deletions or restores, the one that commits
        # second finds nothing to change instead of overwriting the first.
        rows = type(self).all_objects.filter(pk=self.pk, deleted_at__isnull=deleted)
        if not rows.update(**values):
            return False
        for name, value in values.items():
            setattr(self, name, value)
        return True
