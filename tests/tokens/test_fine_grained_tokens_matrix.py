"""Fine-grained personal access tokens against every operation of the API.

A read-only token: every route that changes something (each POST, PATCH, PUT and DELETE of
the committed openapi.json, with real ids) is a 403 naming the token's scope, and changes
nothing; the same request with a plain token is not refused. A token narrowed to
development: nothing of production is seen, by id, in a list or through a filter, nothing
is written there, and what concerns the account as a whole is a 403 naming its scope; a
plain token does every one of these. The verifying query stays one query."""

import json
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.tokens.fine_grained_helpers import Scene, client_with, send, snapshot

pytestmark = pytest.mark.django_db

WRITES = ("post", "put", "patch", "delete")
READ_ONLY_REFUSAL = (
    "This token is read-only (Read-only · All environments): it may read, and change nothing."
)
NARROWED_REFUSAL = (
    "This token is limited to some environments (Read and write · development): it may not "
    "act on the account as a whole."
)


def _schema_writes() -> list[tuple[str, str]]:
    schema = json.loads((Path(settings.BASE_DIR) / "openapi.json").read_text())
    return [
        (method, path)
        for path, operations in schema["paths"].items()
        for method, operation in operations.items()
        # Public operations (POST /v1/auth, /v1/credentials/revoke) take no token at all.
        if method in WRITES and operation.get("security") != [] and "security" in operation
    ]


SCHEMA_WRITES = _schema_writes()


def _with_ids(path: str, scene: Scene) -> str:
    ids = {
        "token_id": scene.plain_token.id,
        "credential_id": scene.plain_token.id,
        "environment_id": scene.dev.id,
        "space_id": scene.dev_space.id,
        "workbook_id": scene.dev_workbook.id,
        "user_id": scene.admin.id,
        "guest_id": scene.dev_guest.id,
        "secret_id": scene.dev_secret.id,
    }

    def real_id(match):
        assert match[1] in ids, f"{path}: give {match[1]} a real id in this test"
        return ids[match[1]]

    return re.sub(r"\{(\w+)\}", real_id, path)


def test_the_schema_has_the_writes_this_matrix_is_about():
    # If the schema were read wrongly, the matrix below would prove nothing.
    assert ("post", "/v1/spaces") in SCHEMA_WRITES
    assert ("delete", "/v1/auth/personal-access-tokens/{token_id}") in SCHEMA_WRITES
    assert ("post", "/v1/auth") not in SCHEMA_WRITES
    assert len(SCHEMA_WRITES) >= 20


@pytest.mark.parametrize(("method", "path"), SCHEMA_WRITES)
def test_a_read_only_token_changes_nothing_anywhere(method, path):
    scene = Scene()
    url = _with_ids(path, scene)
    before = snapshot()
    response = send(client_with(scene.read_only), method, url, {"name": "changed"})
    assert response.status_code == 403, (method, url, response.content)
    assert response.json() == {"errors": [{"message": READ_ONLY_REFUSAL}]}
    assert response["WWW-Authenticate"] == 'Bearer error="insufficient_scope"'
    assert snapshot() == before
    # The same request with a plain token is not refused: the 403 above is the scope's.
    assert send(client_with(scene.plain), method, url, {"name": "changed"}).status_code != 403


def test_a_read_only_token_makes_no_guest_access_token():
    # A guest access token may invite guests (mail, a magic link): a write by another name.
    scene = Scene()
    path = f"/v1/guests/{scene.dev_guest.id}/token"
    response = client_with(scene.read_only).get(path)
    assert response.status_code == 403
    assert response.json() == {"errors": [{"message": READ_ONLY_REFUSAL}]}
    assert client_with(scene.plain).get(path).status_code == 200


