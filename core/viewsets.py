"""The API's viewset base pieces.

Apart from core.api: rest_framework.viewsets loads DRF's views, which read the DRF
settings, which name core.api.
"""

from rest_framework import exceptions, mixins, viewsets

from core.api import UUID_LOOKUP, RowsRepresentation


class SoftDeleteDestroyMixin(mixins.DestroyModelMixin):
    """DELETE hides the row (204); ``?reason=`` is recorded with it.

    Deleting a row that is already deleted changes nothing: the first deletion's
    who, when and why stay on record, also when two deletions race (``soft_delete``
    writes only a live row).
    """

    def perform_destroy(self, instance):
        reason = self.request.query_params.get("reason", "")
        if "\x00" in reason:
            raise exceptions.ValidationError({"reason": ["May not contain NUL characters."]})
        instance.soft_delete(by=self.request.user, reason=reason)


class RowsListMixin:
    """A list made from ``.values()`` rows, formatted by the serializer's own fields
    (RowsRepresentation): for long pages of wide rows, where building a model instance
    per row and walking DRF's fields over it is most of a request's time."""

    def list(self, request, *args, **kwargs):
        as_json = RowsRepresentation.for_view(self)
        rows = self.filter_queryset(self.get_queryset()).values(*as_json.attnames)
        return self.get_paginated_response(as_json(self.paginate_queryset(rows)))


class SoftDeleteModelViewSet(
    mixins.ListModelMixin,
    mixins.CreateModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    SoftDeleteDestroyMixin,
    viewsets.GenericViewSet,
):
    """List, create, read, update, and delete by hiding (soft delete); UUID lookups."""

    lookup_value_regex = UUID_LOOKUP
