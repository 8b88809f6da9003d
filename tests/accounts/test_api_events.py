"""The events endpoints (the audit trail): shapes, reach per kind of caller, every filter,
paging, bad input, and a query count that does not grow with the rows."""

from datetime import UTC, datetime, timedelta

import pytest
from rest_framework.test import APIClient

from accounts import selectors, services
from accounts.models import Event
from tests.factories import (
    ApiKeyFactory,
    EventFactory,
    PersonalAccessTokenFactory,
    SpaceFactory,
    administrator_of,
    development,
    production,
)
from tests.tokens.conftest import bearer, user_access_token
from tokens.models import ApiKey

T0 = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
EVENT_KEYS = {"id", "topic", "domain", "context", "payload", "createdAt"}


def errors(response) -> list[dict]:
    return response.json()["errors"]


def at(event: Event, moment: datetime) -> Event:
    """Pin an event's time (created_at is set on insert): "newest first" needs distinct ones."""
    Event.objects.filter(pk=event.pk).update(created_at=moment)
    event.refresh_from_db()
    return event


def ids(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [event["id"] for event in response.json()["data"]]


@pytest.fixture
def trail(account, admin_user):
    """A known trail, oldest to newest: account-wide, development (one in a space),
    production. Whatever signing up recorded is cleared first."""
    Event.objects.all().delete()
    dev, prod = development(account), production(account)
    space = SpaceFactory(environment=dev)
    made = [
        EventFactory(account=account, actor=admin_user, topic="administrator:invited"),
        EventFactory(account=account, actor=admin_user, topic="space:created",
                     environment_id=dev.id, space_id=space.id, payload={"name": space.name}),
        EventFactory(account=account, actor=admin_user, topic="secret:created",
                     environment_id=dev.id, payload={"name": "TOKEN"}),
        EventFactory(account=account, actor=None, topic="space:created",
                     environment_id=prod.id, space_id="us_sp_gone00000000"),
    ]  # fmt: skip
    return [at(event, T0 + timedelta(minutes=number)) for number, event in enumerate(made)]


@pytest.fixture
def pat_api(admin_user):
    return bearer(APIClient(), PersonalAccessTokenFactory(user=admin_user).raw)


@pytest.fixture
def secret_api(account):
    """Development's secret key. Rolling it records an event: made before the trail."""
    raw = ApiKeyFactory(environment=development(account), type=ApiKey.Type.SECRET).raw
    return bearer(APIClient(), raw)


# Reach -----------------------------------------------------------------------------------------


def test_an_administrator_reads_the_whole_accounts_trail_newest_first(pat_api, trail):
    response = pat_api.get("/v1/events")
    assert ids(response) == [event.id for event in reversed(trail)]
    assert response.json()["pagination"] == {"currentPage": 1, "pageCount": 1, "totalCount": 4}


def test_an_administrators_access_token_reads_it_too(admin_user, trail):
    api = bearer(APIClient(), user_access_token(admin_user)[0])
    assert len(ids(api.get("/v1/events"))) == 4


def test_a_secret_key_reads_its_own_environments_events_only(secret_api, trail):
    assert ids(secret_api.get("/v1/events")) == [trail[2].id, trail[1].id]
    assert secret_api.get(f"/v1/events/{trail[1].id}").status_code == 200
    for outside in (trail[0], trail[3]):  # account-wide, production
        response = secret_api.get(f"/v1/events/{outside.id}")
        assert response.status_code == 404
        assert errors(response) == [{"message": "Not found."}]


def test_a_secret_key_filtering_by_another_environment_finds_nothing(secret_api, account, trail):
    # The same as an unknown id: an empty page, never a 404 telling the two apart.
    assert ids(secret_api.get("/v1/events", {"environmentId": production(account).id})) == []
    assert ids(secret_api.get("/v1/events", {"environmentId": "us_env_000000000000"})) == []


@pytest.mark.parametrize("path", ["/v1/events", "/v1/events/{id}"])
def test_a_publishable_key_is_403_and_no_credential_401(account, trail, path):
    raw = ApiKeyFactory(environment=development(account), type=ApiKey.Type.PUBLISHABLE).raw
    refused = bearer(APIClient(), raw).get(path.format(id=trail[1].id))
    assert refused.status_code == 403
    assert refused["WWW-Authenticate"] == 'Bearer error="insufficient_scope"'
    assert APIClient().get(path.format(id=trail[1].id)).status_code == 401


def test_another_accounts_events_are_invisible_and_404(pat_api, trail, other_account):
    theirs = EventFactory(account=other_account, topic="space:created")
    assert theirs.id not in ids(pat_api.get("/v1/events"))
    assert theirs.id not in ids(pat_api.get("/v1/events", {"topic": "space:created"}))
    response = pat_api.get(f"/v1/events/{theirs.id}")
    unknown = pat_api.get("/v1/events/us_evt_000000000000")
    assert response.status_code == unknown.status_code == 404
    assert response.json() == unknown.json() == {"errors": [{"message": "Not found."}]}
    stranger = bearer(
        APIClient(), PersonalAccessTokenFactory(user=administrator_of(other_account)).raw
    )
    assert set(ids(stranger.get("/v1/events"))) >= {theirs.id}
    assert not set(ids(stranger.get("/v1/events"))) & {event.id for event in trail}


# Shape ------------------------------------------------------------------------------------------


def test_an_event_in_the_sdks_shape(pat_api, account, admin_user, trail):
    space_event = trail[1]
    response = pat_api.get(f"/v1/events/{space_event.id}")
    assert response.status_code == 200
    assert response.json() == {
        "data": {
            "id": space_event.id,
            "topic": "space:created",
            "domain": "space",
            "context": {
                "accountId": account.id,
                "environmentId": development(account).id,
                "spaceId": space_event.space_id,
                "actorId": admin_user.id,
            },
            "payload": {"name": space_event.payload["name"]},
            "createdAt": "2024-05-01T12:01:00.000Z",
        }
    }


def test_what_an_event_lacks_is_null(pat_api, account, trail):
    account_wide, *_, by_nobody = pat_api.get("/v1/events?pageSize=4").json()["data"][::-1]
    assert set(account_wide) == EVENT_KEYS
    assert account_wide["context"] == {
        "accountId": account.id,
        "environmentId": None,
        "spaceId": None,
        "actorId": account_wide["context"]["actorId"],
    }
    assert by_nobody["context"]["actorId"] is None


def test_a_payload_is_always_an_object(pat_api, account):
    event = EventFactory(account=account, topic="legacy:thing")
    Event.objects.filter(pk=event.pk).update(payload=["old", "shape"])
    assert pat_api.get(f"/v1/events/{event.id}").json()["data"]["payload"] == {
        "value": ["old", "shape"]
    }


def test_real_changes_are_read_back(pat_api, account, admin_user):
    space = services.space_create(environment=development(account), actor=admin_user, name="Q3")
    (event,) = pat_api.get("/v1/events", {"topic": "space:created", "spaceId": space.id}).json()[
        "data"
    ]
    assert event["payload"] == {"name": "Q3"}
    assert event["context"]["environmentId"] == development(account).id


# Filters ------------------------------------------------------------------------------------------


def test_filters_one_by_one_and_together(pat_api, account, trail):
    dev, prod = development(account), production(account)

    def found(**query):
        return ids(pat_api.get("/v1/events", query))

    assert found(environmentId=dev.id) == [trail[2].id, trail[1].id]
    assert found(environmentId=prod.id) == [trail[3].id]
    assert found(spaceId=trail[1].space_id) == [trail[1].id]
    assert found(domain="space") == [trail[3].id, trail[1].id]
    assert found(domain="administrator") == [trail[0].id]
    assert found(topic="secret:created") == [trail[2].id]
    assert found(topic="space") == []  # a topic is matched whole
    assert found(domain="space", environmentId=dev.id) == [trail[1].id]
    assert found(topic="space:created", spaceId=trail[3].space_id) == [trail[3].id]


@pytest.mark.parametrize(
    ("since", "count"),
    [
        ("2024-05-01T12:02:00Z", 2),  # at or after
        ("2024-05-01T12:02:00.001Z", 1),
        ("2024-05-01T14:01:00+02:00", 3),  # an offset is honoured
        ("2024-05-01T12:01:00", 3),  # no offset: UTC
        ("2024-05-01", 4),  # a date: its midnight, UTC
        ("2024-05-02T00:00:00Z", 0),
    ],
)
def test_since(pat_api, trail, since, count):
    assert len(ids(pat_api.get("/v1/events", {"since": since}))) == count


def test_since_as_the_sdk_sends_it(pat_api, trail):
    # new Date(...).toISOString(), with the + of an offset percent-encoded.
    assert len(ids(pat_api.get("/v1/events?since=2024-05-01T12:03:00.000Z"))) == 1
    assert len(ids(pat_api.get("/v1/events?since=2024-05-01T13:03:00%2B01:00"))) == 1


def test_a_deleted_environments_events_can_still_be_found(pat_api, account, admin_user, trail):
    staging = services.environment_create(account=account, actor=admin_user, name="staging")
    staging_id = staging.id  # delete() forgets it
    services.environment_delete(environment=staging, actor=admin_user)
    found = pat_api.get("/v1/events", {"environmentId": staging_id}).json()["data"]
    topics = [event["topic"] for event in found]
    assert topics[0] == "environment:deleted" and "environment:created" in topics


@pytest.mark.parametrize(
    ("query", "key"),
    [
        ("since=yesterday", "since"),
        ("since=2024-13-01T00:00:00Z", "since"),
        ("since=2024-05-01T25:00:00Z", "since"),
        ("since=%00", "since"),
        ("since=2024-05-01T00:00:00Z%00", "since"),
        ("since=" + "2" * 5000, "since"),
        ("since=9999-12-31T23:59:59-12:00", "since"),  # past the last moment there is
        ("since=a&since=b", "since"),
        ("environmentId=" + "a" * 41, "environmentId"),
        ("environmentId=us_env_%00", "environmentId"),
        ("spaceId=" + "a" * 41, "spaceId"),
        ("spaceId=a%00", "spaceId"),
        ("domain=" + "a" * 51, "domain"),
        ("domain=%00", "domain"),
        ("domain=a&domain=b", "domain"),
        ("topic=" + "a" * 101, "topic"),
        ("topic=space%00created", "topic"),
        ("pageSize=0", "pageSize"),
        ("pageSize=-1", "pageSize"),
        ("pageNumber=1.5", "pageNumber"),
        ("pageNumber=%EF%BC%91", "pageNumber"),  # a full-width digit one
    ],
)
def test_bad_parameters_are_400_with_the_parameters_name(pat_api, query, key):
    response = pat_api.get(f"/v1/events?{query}")
    assert response.status_code == 400
    assert errors(response)[0]["key"] == key


@pytest.mark.parametrize("name", ["environmentId", "spaceId", "domain", "topic", "since"])
def test_a_filter_given_empty_is_refused_rather_than_matching_all(pat_api, trail, name):
    # The schema says each filter has a value; an empty one would otherwise quietly match all.
    response = pat_api.get(f"/v1/events?{name}=")
    assert response.status_code == 400
    assert response.json()["errors"] == [
        {"key": name, "message": "Give this query parameter a value, or leave it out."}
    ]


def test_a_lone_surrogate_in_a_filter_matches_nothing(pat_api, trail):
    # Query strings are decoded with replacement characters: no lone surrogate reaches us.
    response = pat_api.get("/v1/events", QUERY_STRING="topic=%ED%A0%80")
    assert ids(response) == []


def test_unknown_parameters_are_ignored(pat_api, trail):
    # The SDK sends includeAcknowledged; the portal acknowledges nothing.
    assert len(ids(pat_api.get("/v1/events?includeAcknowledged=true&other=1"))) == 4


# Paging and queries -------------------------------------------------------------------------


def test_paging_newest_first(pat_api, account, trail):
    for number in range(8):
        at(EventFactory(account=account, topic="space:updated"), T0 + timedelta(hours=1 + number))
    everything = ids(pat_api.get("/v1/events"))
    assert len(everything) == 12
    second = pat_api.get("/v1/events", {"pageSize": 5, "pageNumber": 2})
    assert ids(second) == everything[5:10]
    assert second.json()["pagination"] == {"currentPage": 2, "pageCount": 3, "totalCount": 12}
    assert ids(pat_api.get("/v1/events?pageSize=5&pageNumber=4")) == []
    updated = pat_api.get("/v1/events", {"topic": "space:updated", "pageSize": 3})
    assert updated.json()["pagination"] == {"currentPage": 1, "pageCount": 3, "totalCount": 8}


@pytest.mark.parametrize("rows", [1, 12])
@pytest.mark.parametrize("caller", ["pat", "secret key"])
def test_list_query_count_is_pinned_and_flat(
    account, admin_user, django_assert_num_queries, rows, caller
):
    if caller == "pat":
        api = bearer(APIClient(), PersonalAccessTokenFactory(user=admin_user).raw)
    else:
        api = bearer(APIClient(), ApiKeyFactory(environment=development(account)).raw)
    Event.objects.all().delete()
    for _ in range(rows):
        EventFactory(account=account, topic="space:updated", environment_id=development(account).id)
    api.get("/v1/events")  # a first use records the credential's last use
    # The credential's lookup, the count, the page.
    with django_assert_num_queries(3):
        response = api.get(
            "/v1/events", {"topic": "space:updated", "since": "2024-01-01T00:00:00Z"}
        )
    assert len(response.json()["data"]) == rows


def test_the_endpoint_and_the_logs_page_share_the_selector(
    pat_api, admin_client, account, trail, monkeypatch
):
    calls = []
    real = selectors.events_filtered

    def spy(**filters):
        calls.append(filters)
        return real(**filters)

    monkeypatch.setattr(selectors, "events_filtered", spy)
    assert ids(pat_api.get("/v1/events", {"topic": "secret:created"})) == [trail[2].id]
    assert admin_client.get("/logs/", {"topic": "secret:created"}).status_code == 200
    assert [call["topic"] for call in calls] == ["secret:created", "secret:created"]
