"""GET /v1/guests/{id}/token, and what a guest's own access token reaches over the rest of
the API: the granted spaces and workbooks only, nothing else, and nothing once the guest is
removed or deleted."""

import pytest

from accounts.models import Event, Space
from tests.factories import SpaceFactory, WorkbookFactory
from tests.guests.api_helpers import NOT_FOUND, guest_token
from tests.guests.conftest import bearer_client, make_guest
from tokens import access_tokens

# GET /v1/guests/{id}/token and what the token reaches -------------------------------------------


def test_a_guest_token_is_answered_as_the_sdk_reads_it(api, guest, space):
    response = api.get(f"/v1/guests/{guest.id}/token")
    assert response.status_code == 200
    data = response.json()["data"]
    assert set(data) == {"token", "valid"} and data["valid"] is True
    claims = access_tokens.decode(data["token"])
    assert claims["sub"] == guest.id and claims["kind"] == "guest"
    scoped = api.get(f"/v1/guests/{guest.id}/token?spaceId={space.id}").json()["data"]["token"]
    assert access_tokens.decode(scoped)["spc"] == space.id


def test_a_token_for_a_space_the_guest_lacks_is_refused(api, environment, guest):
    elsewhere = SpaceFactory(environment=environment)
    response = api.get(f"/v1/guests/{guest.id}/token?spaceId={elsewhere.id}")
    assert response.status_code == 400
    assert response.json()["errors"][0]["key"] == "spaceId"
    assert api.get(f"/v1/guests/{guest.id}/token?spaceId=us_sp_unknown").status_code == 404


@pytest.fixture
def reach(environment, space, other_space, workbooks):
    """A guest granted `space` whole and one workbook of `limited`; `hidden` is a space of
    the same environment they are not granted."""
    limited = SpaceFactory(environment=environment, name="Limited")
    shown, unseen = WorkbookFactory(space=limited), WorkbookFactory(space=limited)
    hidden = SpaceFactory(environment=environment, name="Hidden")
    hidden_workbook = WorkbookFactory(space=hidden)
    guest = make_guest(environment, spaces=[space, (limited, [shown])])
    return {
        "guest": guest,
        "client": bearer_client(guest_token(guest)),
        "space": space,
        "limited": limited,
        "shown": shown,
        "unseen": unseen,
        "hidden": hidden,
        "hidden_workbook": hidden_workbook,
        "workbooks": workbooks,
    }


def test_a_guest_token_reads_only_the_granted_spaces(reach):
    client = reach["client"]
    response = client.get("/v1/spaces")
    assert response.status_code == 200
    assert {s["id"] for s in response.json()["data"]} == {reach["space"].id, reach["limited"].id}
    assert response.json()["pagination"]["totalCount"] == 2
    assert client.get(f"/v1/spaces/{reach['space'].id}").json()["data"]["name"] == "Onboarding"
    hidden = client.get(f"/v1/spaces/{reach['hidden'].id}")
    assert hidden.status_code == 404
    assert hidden.json() == NOT_FOUND


def test_a_guest_token_reads_the_workbooks_of_its_grants(reach):
    client = reach["client"]
    listed = {w["id"] for w in client.get("/v1/workbooks").json()["data"]}
    assert listed == {w.id for w in reach["workbooks"]} | {reach["shown"].id}
    in_limited = client.get(f"/v1/workbooks?spaceId={reach['limited'].id}").json()["data"]
    assert [w["id"] for w in in_limited] == [reach["shown"].id]
    assert client.get(f"/v1/workbooks/{reach['shown'].id}").status_code == 200
    for workbook in (reach["unseen"], reach["hidden_workbook"]):
        assert client.get(f"/v1/workbooks/{workbook.id}").status_code == 404
    assert client.get(f"/v1/workbooks?spaceId={reach['hidden'].id}").status_code == 404


def test_a_space_scoped_guest_token_reads_that_space_only(reach):
    client = bearer_client(guest_token(reach["guest"], reach["limited"]))
    assert [s["id"] for s in client.get("/v1/spaces").json()["data"]] == [reach["limited"].id]
    assert client.get(f"/v1/spaces/{reach['space'].id}").status_code == 404
    assert [w["id"] for w in client.get("/v1/workbooks").json()["data"]] == [reach["shown"].id]


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/v1/environments"),
        ("get", "/v1/environments/{environment}"),
        ("get", "/v1/accounts/current"),
        ("get", "/v1/auth/api-keys?environmentId={environment}"),
        ("get", "/v1/auth/publishable-key?environmentId={environment}"),
        ("get", "/v1/auth/personal-access-tokens"),
        ("get", "/v1/secrets?environmentId={environment}"),
        ("get", "/v1/users"),
        ("get", "/v1/roles"),
        ("get", "/v1/events"),
        ("get", "/v1/guests"),
        ("get", "/v1/guests/{guest}"),
        ("get", "/v1/guests/{guest}/token"),
        ("delete", "/v1/guests/{guest}"),
        ("post", "/v1/guests"),
        ("post", "/v1/spaces"),
        ("patch", "/v1/spaces/{space}"),
        ("delete", "/v1/spaces/{space}"),
        ("post", "/v1/workbooks"),
        ("patch", "/v1/workbooks/{workbook}"),
        ("delete", "/v1/workbooks/{workbook}"),
    ],
)
def test_a_guest_token_reaches_nothing_else(reach, environment, method, path):
    path = path.format(
        environment=environment.id,
        guest=reach["guest"].id,
        space=reach["space"].id,
        workbook=reach["workbooks"][0].id,
    )
    before = Event.objects.count()
    client = reach["client"]
    if method == "get":
        response = client.get(path)
    else:
        response = getattr(client, method)(path, "{}", content_type="application/json")
    assert response.status_code == 403, (path, response.content)
    assert response["WWW-Authenticate"] == 'Bearer error="insufficient_scope"'
    assert Event.objects.count() == before
    assert Space.objects.filter(pk=reach["space"].pk).exists()


def test_a_guest_token_is_refused_once_the_guest_is_removed_or_deleted(api, reach):
    client, guest = reach["client"], reach["guest"]
    scoped = bearer_client(guest_token(guest, reach["space"]))
    api.delete(f"/v1/guests/{guest.id}?spaceId={reach['space'].id}")
    # At once: the space is gone from the guest's reach, and its own token is refused.
    assert client.get(f"/v1/spaces/{reach['space'].id}").status_code == 404
    assert scoped.get("/v1/spaces").status_code == 401
    assert [s["id"] for s in client.get("/v1/spaces").json()["data"]] == [reach["limited"].id]
    api.delete(f"/v1/guests/{guest.id}")
    response = client.get("/v1/spaces")
    assert response.status_code == 401
    assert 'error="invalid_token"' in response["WWW-Authenticate"]
