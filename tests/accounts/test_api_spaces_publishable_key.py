"""A publishable key's space and its access token: the key creates a space (in its own
environment only) that comes with a 24-hour token, which reaches that space and its workbooks
and nothing else, and ends with its key or its space."""

from django.utils import timezone

from accounts.models import Event, Space
from tests.accounts.spaces_api_helpers import create_with_publishable_key
from tests.accounts.test_api_access import client_with, send
from tokens import access_tokens
from tokens import services as token_services
from tokens.models import ApiKey


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
