"""The one pagination of every list endpoint, in the contract's shape:
`{"data": [...], "pagination": {"currentPage", "pageCount", "totalCount"}}`, paged by the
`pageSize` and `pageNumber` (1-based) query parameters.

Out of range: a `pageSize` above MAX_PAGE_SIZE is clamped to it; a `pageSize` or
`pageNumber` that is not a whole number of at least 1 is a 400; a `pageNumber` past the last
page answers an empty page (with the real counts), so a script paging until it sees no
rows stops cleanly.

At size: a list that can grow without bound (the audit trail) sets `max_depth`, a page
starting deeper being a 400 that names the filter to walk further with, and
`estimates_total`: its `totalCount` is exact up to EXACT_COUNT_LIMIT rows and PostgreSQL's
estimate past it (count_of). Every other list counts exactly: an estimate below the real
number would leave the rows past it on pages no client asks for, with no cursor to reach
them."""

import json
import math

from django.db import connections
from rest_framework import exceptions
from rest_framework.pagination import BasePagination
from rest_framework.response import Response

DEFAULT_PAGE_SIZE = 100
MAX_PAGE_SIZE = 1000
# Counting stops here: counting a million rows (an index-only scan of every one) takes ten
# times longer than reading the page. Past it a total is the query planner's estimate.
EXACT_COUNT_LIMIT = 10_000


def count_of(queryset) -> int:
    """The number of rows: exact up to EXACT_COUNT_LIMIT; past it, on PostgreSQL, the
    planner's estimate of the rows (never below the limit); elsewhere (SQLite, a database
    on one machine) exact."""
    counted = queryset.order_by()[: EXACT_COUNT_LIMIT + 1].count()
    if counted <= EXACT_COUNT_LIMIT:
        return counted
    if connections[queryset.db].vendor != "postgresql":
        return queryset.count()
    (plan,) = json.loads(queryset.order_by().explain(format="json"))
    return max(round(plan["Plan"]["Plan Rows"]), counted)


def _positive_int(request, name: str, default: int) -> int:
    values = request.query_params.getlist(name)
    if not values:
        return default
    if len(values) > 1 or not values[0].isascii() or not values[0].isdigit():
        raise exceptions.ValidationError({name: "Must be a whole number of at least 1."})
    number = int(values[0])
    if number < 1:
        raise exceptions.ValidationError({name: "Must be a whole number of at least 1."})
    return number


class Pagination(BasePagination):
    """Counts once and slices once: two queries whatever the number of rows (a third, the
    estimate, past EXACT_COUNT_LIMIT rows of a list that estimates its total)."""

    # How many rows a page may skip (None: any), and what the 400 past it says.
    max_depth: int | None = None
    past_max_depth = ""
    # Whether a total past EXACT_COUNT_LIMIT is the planner's estimate (count_of).
    estimates_total = False

    def paginate_queryset(self, queryset, request, view=None, *, page_rows=None):
        """`page_rows`, if given, turns the page (the sliced queryset) into the rows to
        answer: for what is computed per row (a count), so that only the page's rows are,
        not every row an OFFSET skips."""
        self.page_size = min(_positive_int(request, "pageSize", DEFAULT_PAGE_SIZE), MAX_PAGE_SIZE)
        self.page_number = _positive_int(request, "pageNumber", 1)
        self.total_count = count_of(queryset) if self.estimates_total else queryset.count()
        start = (self.page_number - 1) * self.page_size
        if start >= self.total_count:
            return []
        if self.max_depth is not None and start >= self.max_depth:
            raise exceptions.ValidationError({"pageNumber": self.past_max_depth})
        page = queryset[start : start + self.page_size]
        return list(page_rows(page) if page_rows else page)

    def get_paginated_response(self, data):
        return Response(
            {
                "data": data,
                "pagination": {
                    "currentPage": self.page_number,
                    "pageCount": math.ceil(self.total_count / self.page_size),
                    "totalCount": self.total_count,
                },
            }
        )

    def get_paginated_response_schema(self, schema):
        return {
            "type": "object",
            "required": ["data", "pagination"],
            "properties": {
                "data": schema,
                "pagination": {
                    "type": "object",
                    "required": ["currentPage", "pageCount", "totalCount"],
                    "properties": {
                        "currentPage": {"type": "integer", "minimum": 1},
                        "pageCount": {"type": "integer", "minimum": 0},
                        "totalCount": {"type": "integer", "minimum": 0},
                    },
                },
            },
        }

    def get_schema_operation_parameters(self, view):
        return [
            {
                "name": "pageSize",
                "in": "query",
                "required": False,
                "description": f"Rows per page, {DEFAULT_PAGE_SIZE} by default; above "
                f"{MAX_PAGE_SIZE} it is clamped to {MAX_PAGE_SIZE}. Not a whole number of at "
                "least 1: 400.",
                "schema": {"type": "integer", "minimum": 1, "default": DEFAULT_PAGE_SIZE},
            },
            {
                "name": "pageNumber",
                "in": "query",
                "required": False,
                "description": "The page, from 1. Past the last page the page is empty. Not a "
                "whole number of at least 1: 400.",
                "schema": {"type": "integer", "minimum": 1, "default": 1},
            },
        ]
