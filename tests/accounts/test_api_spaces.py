"""The spaces endpoints: their shape, spaces across environments, every write audited, the
publishable-key flow (a space with its own 24-hour access token, which reaches that space and
its workbooks and nothing else), the guest link administrators are shown and the workbooks a
guest counts, and flat query counts. Who may call what: test_api_access.py; bad input:
test_api_bad_input.py."""

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import Event, GuestAuthentication, Space, Workbook
from guests import links as guest_links
from guests import services as guest_services
from guests.models import SharedLink
from tests.accounts.test_api_access import World, client_with, send
from tests.factories import SpaceFactory, WorkbookFactory
from tests.guests.conftest import make_guest
from tokens import access_tokens
from tokens import services as token_services
from tokens.models import ApiKey

SPACE_KEYS = {
    "id",
    "environmentId",
    "name",
    "createdAt",
    "updatedAt",
    "guestAuthentication",
    "workbooksCount",
    "guestLink",
    "accessToken",
    "metadata",
    "settings",
}


@pytest.fixture
def world(db):
    return World()


def test_a_space_in_the_contracts_shape(world):
    world.dev.guest_authentication = ["magic_link", "shared_link"]
    world.dev.save()
    WorkbookFactory(space=world.space)
    data = world.client("pat").get(f"/v1/spaces/{world.space.id}").json()["data"]
    assert set(data) == SPACE_KEYS
    assert data["id"] == world.space.id
    assert data["environmentId"] == world.dev.id
    assert data["name"] == "Imports"
    assert data["guestAuthentication"] == ["magic_link", "shared_link"]  # the environment's
    assert data["workbooksCount"] == 2
    assert data["guestLink"] is None
    assert data["accessToken"] is None
    assert data["metadata"] == {}
    assert data["settings"] == {"guestsCanInvite": True}
    assert data["createdAt"].endswith("Z") and data["updatedAt"].endswith("Z")


def test_spaces_across_environments_newest_first(world):
    response = world.client("pat").get("/v1/spaces")
    assert response.status_code == 200
    body = response.json()
    names = [space["name"] for space in body["data"]]
    assert names == ["Live", "Exports", "Imports"]
    assert body["pagination"] == {"currentPage": 1, "pageCount": 1, "totalCount": 3}
    counts = {space["name"]: space["workbooksCount"] for space in body["data"]}
    assert counts == {"Live": 1, "Exports": 1, "Imports": 1}


def test_each_page_counts_its_own_spaces_workbooks(world):
    # Counted after the page is chosen: a later page's counts are its own rows'.
    WorkbookFactory.create_batch(3, space=world.space)  # Imports, the oldest: 4 in all
    pages = [
        world.client("pat").get(f"/v1/spaces?pageSize=1&pageNumber={number}").json()
        for number in (1, 2, 3)
    ]
    assert [(page["data"][0]["name"], page["data"][0]["workbooksCount"]) for page in pages] == [
        ("Live", 1),
        ("Exports", 1),
        ("Imports", 4),
    ]
    assert pages[2]["pagination"] == {"currentPage": 3, "pageCount": 3, "totalCount": 3}
    guest = make_guest(world.dev, spaces=[world.space, world.sibling_space])
    last = guest_client(guest).get("/v1/spaces?pageSize=1&pageNumber=2").json()
    assert [(space["id"], space["workbooksCount"]) for space in last["data"]] == [
        (world.space.id, 4)
    ]


def test_a_secret_key_lists_its_environments_spaces_only(world):
    names = [space["name"] for space in world.client("secret key").get("/v1/spaces").json()["data"]]
    assert names == ["Exports", "Imports"]
    other = world.client("secret key of another environment").get("/v1/spaces").json()["data"]
    assert [space["name"] for space in other] == ["Live"]
    theirs = world.client("another account's pat").get("/v1/spaces").json()["data"]
    assert [space["id"] for space in theirs] == [world.other_space.id]


def test_spaces_of_one_environment(world):
    client = world.client("pat")
    data = client.get(f"/v1/spaces?environmentId={world.prod.id}").json()["data"]
    assert [space["name"] for space in data] == ["Live"]
    data = client.get(f"/v1/spaces?environmentId={world.empty.id}").json()["data"]
    assert data == []


