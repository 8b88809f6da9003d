"""The API key endpoints (/v1/auth/api-keys, /v1/auth/publishable-key, /v1/auth/api-key):
which keys and values each caller sees, the environments a credential reaches, rolling with and
without grace, and deleting."""

import pytest
from rest_framework.test import APIClient

from accounts.models import Event
from tests.factories import development, production
from tests.tokens.api_helpers import errors
from tests.tokens.conftest import bearer
from tokens.models import ApiKey


def test_administrator_sees_both_keys_with_raw_values(pat_api, account):
    environment = development(account)
    response = pat_api.get(f"/v1/auth/api-keys?environmentId={environment.id}")
    assert response.status_code == 200
    keys = {key["type"]: key for key in response.json()["data"]}
    assert keys["SECRET"]["rawKey"].startswith("sk_")
    assert keys["PUBLISHABLE"]["rawKey"].startswith("pk_")
    assert keys["PUBLISHABLE"]["operations"] == [{"path": "/v1/spaces", "method": "POST"}]
    assert keys["SECRET"]["environmentId"] == environment.id
    assert keys["SECRET"]["accountId"] == account.id


def test_secret_key_never_reaches_non_administrators(secret_key, account):
    response = bearer(APIClient(), secret_key).get(
        f"/v1/auth/api-keys?environmentId={development(account).id}"
    )
    assert response.status_code == 200
    keys = {key["type"]: key for key in response.json()["data"]}
    assert keys["SECRET"]["rawKey"] is None
    assert "sk_" not in response.content.decode()
    assert keys["PUBLISHABLE"]["rawKey"].startswith("pk_")


def test_publishable_key_may_not_list_keys_or_secrets(publishable_key, account):
    client = bearer(APIClient(), publishable_key)
    environment_id = development(account).id
    for path in (
        f"/v1/auth/api-keys?environmentId={environment_id}",
        f"/v1/secrets?environmentId={environment_id}",
    ):
        response = client.get(path)
        assert response.status_code == 403
        assert "sk_" not in response.content.decode()


def test_secret_key_reaches_only_its_own_environment(secret_key, account):
    client = bearer(APIClient(), secret_key)
    assert (
        client.get(f"/v1/auth/api-keys?environmentId={production(account).id}").status_code == 404
    )
    environments = client.get("/v1/environments").json()["data"]
    assert [environment["name"] for environment in environments] == ["development"]
    assert client.get(f"/v1/environments/{production(account).id}").status_code == 404


def test_pat_reaches_every_environment_of_its_user(pat_api, account):
    names = [environment["name"] for environment in pat_api.get("/v1/environments").json()["data"]]
    assert names == ["development", "production"]
    assert (
        pat_api.get(f"/v1/auth/api-keys?environmentId={production(account).id}").status_code == 200
    )


def test_another_accounts_environment_is_404(pat_api, other_account):
    response = pat_api.get(f"/v1/auth/api-keys?environmentId={development(other_account).id}")
    assert response.status_code == 404


def test_environment_id_is_required(pat_api):
    response = pat_api.get("/v1/auth/api-keys")
    assert response.status_code == 400
    assert errors(response)[0]["key"] == "environmentId"


def test_publishable_key_endpoint(pat_api, account):
    response = pat_api.get(f"/v1/auth/publishable-key?environmentId={development(account).id}")
    assert response.json()["data"]["type"] == "PUBLISHABLE"


def test_roll_with_grace_keeps_the_old_key_and_returns_the_new(pat_api, account, secret_key):
    environment = development(account)
    response = pat_api.post(
        "/v1/auth/api-key",
        {"environmentId": environment.id, "type": "SECRET", "expiresIn": "1h"},
        format="json",
    )
    assert response.status_code == 201
    new_raw = response.json()["data"][0]["rawKey"]
    assert new_raw.startswith("sk_") and new_raw != secret_key
    assert bearer(APIClient(), secret_key).get("/v1/environments").status_code == 200
    assert bearer(APIClient(), new_raw).get("/v1/environments").status_code == 200
    listed = pat_api.get(f"/v1/auth/api-keys?environmentId={environment.id}").json()["data"]
    assert sum(key["type"] == "SECRET" for key in listed) == 2
    assert Event.objects.filter(topic="api-key:rolled").exists()


def test_roll_now_refuses_the_old_key_at_once(pat_api, account, secret_key):
    pat_api.post(
        "/v1/auth/api-key",
        {"environmentId": development(account).id, "type": "SECRET"},
        format="json",
    )
    assert bearer(APIClient(), secret_key).get("/v1/environments").status_code == 401


@pytest.mark.parametrize(
    ("body", "key"),
    [
        ({"type": "SECRET"}, "environmentId"),
        ({"type": "OTHER"}, "type"),
        ({"type": "SECRET", "expiresIn": "1y"}, "expiresIn"),
    ],
)
def test_bad_roll_input_is_400_and_changes_nothing(pat_api, account, body, key):
    body = {"environmentId": development(account).id, **body} if key != "environmentId" else body
    before = ApiKey.objects.count()
    response = pat_api.post("/v1/auth/api-key", body, format="json")
    assert response.status_code == 400
    assert errors(response)[0]["key"] == key
    assert ApiKey.objects.count() == before


def test_only_administrators_roll_or_delete_keys(secret_key, account):
    client = bearer(APIClient(), secret_key)
    environment = development(account)
    assert (
        client.post(
            "/v1/auth/api-key", {"environmentId": environment.id, "type": "SECRET"}, format="json"
        ).status_code
        == 403
    )
    key_id = ApiKey.objects.filter(environment=environment).first().id
    assert (
        client.delete(f"/v1/auth/api-key?environmentId={environment.id}&key={key_id}").status_code
        == 403
    )


def test_delete_key_by_id_revokes_it(pat_api, account, secret_key):
    environment = development(account)
    key = ApiKey.objects.get(environment=environment, type="SECRET")
    response = pat_api.delete(f"/v1/auth/api-key?environmentId={environment.id}&key={key.id}")
    assert response.json() == {"data": {"success": True}}
    assert bearer(APIClient(), secret_key).get("/v1/environments").status_code == 401
    # A key of another environment is not found through this one.
    other = ApiKey.objects.filter(environment=production(account)).first()
    assert (
        pat_api.delete(
            f"/v1/auth/api-key?environmentId={environment.id}&key={other.id}"
        ).status_code
        == 404
    )
