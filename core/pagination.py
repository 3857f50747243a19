"""Page counts that stay cheap on large tables.

COUNT(*) reads every row it counts: on a million-row table that is most of a list
request's time, on every page, growing with the table. Both the API and the admin
count exactly only up to EXACT_COUNT_LIMIT rows (a count that stops there costs the
same however large the table grows); beyond it, they take PostgreSQL's estimate.
"""

import json

from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.db import connection
from django.utils.functional import cached_property

#: Up to this many rows a list counts exactly; beyond, it says what PostgreSQL
#: estimates.
EXACT_COUNT_LIMIT = 10_000


def counted_up_to_the_limit(queryset) -> int:
    """The exact count if it is EXACT_COUNT_LIMIT or less, else EXACT_COUNT_LIMIT + 1."""
    return queryset.order_by()[: EXACT_COUNT_LIMIT + 1].count()


def planned_rows(queryset) -> int:
    """How many rows the planner expects ``queryset`` to return (EXPLAIN, not run)."""
    [plan] = json.loads(queryset.order_by().explain(format="json"))
    return int(plan["Plan"]["Plan Rows"])


def table_estimate(table: str) -> int:
    """PostgreSQL's estimate of a table's rows; -1 for one never analysed."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples::bigint FROM pg_class WHERE oid = %s::regclass", [table])
        return cursor.fetchone()[0]


class ApiPaginator(Paginator):
    """The API's ``count``: exact up to EXACT_COUNT_LIMIT, the planner's estimate of
    the filtered query beyond it (never less than the rows counted).

    The page is read first, with one row more than it shows: without that row, the
    page is the last, so its rows give the count without a query, and whether a next
    page exists is known exactly, estimate or not. A lookup (``?email=``), a selective
    filter or a transcript that fits on its page is then one query, not two.
    """

    @cached_property
    def count(self):
        counted = counted_up_to_the_limit(self.object_list)
        if counted <= EXACT_COUNT_LIMIT:
            return counted
        return max(planned_rows(self.object_list), counted)

    def page(self, number):
        # Paginator.validate_number, but for the last check, which needs the count.
        # DRF hands over the query string's text (or 1).
        try:
            number = int(number)
        except ValueError as error:
            raise PageNotAnInteger(self.error_messages["invalid_page"]) from error
        if number < 1:
            raise EmptyPage(self.error_messages["min_page"])
        bottom = (number - 1) * self.per_page
        rows = list(self.object_list[bottom : bottom + self.per_page + 1])
        followed = len(rows) > self.per_page
        del rows[self.per_page :]
        if not followed and (rows or number == 1):
            self.__dict__["count"] = bottom + len(rows)  # The cached_property's value.
        elif not rows and number > self.num_pages:
            raise EmptyPage(self.error_messages["no_results"])
        page = self._get_page(rows, number, self)
        #: Whether rows follow this page's: the next page holds something.
        page.followed = followed
        return page


class AdminPaginator(Paginator):
    """The admin's lists: page links need no exact count of a large table.

    An unfiltered list takes the table's estimate (pg_class.reltuples, kept fresh by
    autovacuum) when it is above the limit; a filtered one counts at most
    EXACT_COUNT_LIMIT + 1 rows.
    """

    @cached_property
    def count(self):
        if not self.object_list.query.where:
            estimate = table_estimate(self.object_list.model._meta.db_table)
            if estimate > EXACT_COUNT_LIMIT:
                return estimate
        return counted_up_to_the_limit(self.object_list)
