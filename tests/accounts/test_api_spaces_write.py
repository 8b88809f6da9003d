"""Writing through the spaces endpoints: creating (by an administrator or a secret key, in its
own environment only), updating and deleting a space with its workbooks, every change audited
and a change of nothing not. Who may call what: test_api_access.py; bad input:
test_api_bad_input.py."""

from accounts.models import Event, Space, Workbook
from tests.accounts.test_api_access import send


def test_create_a_space(world):
    response = send(
        world.client("pat"),
        "post",
        "/v1/spaces",
        {
            "environmentId": world.dev.id,
            "name": "  Onboarding  ",
            "metadata": {"team": "sales", "nested": {"a": [1, 2.5, None, True]}},
            "settings": {"guestsCanInvite": False, "sidebarConfig": {"showSidebar": True}},
            "guestAuthentication": ["shared_link"],  # the environment's, so ignored here
            "namespace": "ignored",
        },
    )
    assert response.status_code == 201
    data = response.json()["data"]
    space = Space.objects.get(pk=data["id"])
    assert space.environment == world.dev
    assert space.name == "Onboarding"
    assert space.metadata == {"team": "sales", "nested": {"a": [1, 2.5, None, True]}}
    assert space.guests_can_invite is False
    assert data["settings"] == {"guestsCanInvite": False}
    assert data["workbooksCount"] == 0
    assert data["guestAuthentication"] == ["magic_link"]
    assert data["accessToken"] is None  # only a publishable key's space comes with one
    event = Event.objects.get(topic="space:created", space_id=space.id)
    assert event.actor_id == world.admin.id
    assert event.environment_id == world.dev.id


def test_a_secret_key_creates_spaces_in_its_own_environment_only(world):
    client = world.client("secret key")
    created = send(client, "post", "/v1/spaces", {"environmentId": world.dev.id, "name": "A"})
    assert created.status_code == 201
    assert created.json()["data"]["accessToken"] is None
    event = Event.objects.get(topic="space:created", space_id=created.json()["data"]["id"])
    assert event.actor_id.startswith("us_key_")
    refused = send(client, "post", "/v1/spaces", {"environmentId": world.prod.id, "name": "B"})
    assert refused.status_code == 404


def test_update_a_space(world):
    client = world.client("pat")
    response = send(
        client,
        "patch",
        f"/v1/spaces/{world.space.id}",
        {"name": "Renamed", "metadata": {"k": "v"}, "settings": {"guestsCanInvite": False}},
    )
    assert response.status_code == 200
    data = response.json()["data"]
    assert (data["name"], data["metadata"], data["settings"]) == (
        "Renamed",
        {"k": "v"},
        {"guestsCanInvite": False},
    )
    assert data["workbooksCount"] == 1
    world.space.refresh_from_db()
    assert world.space.name == "Renamed" and world.space.guests_can_invite is False
    event = Event.objects.get(topic="space:updated", space_id=world.space.id)
    assert sorted(event.payload["changed"]) == ["guests_can_invite", "metadata", "name"]


def test_an_update_that_changes_nothing_records_nothing(world):
    events = Event.objects.count()
    for body in ({}, {"name": "Imports"}, {"settings": {}}, {"unknown": 1}):
        response = send(world.client("pat"), "patch", f"/v1/spaces/{world.space.id}", body)
        assert response.status_code == 200
        assert response.json()["data"]["name"] == "Imports"
    assert Event.objects.count() == events


def test_delete_a_space_with_its_workbooks(world):
    response = world.client("pat").delete(f"/v1/spaces/{world.space.id}")
    assert response.status_code == 200
    assert response.json() == {"data": {"success": True}}
    assert not Space.objects.filter(pk=world.space.pk).exists()
    assert not Workbook.objects.filter(pk=world.workbook.pk).exists()
    assert Event.objects.filter(topic="space:deleted", space_id=world.space.id).exists()
    assert world.client("pat").get(f"/v1/spaces/{world.space.id}").status_code == 404
