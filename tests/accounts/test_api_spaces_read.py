"""Reading the spaces endpoints: a space in the contract's shape, spaces across environments
newest first, one environment's, a secret key's, and pages counting their own spaces'
workbooks. Who may call what: test_api_access.py; bad input: test_api_bad_input.py."""

from tests.accounts.spaces_api_helpers import guest_client
from tests.factories import WorkbookFactory
from tests.guests.conftest import make_guest

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
