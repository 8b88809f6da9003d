"""The secret endpoints (/v1/secrets): upserting by name and scope, a space's secret over its
environment's, the lengths allowed, what a secret key reaches, and deleting."""

import pytest
from rest_framework.test import APIClient

from accounts.models import Event
from tests.factories import SpaceFactory, administrator_of, development, make_account, production
from tests.tokens.api_helpers import errors
from tests.tokens.conftest import bearer
from tokens import services
from tokens.models import Secret


def test_upsert_replaces_by_name_and_scope(pat_api, account):
    environment = development(account)
    body = {"name": "WEBHOOK_URL", "value": "https://one.example", "environmentId": environment.id}
    first = pat_api.post("/v1/secrets", body, format="json").json()["data"][0]
    second = pat_api.post(
        "/v1/secrets", {**body, "value": "https://two.example"}, format="json"
    ).json()["data"][0]
    assert first["id"] == second["id"]
    assert second["value"] == "https://two.example"
    assert Secret.objects.count() == 1
    topics = list(Event.objects.filter(topic__startswith="secret:").values_list("topic", flat=True))
    assert sorted(topics) == ["secret:created", "secret:updated"]
    assert "https://" not in str(list(Event.objects.values_list("payload", flat=True)))


def test_space_secret_overrides_environment_secret_of_the_same_name(pat_api, account):
    environment = development(account)
    space = SpaceFactory(environment=environment)
    other_space = SpaceFactory(environment=environment)
    pat_api.post(
        "/v1/secrets",
        {"name": "TOKEN", "value": "env", "environmentId": environment.id},
        format="json",
    )
    pat_api.post(
        "/v1/secrets",
        {"name": "OTHER", "value": "env-only", "environmentId": environment.id},
        format="json",
    )
    pat_api.post(
        "/v1/secrets",
        {"name": "TOKEN", "value": "space", "environmentId": environment.id, "spaceId": space.id},
        format="json",
    )

    def values(query):
        return {s["name"]: s["value"] for s in pat_api.get(f"/v1/secrets?{query}").json()["data"]}

    assert values(f"environmentId={environment.id}") == {"TOKEN": "env", "OTHER": "env-only"}
    assert values(f"environmentId={environment.id}&spaceId={space.id}") == {
        "TOKEN": "space",
        "OTHER": "env-only",
    }
    assert values(f"spaceId={other_space.id}") == {"TOKEN": "env", "OTHER": "env-only"}


@pytest.mark.parametrize(
    ("name", "value", "key"),
    [
        ("", "v", "name"),
        ("n" * 1025, "v", "name"),
        ("n", "", "value"),
        ("n", "v" * 1025, "value"),
        ("n", None, "value"),
    ],
)
def test_secret_names_and_values_must_be_1_to_1024_characters(pat_api, account, name, value, key):
    body = {"name": name, "value": value, "environmentId": development(account).id}
    response = pat_api.post("/v1/secrets", body, format="json")
    assert response.status_code == 400
    assert errors(response)[0]["key"] == key
    assert not Secret.objects.exists()


def test_1024_characters_is_accepted(pat_api, account):
    body = {"name": "n" * 1024, "value": "v" * 1024, "environmentId": development(account).id}
    assert pat_api.post("/v1/secrets", body, format="json").status_code == 200


def test_secret_key_manages_secrets_of_its_environment_only(secret_key, account):
    client = bearer(APIClient(), secret_key)
    dev, prod = development(account), production(account)
    assert (
        client.post(
            "/v1/secrets", {"name": "A", "value": "1", "environmentId": dev.id}, format="json"
        ).status_code
        == 200
    )
    assert (
        client.post(
            "/v1/secrets", {"name": "A", "value": "1", "environmentId": prod.id}, format="json"
        ).status_code
        == 404
    )
    prod_secret, _ = services.secret_upsert(
        environment=prod, actor=administrator_of(account), name="B", value="2"
    )
    assert client.delete(f"/v1/secrets/{prod_secret.id}").status_code == 404


def test_space_of_another_environment_is_refused(pat_api, account):
    space = SpaceFactory(environment=production(account))
    body = {
        "name": "A",
        "value": "1",
        "environmentId": development(account).id,
        "spaceId": space.id,
    }
    response = pat_api.post("/v1/secrets", body, format="json")
    assert response.status_code == 400
    assert errors(response)[0]["key"] == "spaceId"


def test_delete_secret(pat_api, account):
    secret, _ = services.secret_upsert(
        environment=development(account), actor=administrator_of(account), name="GONE", value="x"
    )
    response = pat_api.delete(f"/v1/secrets/{secret.id}")
    assert response.status_code == 200
    assert response.json() == {"data": []}
    assert not Secret.objects.exists()
    assert pat_api.delete(f"/v1/secrets/{secret.id}").status_code == 404


def test_another_accounts_secret_is_404(pat_api):
    stranger_account = make_account(name="Stranger")
    secret, _ = services.secret_upsert(
        environment=development(stranger_account),
        actor=administrator_of(stranger_account),
        name="X",
        value="y",
    )
    assert pat_api.delete(f"/v1/secrets/{secret.id}").status_code == 404
    assert pat_api.get(f"/v1/secrets?environmentId={secret.environment_id}").status_code == 404