def test_a_read_only_token_is_never_shown_a_secret_key():
    # A secret key may write: showing one to a read-only token would undo its narrowing.
    scene = Scene()
    path = f"/v1/auth/api-keys?environmentId={scene.dev.id}"
    shown = {
        key["type"]: key["rawKey"] for key in client_with(scene.read_only).get(path).json()["data"]
    }
    assert shown["SECRET"] is None and shown["PUBLISHABLE"].startswith("pk_")
    plain = {
        key["type"]: key["rawKey"] for key in client_with(scene.plain).get(path).json()["data"]
    }
    assert plain["SECRET"].startswith("sk_")


@pytest.mark.parametrize("method", ["get", "head", "options"])
def test_a_read_only_token_reads(method):
    scene = Scene()
    response = send(client_with(scene.read_only), method, f"/v1/spaces/{scene.dev_space.id}")
    assert response.status_code == 200


# A token narrowed to development ---------------------------------------------------------


def _ids(response) -> set[str]:
    assert response.status_code == 200, response.content
    return {item["id"] for item in response.json()["data"]}


def _reads_of_production(scene: Scene) -> list[str]:
    """What a token narrowed to development answers with a 404, as an unknown id."""
    prod = scene.prod
    return [
        f"/v1/environments/{prod.id}",
        f"/v1/spaces/{scene.prod_space.id}",
        f"/v1/spaces?environmentId={prod.id}",
        f"/v1/workbooks/{scene.prod_workbook.id}",
        f"/v1/workbooks?spaceId={scene.prod_space.id}",
        f"/v1/auth/api-keys?environmentId={prod.id}",
        f"/v1/auth/publishable-key?environmentId={prod.id}",
        f"/v1/secrets?environmentId={prod.id}",
        f"/v1/secrets?spaceId={scene.prod_space.id}",
        f"/v1/guests/{scene.prod_guest.id}",
        f"/v1/guests/{scene.prod_guest.id}/token",
        f"/v1/guests?environmentId={prod.id}",
        f"/v1/guests?spaceId={scene.prod_space.id}",
        f"/v1/events/{scene.prod_event.id}",
    ]


def test_a_development_token_sees_nothing_of_production():
    scene = Scene()
    narrowed = client_with(scene.development_only)
    for path in _reads_of_production(scene):
        response = narrowed.get(path)
        assert response.status_code == 404, path
        assert response.json() == {"errors": [{"message": "Not found."}]}
    plain = client_with(scene.plain)
    for path in _reads_of_production(scene):
        assert plain.get(path).status_code == 200, path


@pytest.mark.parametrize(
    ("path", "production_thing", "development_thing"),
    [
        ("/v1/environments", "prod", "dev"),
        ("/v1/spaces", "prod_space", "dev_space"),
        ("/v1/workbooks", "prod_workbook", "dev_workbook"),
        ("/v1/guests", "prod_guest", "dev_guest"),
    ],
)
def test_a_development_token_lists_only_development(path, production_thing, development_thing):
    scene = Scene()
    production_id = getattr(scene, production_thing).id
    development_id = getattr(scene, development_thing).id
    listed = _ids(client_with(scene.development_only).get(path))
    assert development_id in listed
    assert production_id not in listed
    assert production_id in _ids(client_with(scene.plain).get(path))


def test_a_development_token_reads_no_production_secret_or_event():
    scene = Scene()
    narrowed, plain = client_with(scene.development_only), client_with(scene.plain)
    dev_secrets = f"/v1/secrets?environmentId={scene.dev.id}"
    assert _ids(narrowed.get(dev_secrets)) == {scene.dev_secret.id}

    def environments_of(response) -> set:
        assert response.status_code == 200
        return {event["context"]["environmentId"] for event in response.json()["data"]}

    assert scene.prod.id not in environments_of(narrowed.get("/v1/events"))
    assert scene.dev.id in environments_of(narrowed.get("/v1/events"))
    assert environments_of(narrowed.get(f"/v1/events?environmentId={scene.prod.id}")) == set()
    assert environments_of(plain.get("/v1/events")) >= {scene.dev.id, scene.prod.id}
    assert environments_of(plain.get(f"/v1/events?environmentId={scene.prod.id}")) == {
        scene.prod.id
    }


