"""What every app's API shares: permissions, pagination, ordering, errors."""

from copy import copy

from django.core.exceptions import NON_FIELD_ERRORS, ObjectDoesNotExist
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DataError, IntegrityError, models
from rest_framework import (
    ISO_8601,
    exceptions,
    filters,
    pagination,
    permissions,
    relations,
    serializers,
    status,
)
from rest_framework.fields import empty, get_error_detail
from rest_framework.settings import api_settings
from rest_framework.utils.urls import replace_query_param

from core import access, schemas
from core.models import DELETION_FIELDS
from core.pagination import ApiPaginator

#: Route lookups accept UUIDs only, so /candidates/not-a-uuid/ is a plain 404.
UUID_LOOKUP = r"[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}"


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "The request conflicts with the current state of the resource."
    default_code = "conflict"


class PreconditionFailed(exceptions.APIException):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_detail = "The resource has changed since you read it."
    default_code = "precondition_failed"


class PortalPermission(permissions.BasePermission):
    """Every endpoint asks core.access whether the caller may run the request's action.

    Views that are not viewsets act by HTTP method (GET reads, PATCH changes, …).
    """

    def has_permission(self, request, view):
        action = getattr(view, "action", None) or access.METHOD_ACTIONS.get(request.method)
        if action is None:
            raise exceptions.MethodNotAllowed(request.method)  # TRACE, say.
        # Every view names its model with a class-level queryset; its get_queryset()
        # may do lookups (and 404s) that must not run before the permission check.
        return access.may(request.user, action, view.queryset.model)


class Pagination(pagination.PageNumberPagination):
    """``?page=`` and ``?page_size=`` (default 50, at most 200); ``count`` exact up to
    core.pagination.EXACT_COUNT_LIMIT rows, PostgreSQL's estimate beyond."""

    django_paginator_class = ApiPaginator

    def get_next_link(self):
        # From the row read past the page (ApiPaginator.page), not from the count: above
        # the exact limit the count is an estimate, which may promise pages that hold
        # nothing, or too few.
        if not self.page.followed:
            return None
        url = self.request.build_absolute_uri()
        return replace_query_param(url, self.page_query_param, self.page.number + 1)

    page_size_query_param = "page_size"
    max_page_size = 200

    def get_page_size(self, request):
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        try:
            size = int(raw)
        except ValueError:
            size = 0
        if not 1 <= size <= self.max_page_size:
            raise exceptions.ValidationError(
                {"page_size": [f"Must be a whole number from 1 to {self.max_page_size}."]}
            )
        return size


class StrictOrderingFilter(filters.OrderingFilter):
    """``?ordering=`` that refuses fields it cannot order by, instead of ignoring them."""

    def get_ordering(self, request, queryset, view):
        params = request.query_params.get(self.ordering_param)
        if params:
            allowed = {name for name, _label in self.get_valid_fields(queryset, view, {})}
            fields = [term.strip() for term in params.split(",")]
            unknown = [field for field in fields if field.lstrip("-") not in allowed]
            if unknown or not all(fields):
                raise exceptions.ValidationError(
                    {
                        self.ordering_param: [
                            f"Cannot order by {', '.join(unknown) or 'an empty field'}; "
                            f"choose from {', '.join(sorted(allowed))}."
                        ]
                    }
                )
        return super().get_ordering(request, queryset, view)


