"""The environments endpoints: shape, paging, create/update/delete through the services
(audited), deletion refused while spaces remain, and flat query counts. Who may call what:
test_api_access.py; bad input: test_api_bad_input.py."""

import pytest

from accounts.models import Environment, Event
from tests.accounts.test_api_access import send
from tokens.models import ApiKey

ENVIRONMENT_KEYS = {
    "id",
    "accountId",
    "name",
    "isProd",
    "guestAuthentication",
    "features",
    "metadata",
    "namespaces",
}


def test_environments_in_the_contracts_shape_and_paged(world):
    body = world.client("pat").get("/v1/environments").json()
    assert [environment["name"] for environment in body["data"]] == [
        "development",
        "production",
        "staging",
    ]
    assert body["pagination"] == {"currentPage": 1, "pageCount": 1, "totalCount": 3}
    development = body["data"][0]
    assert set(development) == ENVIRONMENT_KEYS
    assert development["id"] == world.dev.id
    assert development["accountId"] == world.account.id
    assert development["isProd"] is False and body["data"][1]["isProd"] is True
    assert development["guestAuthentication"] == ["magic_link"]
    page = world.client("pat").get("/v1/environments?pageSize=2&pageNumber=2").json()
    assert [environment["name"] for environment in page["data"]] == ["staging"]
    assert page["pagination"] == {"currentPage": 2, "pageCount": 2, "totalCount": 3}


def test_a_secret_key_lists_its_own_environment(world):
    data = world.client("secret key").get("/v1/environments").json()["data"]
    assert [environment["id"] for environment in data] == [world.dev.id]


def test_get_an_environment(world):
    response = world.client("access token").get(f"/v1/environments/{world.prod.id}")
    assert response.status_code == 200
    assert response.json()["data"]["name"] == "production"


def test_create_an_environment(world):
    body = {
        "name": " qa ",
        "isProd": True,
        "guestAuthentication": ["shared_link", "magic_link", "shared_link"],
        "metadata": {"region": "eu"},
        "namespaces": ["default"],  # the SDK's; not kept
    }
    response = send(world.client("pat"), "post", "/v1/environments", body)
    assert response.status_code == 201
    data = response.json()["data"]
    assert set(data) == ENVIRONMENT_KEYS
    environment = Environment.objects.get(pk=data["id"])
    assert environment.account == world.account
    assert (environment.name, environment.is_prod) == ("qa", True)
    assert environment.guest_authentication == ["magic_link", "shared_link"]
    assert environment.metadata == {"region": "eu"}
    # Born with its keys, like every environment.
    assert set(environment.api_keys.values_list("type", flat=True)) == set(ApiKey.Type.values)
    event = Event.objects.get(topic="environment:created", environment_id=environment.id)
    assert event.actor_id == world.admin.id


def test_create_defaults(world):
    response = send(world.client("pat"), "post", "/v1/environments", {"name": "qa"})
    data = response.json()["data"]
    assert (data["isProd"], data["guestAuthentication"], data["metadata"]) == (
        False,
        ["magic_link"],
        {},
    )


def test_a_duplicate_name_is_refused_naming_the_field(world):
    response = send(world.client("pat"), "post", "/v1/environments", {"name": "Development"})
    assert response.status_code == 400
    assert response.json()["errors"] == [
        {"key": "name", "message": "An environment with this name already exists in this account."}
    ]
    assert world.account.environments.count() == 3


def test_update_answers_the_environment_itself(world):
    """The SDK's environments.update returns an Environment, not {data: Environment}."""
    response = send(
        world.client("pat"),
        "patch",
        f"/v1/environments/{world.dev.id}",
        {"name": "dev", "isProd": True, "guestAuthentication": ["shared_link"], "metadata": {}},
    )
    assert response.status_code == 200
    data = response.json()
    assert set(data) == ENVIRONMENT_KEYS
    assert (data["name"], data["isProd"], data["guestAuthentication"]) == (
        "dev",
        True,
        ["shared_link"],
    )
    world.dev.refresh_from_db()
    assert (world.dev.name, world.dev.is_prod) == ("dev", True)
    event = Event.objects.get(topic="environment:updated", environment_id=world.dev.id)
    assert event.payload["changed"] == ["guest_authentication", "is_prod", "name"]


def test_a_secret_key_updates_its_own_environment(world):
    response = send(
        world.client("secret key"), "patch", f"/v1/environments/{world.dev.id}", {"name": "dev"}
    )
    assert response.status_code == 200
    event = Event.objects.get(topic="environment:updated", environment_id=world.dev.id)
    assert event.actor_id.startswith("us_key_")


def test_an_update_that_changes_nothing_records_nothing(world):
    events = Event.objects.count()
    for body in ({}, {"name": "development"}, {"isProd": False}, {"unknown": True}):
        response = send(world.client("pat"), "patch", f"/v1/environments/{world.dev.id}", body)
        assert response.status_code == 200
    assert Event.objects.count() == events


def test_renaming_onto_another_environments_name_is_refused(world):
    response = send(
        world.client("pat"), "patch", f"/v1/environments/{world.dev.id}", {"name": "PRODUCTION"}
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["key"] == "name"


def test_delete_an_environment_with_its_keys(world):
    response = world.client("pat").delete(f"/v1/environments/{world.empty.id}")
    assert response.status_code == 200
    assert response.json() == {"data": {"success": True}}
    assert not Environment.objects.filter(pk=world.empty.pk).exists()
    assert Event.objects.filter(topic="environment:deleted", environment_id=world.empty.id).exists()


def test_an_environment_with_spaces_is_not_deleted_and_says_why(world):
    """400, as the SDK's environments.delete declares (BadRequestError), with the reason."""
    events = Event.objects.count()
    response = world.client("pat").delete(f"/v1/environments/{world.dev.id}")
    assert response.status_code == 400
    assert response.json() == {
        "errors": [{"message": "“development” still has 2 spaces: delete them first."}]
    }
    assert Environment.objects.filter(pk=world.dev.pk).exists()
    assert Event.objects.count() == events
    # Once the spaces are gone, it goes.
    for space in (world.space, world.sibling_space):
        assert world.client("pat").delete(f"/v1/spaces/{space.id}").status_code == 200
    assert world.client("pat").delete(f"/v1/environments/{world.dev.id}").status_code == 200


@pytest.mark.parametrize("caller", ["pat", "access token"])
def test_listing_environments_takes_the_same_queries_for_1_or_12_rows(
    world, django_assert_num_queries, caller
):
    client = world.client(caller)
    world.prod_space.delete()
    Environment.objects.filter(account=world.account).exclude(pk=world.dev.pk).delete()
    client.get("/v1/environments")  # the credential's first use, recorded once a minute
    # Verify the credential, count the page, read its rows.
    with django_assert_num_queries(3):
        response = client.get("/v1/environments")
    assert len(response.json()["data"]) == 1
    for number in range(11):
        Environment.objects.create(account=world.account, name=f"env {number}")
    with django_assert_num_queries(3):
        response = client.get("/v1/environments")
    assert len(response.json()["data"]) == 12


def test_a_secret_keys_environment_list_takes_three_queries(world, django_assert_num_queries):
    client = world.client("secret key")
    client.get("/v1/environments")
    with django_assert_num_queries(3):  # its one environment, however many the account has
        assert len(client.get("/v1/environments").json()["data"]) == 1
