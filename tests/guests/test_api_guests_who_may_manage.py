"""Who may manage guests over the API: a secret key its own environment's guests only;
publishable keys and space tokens nothing; no credential a 401."""

import pytest

from guests.models import Guest
from tests.accounts.test_api_access import key_for, space_token_for
from tests.factories import production
from tests.guests.api_helpers import post
from tests.guests.conftest import bearer_client, make_guest
from tokens.models import ApiKey

# Who may manage guests -------------------------------------------------------------------------


def test_a_secret_key_manages_its_own_environments_guests_only(account, environment, guest, space):
    key = bearer_client(key_for(environment, ApiKey.Type.SECRET))
    assert [g["id"] for g in key.get("/v1/guests").json()["data"]] == [guest.id]
    assert key.get(f"/v1/guests/{guest.id}").status_code == 200
    prod_guest = make_guest(production(account), email="prod@example.com")
    assert key.get(f"/v1/guests/{prod_guest.id}").status_code == 404
    created = post(
        key,
        "/v1/guests",
        {
            "environmentId": environment.id,
            "email": "k@example.com",
            "name": "K",
            "spaces": [{"id": space.id}],
        },
    )
    assert created.status_code == 201
    elsewhere = post(
        key,
        "/v1/guests",
        {
            "environmentId": production(account).id,
            "email": "k@example.com",
            "name": "K",
            "spaces": [],
        },
    )
    assert elsewhere.status_code == 404
    assert key.get(f"/v1/guests/{guest.id}/token").status_code == 200


@pytest.mark.parametrize("caller", ["publishable key", "space token"])
def test_publishable_keys_and_space_tokens_cannot_touch_guests(environment, guest, space, caller):
    token = (
        key_for(environment, ApiKey.Type.PUBLISHABLE)
        if caller == "publishable key"
        else space_token_for(space)
    )
    client = bearer_client(token)
    for method, path in (
        ("get", "/v1/guests"),
        ("get", f"/v1/guests/{guest.id}"),
        ("delete", f"/v1/guests/{guest.id}"),
        ("get", f"/v1/guests/{guest.id}/token"),
        ("post", "/v1/invitations"),
    ):
        assert getattr(client, method)(path).status_code == 403, (caller, path)
    assert Guest.objects.filter(pk=guest.pk).exists()


def test_no_credential_is_a_401(db):
    from rest_framework.test import APIClient

    response = APIClient().get("/v1/guests")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'