class StrictCharField(serializers.CharField):
    """Text that must arrive as a JSON string: 12345 is a wrong type, not "12345"."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictEmailField(StrictCharField, serializers.EmailField):
    pass


class UUIDRelatedField(relations.PrimaryKeyRelatedField):
    """A foreign key given as a UUID: a malformed one is a field error, not a crash."""

    def __init__(self, **kwargs):
        kwargs.setdefault("pk_field", serializers.UUIDField(format="hex_verbose"))
        super().__init__(**kwargs)


class DocumentField(serializers.JSONField):
    """A JSON document column; the OpenAPI description gives its JSON Schema."""

    def __init__(self, *, document: str, **kwargs):
        self.document = document
        super().__init__(**kwargs)


class PortalSerializer(serializers.ModelSerializer):
    """A model serializer whose related fields take UUIDs and whose JSON documents
    are held to their schemas (core.schemas).

    The soft-delete fields are shown to staff only (SPEC §4).
    """

    serializer_related_field = UUIDRelatedField
    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.CharField: StrictCharField,
        models.TextField: StrictCharField,
        models.EmailField: StrictEmailField,
    }
    staff_only_fields = DELETION_FIELDS

    def build_relational_field(self, field_name, relation_info):
        field_class, kwargs = super().build_relational_field(field_name, relation_info)
        if field_class is UUIDRelatedField and not isinstance(
            relation_info.related_model._meta.pk, models.UUIDField
        ):
            # Logins (auth users) keep Django's integer keys.
            field_class = relations.PrimaryKeyRelatedField
        return field_class, kwargs

    def build_standard_field(self, field_name, model_field):
        field_class, kwargs = super().build_standard_field(field_name, model_field)
        if isinstance(model_field, models.JSONField):
            # The schema's own description says more than the column's help text.
            kwargs.pop("help_text", None)
            return DocumentField, {**kwargs, "document": schemas.document_name(model_field)}
        return field_class, kwargs

    def run_validation(self, data=empty):
        # After the fields and the model's own rules (validate()), whose messages say
        # more than a schema's would about what they both refuse (say, skill_scores
        # that are not an object).
        attrs = super().run_validation(data)
        errors = schemas.check(self.Meta.model, attrs, instance=self.instance)
        if errors:
            raise serializers.ValidationError(errors)
        return attrs

    def get_fields(self):
        fields = super().get_fields()
        request = self.context.get("request")
        if request is None or not access.sees_deleted(request.user):
            for name in self.staff_only_fields:
                fields.pop(name, None)
        return fields


class RowsRepresentation:
    """A model serializer's representation, made from ``.values()`` rows.

    On a long list, building a model instance per row and walking DRF's field
    machinery over it is most of the request's time. Each value is formatted as the
    serializer's own field formats it (and left as it is where that formatting gives
    back the value the database driver returned: text, integers, booleans, JSON), so
    the JSON is the serializer's. Only plain and primary-key fields can be read this
    way; anything else is refused when the representation is built.
    """

    def __init__(self, serializer: serializers.ModelSerializer):
        opts = serializer.Meta.model._meta
        self.columns = []
        for name, field in serializer.fields.items():
            if isinstance(field, relations.PrimaryKeyRelatedField):
                pk_field = field.pk_field
                represent = pk_field.to_representation if pk_field else None
            elif isinstance(field, _NEED_AN_INSTANCE):
                raise TypeError(f"{name}: only plain and primary-key fields can be read as rows")
            elif _formats_as_it_is(field):
                represent = None
            elif _IsoDateTime.formats(field):
                represent = _IsoDateTime(field)
            else:
                represent = field.to_representation
            self.columns.append((name, opts.get_field(field.source).attname, represent))

    @classmethod
    def for_view(cls, view) -> "RowsRepresentation":
        """The representation of ``view``'s serializer, built once per process for each
        set of fields a caller may see (PortalSerializer.get_fields)."""
        key = (type(view), access.sees_deleted(view.request.user))
        if key not in _BUILT:
            _BUILT[key] = cls(view.get_serializer())
        return _BUILT[key]

    @property
    def attnames(self) -> list[str]:
        """The columns to read (``.values(*attnames)``)."""
        return [attname for _name, attname, _represent in self.columns]

    def __call__(self, rows) -> list[dict]:
        columns = [
            (name, attname, represent.now() if isinstance(represent, _IsoDateTime) else represent)
            for name, attname, represent in self.columns
        ]
        return [
            {
                name: value
                if (value := row[attname]) is None or represent is None
                # (DRF writes None as null without asking the field.)
                else represent(value)
                for name, attname, represent in columns
            }
            for row in rows
        ]


_BUILT: dict = {}


class _IsoDateTime:
    """DRF's DateTimeField.to_representation in ISO 8601, with the time zone looked up
    once per list, not once per value: DRF asks for the current time zone (a
    thread-local) for each timestamp, which on a transcript is most of its formatting.
    """

    def __init__(self, field: serializers.DateTimeField):
        self.field = field

    @staticmethod
    def formats(field) -> bool:
        """Whether ``field`` is a plain DateTimeField writing ISO 8601."""
        return (
            isinstance(field, serializers.DateTimeField)
            and type(field).to_representation is serializers.DateTimeField.to_representation
            and str(getattr(field, "format", api_settings.DATETIME_FORMAT)).lower() == ISO_8601
        )

    def now(self):
        """The formatting, in the time zone that is current now (a request's)."""
        field = self.field
        zone = field.timezone if hasattr(field, "timezone") else field.default_timezone()
        if zone is None:  # USE_TZ off: DRF's own naive formatting.
            return field.to_representation

        def represent(value):
            if value.tzinfo is None:  # (Not from a timestamptz column.)
                return field.to_representation(value)
            text = value.astimezone(zone).isoformat()
            # As DRF writes UTC.
            return text.removesuffix("+00:00") + "Z" if text.endswith("+00:00") else text

        return represent


#: Fields that read more than a column of the row: related objects, nested serializers,
#: methods.
_NEED_AN_INSTANCE = (
    relations.RelatedField,
    serializers.BaseSerializer,
    serializers.SerializerMethodField,
)

#: Fields whose to_representation gives back a value of the type psycopg returns
#: for their column unchanged: str(text), int(integer), a bool, a decoded JSON document.
_UNCHANGED = {
    serializers.CharField: serializers.CharField.to_representation,
    serializers.IntegerField: serializers.IntegerField.to_representation,
    serializers.BooleanField: serializers.BooleanField.to_representation,
}


def _formats_as_it_is(field) -> bool:
    if isinstance(field, serializers.JSONField):
        return not field.binary and type(field).to_representation is (
            serializers.JSONField.to_representation
        )
    return any(
        isinstance(field, base) and type(field).to_representation is unchanged
        for base, unchanged in _UNCHANGED.items()
    )


class ModelCleanMixin:
    """Hold validated data to the model's own rules, as the admin's forms do.

    The model cleans the fields given (an email is lower-cased there), checks its
    cross-field rules (``Model.clean()``) and its constraints (uniqueness included):
    each rule is written once, on the model, and the API reaches it there. The
    database stays the last word for writes that race.
    """

    def validate(self, attrs):
        attrs = super().validate(attrs)
        instance = copy(self.instance) if self.instance is not None else self.Meta.model()
        fields = {field.name: field for field in instance._meta.concrete_fields}
        try:
            for name, value in attrs.items():
                field = fields.get(name)
                # The model field's own normalising (an email is lower-cased there);
                # its validators ran already, as the serializer field's.
                if field is not None and not field.is_relation:
                    value = field.to_python(value)
                setattr(instance, name, value)
            instance.clean()
            # The row as it would be stored: what is not given keeps its value.
            instance.validate_constraints()
        except DjangoValidationError as error:
            raise serializers.ValidationError(api_errors(error)) from error
        cleaned = {name: getattr(instance, name) for name in attrs if name in fields}
        return {**attrs, **cleaned}


def api_errors(error: DjangoValidationError):
    """A Django ValidationError in DRF's shape: non-field errors under non_field_errors."""
    detail = get_error_detail(error)
    # No model rule reaches the API as a non-field error today (each names its field);
    # this keeps one from ever arriving as "__all__".
    if isinstance(detail, dict) and NON_FIELD_ERRORS in detail:  # pragma: no cover, no mutate
        detail[api_settings.NON_FIELD_ERRORS_KEY] = detail.pop(NON_FIELD_ERRORS)
    return detail


def exception_handler(exc, context):
    """DRF's handler, plus Django's ValidationError and DataError (400), IntegrityError (409).

    Both reach here only when a write slipped past the serializers — a race between
    two requests, typically — and the database refused it; the client gets the
    reason, never a 500.
    """
    if isinstance(exc, ObjectDoesNotExist):
        # A row that vanished (say, soft-deleted by another request) between the
        # view's lookup and a service's locked re-read.
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(api_errors(exc))
    elif isinstance(exc, DataError):
        exc = exceptions.ValidationError(
            {api_settings.NON_FIELD_ERRORS_KEY: ["A value cannot be stored as given."]}
        )
    elif isinstance(exc, IntegrityError):
        exc = Conflict(
            "The request conflicts with data stored meanwhile (a uniqueness or "
            "consistency rule). Re-read the resource and try again."
        )
    # Imported here: rest_framework.views reads the DRF settings, which name this module.
    from rest_framework.views import exception_handler as drf_exception_handler

    return drf_exception_handler(exc, context)