def test_spaces_are_paged(world):
    body = world.client("pat").get("/v1/spaces?pageSize=2&pageNumber=2").json()
    assert [space["name"] for space in body["data"]] == ["Imports"]
    assert body["pagination"] == {"currentPage": 2, "pageCount": 2, "totalCount": 3}


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


# A publishable key's space and its access token -----------------------------------------------


def create_with_publishable_key(world, name="Customer upload"):
    client = client_with(world.publishable_key)
    response = send(client, "post", "/v1/spaces", {"environmentId": world.dev.id, "name": name})
    assert response.status_code == 201, response.content
    return response.json()["data"]


def test_a_publishable_key_creates_a_space_with_its_access_token(world):
    before = timezone.now()
    data = create_with_publishable_key(world)
    token = data["accessToken"]
    assert token.count(".") == 2
    claims = access_tokens.decode(token)
    key = ApiKey.objects.get(environment=world.dev, type=ApiKey.Type.PUBLISHABLE)
    assert claims["kind"] == access_tokens.SPACE
    assert claims["sub"] == data["id"]
    assert claims["key"] == key.id
    assert claims["exp"] - claims["iat"] == 24 * 60 * 60  # valid 24 hours
    assert claims["iat"] >= int(before.timestamp())
    # Both the space and the token it came with are in the audit trail, by the key.
    created = Event.objects.get(topic="space:created", space_id=data["id"])
    issued = Event.objects.get(topic="access-token:created", space_id=data["id"])
    assert created.actor_id == issued.actor_id == key.id
    assert issued.payload["via"] == "publishableKey"
    # Handed out once: reading the space again never shows it.
    assert world.client("pat").get(f"/v1/spaces/{data['id']}").json()["data"]["accessToken"] is None


def test_the_space_token_reaches_its_space_and_its_workbooks(world):
    data = create_with_publishable_key(world)
    space_id = data["id"]
    client = client_with(data["accessToken"])

    assert client.get(f"/v1/spaces/{space_id}").json()["data"]["name"] == "Customer upload"
    renamed = send(client, "patch", f"/v1/spaces/{space_id}", {"name": "Acme upload"})
    assert renamed.status_code == 200
    assert renamed.json()["data"]["name"] == "Acme upload"

    made = send(client, "post", "/v1/workbooks", {"spaceId": space_id, "name": "Contacts"})
    assert made.status_code == 201
    workbook_id = made.json()["data"]["id"]
    listed = client.get("/v1/workbooks").json()["data"]
    assert [workbook["id"] for workbook in listed] == [workbook_id]
    listed = client.get(f"/v1/workbooks?spaceId={space_id}").json()["data"]
    assert [workbook["id"] for workbook in listed] == [workbook_id]
    assert client.get(f"/v1/workbooks/{workbook_id}").status_code == 200
    updated = send(client, "patch", f"/v1/workbooks/{workbook_id}", {"labels": ["ready"]})
    assert updated.json()["data"]["labels"] == ["ready"]
    assert client.get(f"/v1/spaces/{space_id}").json()["data"]["workbooksCount"] == 1


def test_the_space_token_reaches_nothing_else(world):
    data = create_with_publishable_key(world)
    client = client_with(data["accessToken"])
    environment = world.dev.id
    # Another space, even of its own environment, and its workbooks: unknown.
    for path in (
        f"/v1/spaces/{world.space.id}",
        f"/v1/workbooks/{world.workbook.id}",
        f"/v1/workbooks?spaceId={world.space.id}",
    ):
        response = client.get(path)
        assert response.status_code == 404, path
    response = send(client, "post", "/v1/workbooks", {"spaceId": world.space.id, "name": "x"})
    assert response.status_code == 404
    response = send(client, "patch", f"/v1/spaces/{world.space.id}", {"name": "x"})
    assert response.status_code == 404
    # Everything else: refused for what it is.
    for method, path in (
        ("get", "/v1/accounts/current"),
        ("get", "/v1/environments"),
        ("get", f"/v1/environments/{environment}"),
        ("get", "/v1/spaces"),
        ("post", "/v1/spaces"),
        ("delete", f"/v1/spaces/{data['id']}"),
        ("get", f"/v1/secrets?environmentId={environment}"),
        ("post", "/v1/secrets"),
        ("get", f"/v1/auth/api-keys?environmentId={environment}"),
        ("get", f"/v1/auth/publishable-key?environmentId={environment}"),
        ("post", "/v1/auth/api-key"),
        ("get", "/v1/auth/personal-access-tokens"),
    ):
        response = getattr(client, method)(path)
        assert response.status_code == 403, (method, path)
        assert response["WWW-Authenticate"] == 'Bearer error="insufficient_scope"'
    assert Space.objects.filter(pk=data["id"]).exists()
    # Its own space's workbooks it may not delete either.
    made = send(client, "post", "/v1/workbooks", {"spaceId": data["id"], "name": "Contacts"})
    assert client.delete(f"/v1/workbooks/{made.json()['data']['id']}").status_code == 403


