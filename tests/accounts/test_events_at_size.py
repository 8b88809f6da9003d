"""The audit trail at size: pages reach EVENTS_MAX_DEPTH events deep by number (a clear 400
past them on the API, the deepest page on the Logs page), `before` walks on from any event,
and the topic filter comes from the code (accounts.audit.TOPICS), not from the trail."""

import ast
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from rest_framework.test import APIClient

from accounts.api.events import EventPagination
from accounts.audit import TOPICS
from accounts.models import Event
from accounts.views.logs import EVENTS_PER_PAGE, EventPaginator
from tests.factories import EventFactory, PersonalAccessTokenFactory, make_account
from tests.tokens.conftest import bearer

T0 = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
PROJECT = Path(__file__).resolve().parents[2]


@pytest.fixture
def pat_api(admin_user):
    return bearer(APIClient(), PersonalAccessTokenFactory(user=admin_user).raw)


@pytest.fixture
def twelve(account):
    """Twelve events, the newest first, two of them at the same moment (the order is then
    by id, descending): only these in the trail."""
    Event.objects.all().delete()
    for number in range(12):
        event = EventFactory(account=account, topic="space:updated")
        moment = T0 + timedelta(minutes=min(number, 10))  # the two newest share a moment
        Event.objects.filter(pk=event.pk).update(created_at=moment)
    return list(Event.objects.filter(account=account).values_list("id", flat=True))


def ids(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [event["id"] for event in response.json()["data"]]


# GET /v1/events -----------------------------------------------------------------------------


def test_a_page_past_the_deepest_is_a_400_naming_before(pat_api, twelve, monkeypatch):
    monkeypatch.setattr(EventPagination, "max_depth", 5)
    assert ids(pat_api.get("/v1/events?pageSize=5&pageNumber=1")) == twelve[:5]
    response = pat_api.get("/v1/events?pageSize=5&pageNumber=2")  # skips 5: too deep
    assert response.status_code == 400
    (error,) = response.json()["errors"]
    assert error["key"] == "pageNumber" and "before=" in error["message"]
    # Past the last page it is still the empty page, with the counts.
    past = pat_api.get("/v1/events?pageSize=5&pageNumber=9")
    assert ids(past) == [] and past.json()["pagination"]["totalCount"] == 12


def test_before_walks_on_from_any_event_ties_included(pat_api, twelve):
    walked, before = [], ""
    while True:
        found = ids(
            pat_api.get(
                f"/v1/events?pageSize=5&before={before}" if before else "/v1/events?pageSize=5"
            )
        )
        if not found:
            break
        walked += found
        before = found[-1]
    assert walked == twelve
    # The newest two share a moment: after the first, only the second (smaller id) is older
    # at that moment.
    assert ids(pat_api.get(f"/v1/events?before={twelve[0]}"))[0] == twelve[1]


def test_before_with_the_other_filters_and_the_counts(pat_api, twelve):
    response = pat_api.get(f"/v1/events?before={twelve[3]}&topic=space:updated&pageSize=4")
    assert ids(response) == twelve[4:8]
    assert response.json()["pagination"] == {"currentPage": 1, "pageCount": 2, "totalCount": 8}


def test_before_an_unknown_or_unreachable_event_matches_nothing(pat_api, twelve):
    theirs = EventFactory(account=make_account(name="Globex"), topic="space:updated")
    Event.objects.filter(pk=theirs.pk).update(created_at=T0 + timedelta(days=1))
    # Another account's event is not a cursor into this trail: it would tell its moment.
    assert ids(pat_api.get(f"/v1/events?before={theirs.id}")) == []
    assert ids(pat_api.get("/v1/events?before=us_evt_000000000000")) == []


def test_before_must_look_like_an_id(pat_api, twelve):
    response = pat_api.get("/v1/events?before=nope%00")
    assert response.status_code == 400
    assert [error["key"] for error in response.json()["errors"]] == ["before"]


def test_the_list_still_takes_three_queries_with_before(pat_api, twelve, django_assert_num_queries):
    pat_api.get("/v1/events")  # the credential's first use
    # The credential's lookup, the count, the page (the cursor is a subquery of both).
    with django_assert_num_queries(3):
        assert len(ids(pat_api.get(f"/v1/events?before={twelve[5]}"))) == 6


# The Logs page ------------------------------------------------------------------------------


def test_the_logs_page_stops_at_the_deepest_page_and_pages_on_with_before(
    admin_client, account, monkeypatch
):
    Event.objects.all().delete()
    for number in range(EVENTS_PER_PAGE * 3):
        event = EventFactory(account=account, topic="space:updated")
        Event.objects.filter(pk=event.pk).update(created_at=T0 + timedelta(minutes=number))
    newest_first = list(Event.objects.values_list("id", flat=True))
    monkeypatch.setattr("accounts.selectors.EVENTS_MAX_DEPTH", EVENTS_PER_PAGE * 2)
    page = admin_client.get("/logs/?page=2").content.decode()
    assert "Page 2 of 3" in page
    last_on_page = newest_first[EVENTS_PER_PAGE * 2 - 1]
    assert f'href="?before={last_on_page}">Older' in page
    # Asked for a deeper page, the page shows the deepest.
    assert "Page 2 of 3" in admin_client.get("/logs/?page=3").content.decode()
    older = admin_client.get(f"/logs/?before={last_on_page}").content.decode()
    assert "<code>space:updated</code>" in older and "Page 1 of 1" in older


def test_the_paginator_counts_and_reads_like_the_api(account):
    events = Event.objects.filter(account=account)
    paginator = EventPaginator(events, 2)
    assert paginator.count == events.count()
    assert [event.id for event in paginator.page(1)] == list(
        events.values_list("id", flat=True)[:2]
    )


def test_the_topic_filter_offers_every_topic_of_the_code(admin_client, account):
    Event.objects.all().delete()
    page = admin_client.get("/logs/").content.decode()
    offered = re.findall(r'<option value="([a-z-]+:[a-z-]+)"', page)
    assert offered == list(TOPICS)


# The topics ---------------------------------------------------------------------------------


def _recorded_topics() -> set[str]:
    """Every topic a record_event (or record_guest_event) call in the apps' code names: the
    string constants of its first argument (`"a" if created else "b"` names two)."""
    found = set()
    for app in ("accounts", "tokens", "guests", "portal"):
        for path in (PROJECT / app).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text())):
                if (
                    isinstance(node, ast.Call)
                    and getattr(node.func, "id", "") in {"record_event", "record_guest_event"}
                    and node.args
                ):
                    found |= {
                        constant.value
                        for constant in ast.walk(node.args[0])
                        if isinstance(constant, ast.Constant) and isinstance(constant.value, str)
                    }
    return found


def test_topics_are_every_topic_the_code_records_and_no_other():
    assert set(TOPICS) == _recorded_topics()
    assert list(TOPICS) == sorted(set(TOPICS))
