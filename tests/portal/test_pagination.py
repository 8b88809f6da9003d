"""The one pagination: the contract's shape, 1-based pages, out-of-range values clamped or
refused as its schema says, and two queries whatever the number of rows."""

import pytest
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from accounts.models import Event
from portal.pagination import MAX_PAGE_SIZE, Pagination
from tests.factories import make_account

pytestmark = pytest.mark.django_db


def page(query: str, queryset):
    pagination = Pagination()
    request = Request(APIRequestFactory().get("/v1/events" + query))
    rows = pagination.paginate_queryset(queryset, request)
    return rows, pagination.get_paginated_response([row.id for row in rows]).data


@pytest.fixture
def events():
    account = make_account()  # records a handful of events
    return Event.objects.filter(account=account).order_by("created_at", "id")


def test_pages_in_the_contracts_shape(events):
    total = events.count()
    rows, body = page("?pageSize=2&pageNumber=2", events)
    assert [row.id for row in rows] == [event.id for event in events[2:4]]
    assert body["data"] == [row.id for row in rows]
    assert body["pagination"] == {
        "currentPage": 2,
        "pageCount": -(-total // 2),
        "totalCount": total,
    }


def test_without_parameters_the_first_page_of_a_hundred(events):
    rows, body = page("", events)
    assert len(rows) == events.count() <= 100
    assert body["pagination"]["currentPage"] == 1


def test_past_the_last_page_is_an_empty_page_with_the_real_counts(events):
    rows, body = page("?pageSize=2&pageNumber=999", events)
    assert rows == []
    assert body["pagination"]["totalCount"] == events.count()


def test_a_page_size_above_the_maximum_is_clamped(events):
    pagination = Pagination()
    pagination.paginate_queryset(events, Request(APIRequestFactory().get("/?pageSize=999999")))
    assert pagination.page_size == MAX_PAGE_SIZE


@pytest.mark.parametrize(
    "query",
    [
        "?pageSize=0",
        "?pageNumber=0",
        "?pageSize=-1",
        "?pageSize=abc",
        "?pageNumber=1.5",
        "?pageNumber=%EF%BC%91",
        "?pageSize=1&pageSize=2",
        "?pageNumber=1e3",
    ],
)
def test_a_value_that_is_not_a_whole_number_of_at_least_one_is_refused(events, query):
    from rest_framework.exceptions import ValidationError

    with pytest.raises(ValidationError):
        page(query, events)


def test_two_queries_whatever_the_number_of_rows(events, django_assert_num_queries):
    with django_assert_num_queries(2):
        page("?pageSize=3", events)


def test_a_total_is_counted_exactly_unless_the_list_estimates_it(events, monkeypatch):
    """Past EXACT_COUNT_LIMIT, only a list that sets estimates_total (the audit trail, whose
    `before` reaches what a low estimate would leave out) answers PostgreSQL's estimate;
    every other list counts, so that each of its rows is on a page a client asks for."""
    monkeypatch.setattr("portal.pagination.EXACT_COUNT_LIMIT", 1)
    total = events.count()
    _, answer = page("?pageSize=1", events.filter(topic__contains=":"))
    assert answer["pagination"]["totalCount"] == total
    rows, answer = page(f"?pageSize=1&pageNumber={total}", events.filter(topic__contains=":"))
    assert len(rows) == 1 and answer["pagination"]["pageCount"] == total

    class Estimating(Pagination):
        estimates_total = True

    counted = []
    monkeypatch.setattr("portal.pagination.count_of", lambda queryset: counted.append(1) or 7)
    Estimating().paginate_queryset(events, Request(APIRequestFactory().get("/v1/events")))
    assert counted == [1]
