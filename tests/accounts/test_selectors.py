"""accounts.selectors: the filtered event log, which the Logs page and GET /v1/events share."""

from datetime import UTC, datetime, timedelta

import pytest

from accounts import selectors, services
from accounts.access import Reach
from accounts.models import Event
from accounts.selectors import events_filtered
from tests.factories import EventFactory, development, production

T0 = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def trail(account, other_account):
    """Oldest to newest: account-wide, development in a space, development, production, and
    one of another account. What signing up recorded is cleared first."""
    Event.objects.all().delete()
    dev, prod = development(account), production(account)
    made = [
        EventFactory(account=account, topic="account:updated"),
        EventFactory(account=account, topic="space:created", environment_id=dev.id,
                     space_id="us_sp_aaaaaaaaaaaa"),
        EventFactory(account=account, topic="secret:created", environment_id=dev.id),
        EventFactory(account=account, topic="space:created", environment_id=prod.id,
                     space_id="us_sp_bbbbbbbbbbbb"),
        EventFactory(account=other_account, topic="space:created",
                     environment_id=development(other_account).id),
    ]  # fmt: skip
    for number, event in enumerate(made):
        Event.objects.filter(pk=event.pk).update(created_at=T0 + timedelta(minutes=number))
    return made


def positions(trail, queryset) -> list[int]:
    """The trail's positions of the events found, in the order found."""
    order = [event.pk for event in trail]
    return [order.index(pk) for pk in queryset.values_list("pk", flat=True)]


def test_without_filters_the_whole_account_newest_first(account, trail):
    assert positions(trail, events_filtered(reach=Reach(account=account))) == [3, 2, 1, 0]


def test_within_an_environment_is_that_environment_only(account, trail):
    events = events_filtered(reach=Reach(account=account, environment=development(account)))
    assert positions(trail, events) == [2, 1]


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"environment_id": "dev"}, [2, 1]),
        ({"environment_id": "prod"}, [3]),
        ({"environment_id": "us_env_unknown00000"}, []),
        ({"space_id": "us_sp_aaaaaaaaaaaa"}, [1]),
        ({"domain": "space"}, [3, 1]),
        ({"domain": "spac"}, []),
        ({"topic": "secret:created"}, [2]),
        ({"topic": "space"}, []),
        ({"since": T0 + timedelta(minutes=2)}, [3, 2]),  # at or after
        ({"since": T0 + timedelta(minutes=2, microseconds=1)}, [3]),
        ({"domain": "space", "environment_id": "dev"}, [1]),
        ({"topic": "space:created", "since": T0 + timedelta(minutes=2)}, [3]),
        # None and empty are "not filtered" (the Logs page's form gives "" for "all").
        ({"environment_id": "", "space_id": None, "domain": "", "topic": None}, [3, 2, 1, 0]),
    ],
)
def test_each_filter_and_together(account, trail, filters, expected):
    names = {"dev": development(account).id, "prod": production(account).id}
    if "environment_id" in filters:
        filters["environment_id"] = names.get(filters["environment_id"], filters["environment_id"])
    assert positions(trail, events_filtered(reach=Reach(account=account), **filters)) == expected


def test_a_filter_outside_the_reach_finds_nothing(account, other_account, trail):
    dev = development(account)
    assert not events_filtered(
        reach=Reach(account=account, environment=dev), environment_id=production(account).id
    ).exists()
    # Another account's environment, by id, from this account: nothing.
    assert not events_filtered(
        reach=Reach(account=account), environment_id=development(other_account).id
    ).exists()


def test_a_deleted_environments_events_are_found_by_its_id(account, admin_user, trail):
    staging = services.environment_create(account=account, actor=admin_user, name="staging")
    staging_id = staging.id
    services.environment_delete(environment=staging, actor=admin_user)
    topics = list(
        events_filtered(reach=Reach(account=account), environment_id=staging_id).values_list(
            "topic", flat=True
        )
    )
    assert topics[0] == "environment:deleted" and "environment:created" in topics


def test_the_logs_page_filters_through_it(admin_client, account, trail, monkeypatch):
    calls = []
    real = selectors.events_filtered

    def spy(**filters):
        calls.append(filters)
        return real(**filters)

    monkeypatch.setattr(selectors, "events_filtered", spy)
    dev = development(account)
    response = admin_client.get("/logs/", {"environment": dev.id, "topic": "secret:created"})
    assert response.status_code == 200
    assert [call.pop("reach").account for call in calls] == [account]
    assert calls == [{"environment_id": dev.id, "topic": "secret:created", "before": ""}]