def test_the_publishable_key_itself_only_creates_spaces(world):
    data = create_with_publishable_key(world)
    client = client_with(world.publishable_key)
    for method, path in (
        ("get", f"/v1/spaces/{data['id']}"),
        ("patch", f"/v1/spaces/{data['id']}"),
        ("get", "/v1/spaces"),
        ("get", "/v1/workbooks"),
    ):
        assert getattr(client, method)(path).status_code == 403, (method, path)
    # And only in its own environment.
    response = send(client, "post", "/v1/spaces", {"environmentId": world.prod.id, "name": "x"})
    assert response.status_code == 404


def test_the_space_token_ends_with_its_key(world):
    data = create_with_publishable_key(world)
    client = client_with(data["accessToken"])
    assert client.get(f"/v1/spaces/{data['id']}").status_code == 200
    key = ApiKey.objects.get(environment=world.dev, type=ApiKey.Type.PUBLISHABLE)
    token_services.api_key_delete(api_key=key, actor=world.admin)
    assert client.get(f"/v1/spaces/{data['id']}").status_code == 401


def test_the_space_token_ends_with_its_space(world):
    data = create_with_publishable_key(world)
    client = client_with(data["accessToken"])
    assert world.client("pat").delete(f"/v1/spaces/{data['id']}").status_code == 200
    assert client.get(f"/v1/spaces/{data['id']}").status_code == 401


def test_a_space_token_for_one_space_is_refused_on_another_made_the_same_way(world):
    first = create_with_publishable_key(world, "First")
    second = create_with_publishable_key(world, "Second")
    client = client_with(first["accessToken"])
    assert client.get(f"/v1/spaces/{second['id']}").status_code == 404
    assert client.get(f"/v1/spaces/{first['id']}").status_code == 200


# The guest link and what a guest counts ---------------------------------------------------------

ADMINISTRATOR_CALLERS = ["pat", "access token", "secret key"]


def allow_shared_links(environment, allowed=True):
    environment.guest_authentication = [GuestAuthentication.MAGIC_LINK] + (
        [GuestAuthentication.SHARED_LINK] if allowed else []
    )
    environment.save(update_fields=["guest_authentication"])


def shared_link(world, space, expires_at=None) -> str:
    """The URL of `space`'s shared link, made (or regenerated) now."""
    space = Space.objects.select_related("environment").get(pk=space.pk)  # as it is now
    _, token = guest_services.shared_link_regenerate(
        space=space, actor=world.admin, expires_at=expires_at
    )
    return guest_links.shared_link_url(token)


def guest_links_listed(client) -> dict:
    return {space["id"]: space["guestLink"] for space in client.get("/v1/spaces").json()["data"]}


def guest_client(guest, space=None):
    return client_with(guest_services.guest_access_token_create(guest=guest, space=space)[0])


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


# Query counts ------------------------------------------------------------------------------------

# Verify the credential, count the page, read its rows (each space with its environment and
# its number of workbooks, in the same query); with environmentId, that environment first.
LIST_QUERIES = [("/v1/spaces", 3), ("/v1/spaces?environmentId={dev}", 4)]


