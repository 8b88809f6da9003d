"""The spaces endpoints' query counts: listing spaces (with and without shared links, and as a
narrowed guest) and reading one space take as many queries for 1 row as for 12."""

import pytest

from accounts.models import Space
from tests.accounts.spaces_api_helpers import (
    ADMINISTRATOR_CALLERS,
    allow_shared_links,
    guest_client,
    shared_link,
)
from tests.factories import SpaceFactory, WorkbookFactory
from tests.guests.conftest import make_guest

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