def _writes_into_production(scene: Scene) -> list[tuple[str, str, dict | None]]:
    return [
        ("post", "/v1/spaces", {"environmentId": scene.prod.id, "name": "Sneaky"}),
        ("patch", f"/v1/spaces/{scene.prod_space.id}", {"name": "Renamed"}),
        ("patch", f"/v1/environments/{scene.prod.id}", {"name": "renamed"}),
        ("post", "/v1/secrets", {"environmentId": scene.prod.id, "name": "X", "value": "y"}),
        ("delete", f"/v1/secrets/{scene.prod_secret.id}", None),
        ("post", "/v1/auth/api-key", {"environmentId": scene.prod.id, "type": "SECRET"}),
        ("delete", f"/v1/guests/{scene.prod_guest.id}", None),
        ("delete", f"/v1/workbooks/{scene.prod_workbook.id}", None),
        ("delete", f"/v1/spaces/{scene.prod_space.id}", None),
    ]


def test_a_development_token_writes_nothing_into_production():
    scene = Scene()
    narrowed = client_with(scene.development_only)
    before = snapshot()
    for method, path, body in _writes_into_production(scene):
        response = send(narrowed, method, path, body)
        assert response.status_code == 404, (method, path, response.content)
    assert snapshot() == before
    plain = client_with(scene.plain)
    for method, path, body in _writes_into_production(scene):
        assert send(plain, method, path, body).status_code in (200, 201), (method, path)


def _account_wide(scene: Scene) -> list[tuple[str, str, dict | None]]:
    return [
        ("post", "/v1/environments", {"name": "qa"}),
        ("delete", f"/v1/environments/{scene.empty.id}", None),
        ("patch", "/v1/accounts/current", {"name": "Renamed"}),
        ("get", "/v1/auth/personal-access-tokens", None),
        ("post", "/v1/auth/personal-access-tokens", {"name": "wider"}),
        ("post", "/v1/users/invite", {"email": "new@example.com"}),
        ("get", "/v1/users", None),
        ("get", f"/v1/users/{scene.admin.id}", None),
        ("patch", f"/v1/users/{scene.admin.id}", {"name": "Renamed"}),
        ("delete", f"/v1/auth/personal-access-tokens/{scene.plain_token.id}", None),
    ]


def test_a_development_token_may_not_act_on_the_account_as_a_whole():
    scene = Scene()
    narrowed = client_with(scene.development_only)
    before = snapshot()
    for method, path, body in _account_wide(scene):
        response = send(narrowed, method, path, body)
        assert response.status_code == 403, (method, path, response.content)
        assert response.json() == {"errors": [{"message": NARROWED_REFUSAL}]}
    assert snapshot() == before
    plain = client_with(scene.plain)
    for method, path, body in _account_wide(scene):
        assert send(plain, method, path, body).status_code in (200, 201), (method, path)


def test_a_development_token_works_in_development():
    scene = Scene()
    narrowed = client_with(scene.development_only)
    created = narrowed.post(
        "/v1/spaces", {"environmentId": scene.dev.id, "name": "Fresh"}, format="json"
    )
    assert created.status_code == 201
    assert narrowed.get(f"/v1/spaces/{scene.dev_space.id}").status_code == 200
    assert narrowed.delete(f"/v1/secrets/{scene.dev_secret.id}").status_code == 200


def test_a_narrowed_token_is_verified_in_the_same_number_of_queries():
    scene = Scene()
    path = f"/v1/spaces/{scene.dev_space.id}"
    counts = {}
    for name in ("plain", "development_only", "read_only"):
        client = client_with(getattr(scene, name))
        client.get(path)  # the first use is recorded (an UPDATE): not what this counts
        with CaptureQueriesContext(connection) as queries:
            assert client.get(path).status_code == 200
        counts[name] = len(queries)
    assert counts["development_only"] == counts["plain"] == counts["read_only"]
