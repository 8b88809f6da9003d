"""GET/PATCH /v1/accounts/current: the caller's account, renamed or given metadata through
accounts.services.account_update (audited). Who may call what: test_api_access.py; bad
input: test_api_bad_input.py."""

import pytest
from django.core.exceptions import ValidationError

from accounts import services
from accounts.models import Event
from tests.accounts.test_api_access import send


def test_the_current_account_in_the_contracts_shape(world):
    for caller in ("pat", "access token", "secret key"):
        data = world.client(caller).get("/v1/accounts/current").json()["data"]
        assert set(data) == {
            "id",
            "name",
            "metadata",
            "tokenMaxLifetimeDays",
            "createdAt",
            "updatedAt",
        }
        assert (data["id"], data["name"], data["metadata"]) == (world.account.id, "Acme", {})
        assert data["createdAt"].endswith("Z")
    theirs = world.client("another account's secret key").get("/v1/accounts/current").json()
    assert theirs["data"]["id"] == world.other.id


def test_rename_the_account_and_set_its_metadata(world):
    body = {"name": "  Acme Ltd ", "metadata": {"plan": "team"}, "defaultAppId": "us_app_x"}
    response = send(world.client("pat"), "patch", "/v1/accounts/current", body)
    assert response.status_code == 200
    data = response.json()["data"]
    assert (data["name"], data["metadata"]) == ("Acme Ltd", {"plan": "team"})
    world.account.refresh_from_db()
    assert (world.account.name, world.account.metadata) == ("Acme Ltd", {"plan": "team"})
    event = Event.objects.get(topic="account:updated")
    assert event.account == world.account
    assert event.actor_id == world.admin.id
    assert event.payload == {"changed": ["metadata", "name"]}
    # The other account is untouched.
    world.other.refresh_from_db()
    assert world.other.name == "Globex"


def test_what_is_not_sent_stays(world):
    send(world.client("pat"), "patch", "/v1/accounts/current", {"metadata": {"a": 1}})
    send(world.client("pat"), "patch", "/v1/accounts/current", {"name": "Acme 2"})
    world.account.refresh_from_db()
    assert (world.account.name, world.account.metadata) == ("Acme 2", {"a": 1})


def test_an_update_that_changes_nothing_records_nothing(world):
    events = Event.objects.count()
    for body in ({}, {"name": "Acme"}, {"metadata": {}}):
        response = send(world.client("access token"), "patch", "/v1/accounts/current", body)
        assert response.status_code == 200
    assert Event.objects.count() == events


def test_the_service_refuses_what_no_account_may_be_called(world):
    with pytest.raises(ValidationError):
        services.account_update(account=world.account, actor=world.admin, name="   ")
    with pytest.raises(ValidationError):
        services.account_update(account=world.account, actor=world.admin, metadata=["a"])
    world.account.refresh_from_db()
    assert world.account.name == "Acme"


def test_reading_the_account_takes_two_queries(world, django_assert_num_queries):
    client = world.client("pat")
    client.get("/v1/accounts/current")
    with django_assert_num_queries(2):  # verify the PAT, the account's fields
        client.get("/v1/accounts/current")
