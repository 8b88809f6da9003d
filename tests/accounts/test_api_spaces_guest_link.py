"""The guest link of a space, which administrators alone are shown while the space's shared
link works, and the workbooks a guest counts: those granted to them."""

from datetime import timedelta

import pytest
from django.utils import timezone

from guests import services as guest_services
from guests.models import SharedLink
from tests.accounts.spaces_api_helpers import (
    ADMINISTRATOR_CALLERS,
    allow_shared_links,
    create_with_publishable_key,
    guest_client,
    shared_link,
)
from tests.accounts.test_api_access import send
from tests.factories import WorkbookFactory
from tests.guests.conftest import make_guest
from tokens.models import ApiKey


def guest_links_listed(client) -> dict:
    return {space["id"]: space["guestLink"] for space in client.get("/v1/spaces").json()["data"]}


@pytest.mark.parametrize("caller", ADMINISTRATOR_CALLERS)
def test_administrators_are_shown_the_shared_link_of_a_space(world, settings, caller):
    allow_shared_links(world.dev)
    url = shared_link(world, world.space)
    assert url.startswith(settings.SITE_URL + "/")
    client = world.client(caller)
    assert client.get(f"/v1/spaces/{world.space.id}").json()["data"]["guestLink"] == url
    listed = guest_links_listed(client)
    assert listed[world.space.id] == url
    assert listed[world.sibling_space.id] is None  # no link made for it
    updated = send(client, "patch", f"/v1/spaces/{world.space.id}", {"name": "Renamed"})
    assert updated.json()["data"]["guestLink"] == url
    # Regenerated: the new link, never the old one.
    new_url = shared_link(world, world.space)
    assert new_url != url
    assert client.get(f"/v1/spaces/{world.space.id}").json()["data"]["guestLink"] == new_url


def test_a_shared_link_that_expires_later_is_shown(world):
    allow_shared_links(world.dev)
    url = shared_link(world, world.space, expires_at=timezone.now() + timedelta(hours=1))
    assert (
        world.client("pat").get(f"/v1/spaces/{world.space.id}").json()["data"]["guestLink"] == url
    )


def disable(world):
    guest_services.shared_link_disable(space=world.space, actor=world.admin)


def expire(world):
    SharedLink.objects.filter(space=world.space).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )


def disallow(world):
    allow_shared_links(world.dev, allowed=False)


@pytest.mark.parametrize("stop", [disable, expire, disallow])
@pytest.mark.parametrize("caller", ADMINISTRATOR_CALLERS)
def test_no_guest_link_once_the_shared_link_stops_working(world, stop, caller):
    allow_shared_links(world.dev)
    shared_link(world, world.space, expires_at=timezone.now() + timedelta(hours=1))
    client = world.client(caller)
    assert client.get(f"/v1/spaces/{world.space.id}").json()["data"]["guestLink"] is not None
    stop(world)
    assert client.get(f"/v1/spaces/{world.space.id}").json()["data"]["guestLink"] is None
    assert guest_links_listed(client)[world.space.id] is None


def test_guests_and_publishable_keys_are_never_shown_the_guest_link(world):
    allow_shared_links(world.dev)
    url = shared_link(world, world.space)
    space_path = f"/v1/spaces/{world.space.id}"
    assert world.client("pat").get(space_path).json()["data"]["guestLink"] == url
    # A publishable key whose operations let it read spaces, and the token of its space.
    ApiKey.objects.filter(environment=world.dev, type=ApiKey.Type.PUBLISHABLE).update(
        operations=[
            {"path": "/v1/spaces", "method": "POST"},
            {"path": "/v1/spaces", "method": "GET"},
            {"path": space_path, "method": "GET"},
        ]
    )
    guest = make_guest(world.dev, spaces=[world.space])
    # A space token reads its space but lists none.
    response = world.client("space token").get(space_path)
    assert response.status_code == 200
    assert response.json()["data"]["guestLink"] is None
    for client in (
        guest_client(guest),
        guest_client(guest, world.space),
        world.client("publishable key"),
    ):
        response = client.get(space_path)
        assert response.status_code == 200
        assert response.json()["data"]["guestLink"] is None
        listed = client.get("/v1/spaces").json()["data"]
        assert world.space.id in {space["id"] for space in listed}
        assert all(space["guestLink"] is None for space in listed)
    # A space a publishable key has just made has no link yet.
    assert create_with_publishable_key(world)["guestLink"] is None


def test_a_guest_granted_some_workbooks_counts_those(world):
    # Imports: Contacts and two more, the guest granted one; Exports: all of its two.
    granted, other = WorkbookFactory.create_batch(2, space=world.space)
    WorkbookFactory(space=world.sibling_space)
    guest = make_guest(world.dev, spaces=[(world.space, [granted]), world.sibling_space])
    client = guest_client(guest)
    counts = {
        space["id"]: space["workbooksCount"] for space in client.get("/v1/spaces").json()["data"]
    }
    assert counts == {world.space.id: 1, world.sibling_space.id: 2}
    assert client.get(f"/v1/spaces/{world.space.id}").json()["data"]["workbooksCount"] == 1
    assert client.get(f"/v1/spaces/{world.sibling_space.id}").json()["data"]["workbooksCount"] == 2
    scoped = guest_client(guest, world.space)
    assert [space["workbooksCount"] for space in scoped.get("/v1/spaces").json()["data"]] == [1]
    # Everyone else counts every workbook of the space.
    for caller in ("pat", "secret key", "space token"):
        response = world.client(caller).get(f"/v1/spaces/{world.space.id}")
        assert response.json()["data"]["workbooksCount"] == 3, caller
    # Their only granted workbook deleted, the guest sees none of the space, and counts none.
    granted.delete()
    assert client.get(f"/v1/spaces/{world.space.id}").json()["data"]["workbooksCount"] == 0
    assert (
        world.client("pat").get(f"/v1/spaces/{world.space.id}").json()["data"]["workbooksCount"]
        == 2
    )
