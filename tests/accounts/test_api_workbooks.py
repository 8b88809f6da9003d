"""The workbooks endpoints: shape, listing all within reach or one space's, writes through
the services (audited), and flat query counts. Who may call what: test_api_access.py; bad
input: test_api_bad_input.py."""

import pytest

from accounts.models import Event, Workbook
from tests.accounts.test_api_access import send
from tests.factories import WorkbookFactory

WORKBOOK_KEYS = {
    "id",
    "name",
    "spaceId",
    "environmentId",
    "labels",
    "sheets",
    "createdAt",
    "updatedAt",
}


def test_a_workbook_in_the_contracts_shape(world):
    data = world.client("pat").get(f"/v1/workbooks/{world.workbook.id}").json()["data"]
    assert set(data) == WORKBOOK_KEYS
    assert data["id"] == world.workbook.id
    assert (data["name"], data["spaceId"], data["environmentId"]) == (
        "Contacts",
        world.space.id,
        world.dev.id,
    )
    assert (data["labels"], data["sheets"]) == ([], [])
    assert data["createdAt"].endswith("Z") and data["updatedAt"].endswith("Z")


def test_workbooks_within_reach_or_of_one_space(world):
    def ids(caller, query=""):
        response = world.client(caller).get(f"/v1/workbooks{query}")
        assert response.status_code == 200
        return {workbook["id"] for workbook in response.json()["data"]}

    ours = {world.workbook.id, world.sibling_workbook.id, world.prod_workbook.id}
    assert ids("pat") == ours
    assert ids("secret key") == {world.workbook.id, world.sibling_workbook.id}
    assert ids("space token") == {world.workbook.id}
    assert ids("another account's pat") == {world.other_workbook.id}
    assert ids("pat", f"?spaceId={world.prod_space.id}") == {world.prod_workbook.id}
    body = world.client("pat").get("/v1/workbooks?pageSize=2").json()
    assert len(body["data"]) == 2
    assert body["pagination"] == {"currentPage": 1, "pageCount": 2, "totalCount": 3}


def test_create_a_workbook(world):
    body = {
        "spaceId": world.space.id,
        "name": " Leads ",
        "labels": ["simple-demo", " q3 "],
        "sheets": [{"name": "Contacts"}],  # out of scope: ignored
        "environmentId": world.prod.id,  # a workbook's environment is its space's
    }
    response = send(world.client("secret key"), "post", "/v1/workbooks", body)
    assert response.status_code == 201
    data = response.json()["data"]
    workbook = Workbook.objects.get(pk=data["id"])
    assert (workbook.space, workbook.name, workbook.labels) == (
        world.space,
        "Leads",
        ["simple-demo", "q3"],
    )
    assert data["environmentId"] == world.dev.id
    assert data["sheets"] == []
    event = Event.objects.get(topic="workbook:created", payload__workbookId=workbook.id)
    assert event.space_id == world.space.id and event.actor_id.startswith("us_key_")


def test_update_a_workbook(world):
    client = world.client("pat")
    body = {"name": "People", "labels": ["a", "b"]}
    response = send(client, "patch", f"/v1/workbooks/{world.workbook.id}", body)
    assert response.status_code == 200
    assert (response.json()["data"]["name"], response.json()["data"]["labels"]) == (
        "People",
        ["a", "b"],
    )
    event = Event.objects.get(topic="workbook:updated")
    assert event.payload == {"workbookId": world.workbook.id, "changed": ["labels", "name"]}
    events = Event.objects.count()
    assert send(client, "patch", f"/v1/workbooks/{world.workbook.id}", body).status_code == 200
    assert send(client, "patch", f"/v1/workbooks/{world.workbook.id}", {}).status_code == 200
    assert Event.objects.count() == events  # nothing changed, nothing recorded
    # Labels may be emptied.
    response = send(client, "patch", f"/v1/workbooks/{world.workbook.id}", {"labels": []})
    assert response.json()["data"]["labels"] == []


def test_delete_a_workbook(world):
    response = world.client("pat").delete(f"/v1/workbooks/{world.workbook.id}")
    assert response.status_code == 200
    assert response.json() == {"data": {"success": True}}
    assert not Workbook.objects.filter(pk=world.workbook.pk).exists()
    assert Event.objects.filter(topic="workbook:deleted", space_id=world.space.id).exists()


# Verify the credential, count the page, read its rows (each with its space, for the
# environment id); with spaceId, that space first.
LIST_QUERIES = [("/v1/workbooks", 3), ("/v1/workbooks?spaceId={space}", 4)]


@pytest.mark.parametrize(("path", "queries"), LIST_QUERIES)
@pytest.mark.parametrize("caller", ["pat", "access token", "secret key", "space token"])
def test_listing_workbooks_takes_the_same_queries_for_1_or_12_rows(
    world, django_assert_num_queries, path, queries, caller
):
    Workbook.objects.exclude(pk=world.workbook.pk).delete()
    client = world.client(caller)
    path = path.replace("{space}", world.space.id)
    client.get(path)  # the credential's first use is recorded once a minute; not counted here
    with django_assert_num_queries(queries):
        response = client.get(path)
    assert len(response.json()["data"]) == 1
    WorkbookFactory.create_batch(11, space=world.space)
    with django_assert_num_queries(queries):
        response = client.get(path)
    assert len(response.json()["data"]) == 12


def test_reading_one_workbook_takes_two_queries(world, django_assert_num_queries):
    client = world.client("space token")
    client.get(f"/v1/workbooks/{world.workbook.id}")
    with django_assert_num_queries(2):  # verify the token, the workbook with its space
        assert client.get(f"/v1/workbooks/{world.workbook.id}").status_code == 200