@pytest.mark.parametrize(("path", "queries"), LIST_QUERIES)
@pytest.mark.parametrize("caller", ["pat", "access token", "secret key"])
def test_listing_spaces_takes_the_same_queries_for_1_or_12_rows(
    world, django_assert_num_queries, path, queries, caller
):
    Space.objects.exclude(pk=world.space.pk).delete()
    client = world.client(caller)
    path = path.replace("{dev}", world.dev.id)
    client.get(path)  # the credential's first use is recorded once a minute; not counted here
    with django_assert_num_queries(queries):
        response = client.get(path)
    assert len(response.json()["data"]) == 1
    for number in range(11):
        space = SpaceFactory(environment=world.dev, name=f"Space {number}")
        WorkbookFactory.create_batch(2, space=space)
    with django_assert_num_queries(queries):
        response = client.get(path)
    assert len(response.json()["data"]) == 12
    assert {space["workbooksCount"] for space in response.json()["data"]} == {1, 2}


# With shared links allowed, an administrator's list reads the page's links besides, in one
# query; a guest's reads none.
@pytest.mark.parametrize(("path", "queries"), LIST_QUERIES)
@pytest.mark.parametrize("caller", ADMINISTRATOR_CALLERS)
def test_listing_spaces_with_shared_links_takes_one_query_more_for_1_or_12_rows(
    world, django_assert_num_queries, path, queries, caller
):
    Space.objects.exclude(pk=world.space.pk).delete()
    allow_shared_links(world.dev)
    shared_link(world, world.space)
    client = world.client(caller)
    path = path.replace("{dev}", world.dev.id)
    client.get(path)
    with django_assert_num_queries(queries + 1):
        response = client.get(path)
    assert [space["guestLink"] is not None for space in response.json()["data"]] == [True]
    for number in range(11):
        shared_link(world, SpaceFactory(environment=world.dev, name=f"Space {number}"))
    with django_assert_num_queries(queries + 1):
        response = client.get(path)
    assert len(response.json()["data"]) == 12
    assert all(space["guestLink"] is not None for space in response.json()["data"])


def test_a_narrowed_guest_lists_spaces_in_the_same_queries_for_1_or_12_grants(
    world, django_assert_num_queries
):
    allow_shared_links(world.dev)
    shared_link(world, world.space)
    WorkbookFactory(space=world.space)
    guest = make_guest(world.dev, spaces=[(world.space, [world.workbook])])
    client = guest_client(guest)
    client.get("/v1/spaces")
    # Verify the token, count the page, read its rows (narrowed and counted by subqueries).
    with django_assert_num_queries(3):
        response = client.get("/v1/spaces")
    assert [space["workbooksCount"] for space in response.json()["data"]] == [1]
    for number in range(11):
        space = SpaceFactory(environment=world.dev, name=f"Space {number}")
        shown, _ = WorkbookFactory.create_batch(2, space=space)
        shared_link(world, space)
        make_guest(world.dev, email=guest.email, spaces=[(space, [shown])])
    with django_assert_num_queries(3):
        response = client.get("/v1/spaces")
    assert len(response.json()["data"]) == 12
    assert {space["workbooksCount"] for space in response.json()["data"]} == {1}
    assert all(space["guestLink"] is None for space in response.json()["data"])


# Verify the credential, then the space with its environment and its number of workbooks the
# caller may see (a guest's reach narrowed in the same query); an administrator's shared link
# besides, where the environment allows them.
@pytest.mark.parametrize(
    ("caller", "shared_links", "queries"),
    [
        *[(caller, False, 2) for caller in (*ADMINISTRATOR_CALLERS, "space token", "guest")],
        *[(caller, True, 3) for caller in ADMINISTRATOR_CALLERS],
        *[(caller, True, 2) for caller in ("space token", "guest")],
    ],
)
def test_reading_one_space_takes_two_queries_and_its_link_one_more(
    world, django_assert_num_queries, caller, shared_links, queries
):
    allow_shared_links(world.dev, allowed=shared_links)
    if shared_links:
        shared_link(world, world.space)
    if caller == "guest":
        WorkbookFactory(space=world.space)
        client = guest_client(make_guest(world.dev, spaces=[(world.space, [world.workbook])]))
    else:
        client = world.client(caller)
    path = f"/v1/spaces/{world.space.id}"
    client.get(path)
    with django_assert_num_queries(queries):
        response = client.get(path)
    data = response.json()["data"]
    assert data["workbooksCount"] == 1
    assert (data["guestLink"] is not None) == (shared_links and caller in ADMINISTRATOR_CALLERS)
