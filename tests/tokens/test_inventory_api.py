"""GET /v1/credentials and POST /v1/credentials/{id}/revoke: an administrator's view of every
credential of their account, and revoking anyone's; nothing of another account, never a
value, and only for callers who may act on the account as a whole."""

import pytest
from rest_framework.test import APIClient

from accounts.models import Event
from guests.services import guest_access_token_create
from tests.factories import (
    AdministratorFactory,
    ClientCredentialFactory,
    PersonalAccessTokenFactory,
    SpaceFactory,
    administrator_of,
    development,
    make_account,
)
from tests.guests.conftest import make_guest
from tests.tokens.conftest import bearer
from tokens import services
from tokens.models import ApiKey

LIST = "/v1/credentials"


def revoke_path(credential_id: str) -> str:
    return f"/v1/credentials/{credential_id}/revoke"


@pytest.fixture
def owner(account):
    return AdministratorFactory(account=account, name="Bob Builder", email="bob@example.com")


@pytest.fixture
def credentials(owner):
    token = PersonalAccessTokenFactory(user=owner, name="deploy", expires_in_days=30)
    client = ClientCredentialFactory(user=owner)
    return {"token": token, "client": client}


@pytest.fixture
def admin_api(admin_user):
    return bearer(APIClient(), PersonalAccessTokenFactory(user=admin_user, name="admin").raw)


def values_of(*credentials) -> list[str]:
    return [credential.raw for credential in credentials] + [
        credential.raw[4:] for credential in credentials
    ]


def assert_no_value(response, credentials) -> None:
    body = response.content.decode()
    for credential in credentials:
        digest = getattr(credential, "digest", None) or credential.secret_digest
        assert digest not in body
    for value in values_of(*credentials):
        assert value not in body


def test_an_administrator_lists_every_credential_of_the_account(
    admin_api, admin_user, owner, credentials
):
    response = admin_api.get(LIST)
    assert response.status_code == 200
    body = response.json()
    assert body["pagination"] == {"currentPage": 1, "pageCount": 1, "totalCount": 3}
    by_id = {item["id"]: item for item in body["data"]}
    token, client = credentials["token"], credentials["client"]
    assert by_id[token.id] == {
        "id": token.id,
        "kind": "personalAccessToken",
        "owner": {"id": owner.id, "email": "bob@example.com", "name": "Bob Builder"},
        "name": "deploy",
        "lastFour": token.last_four,
        "scope": "Read and write · All environments",
        "createdAt": by_id[token.id]["createdAt"],
        "expiresAt": by_id[token.id]["expiresAt"],
        "lastUsedAt": None,
        "lastUsedAddress": None,
        "lastUsedClient": "",
        "status": "active",
        "exceedsPolicy": False,
        "revokedAt": None,
        "revokedBy": None,
    }
    assert by_id[token.id]["expiresAt"].endswith("Z")
    assert by_id[client.id]["kind"] == "clientCredential"
    assert by_id[client.id]["name"] is None and by_id[client.id]["scope"] is None
    # The administrator's own token is listed too, with where it was just used from.
    (own,) = [item for item in body["data"] if item["owner"]["id"] == admin_user.id]
    assert own["lastUsedAddress"] == "127.0.0.1" and own["lastUsedAt"] is not None
    assert_no_value(response, credentials.values())


def test_filters(admin_api, admin_user, owner, credentials):
    def ids(query: str) -> set[str]:
        response = admin_api.get(f"{LIST}?{query}")
        assert response.status_code == 200, response.content
        return {item["id"] for item in response.json()["data"]}

    token, client = credentials["token"], credentials["client"]
    assert ids(f"ownerId={owner.id}") == {token.id, client.id}
    services.client_credential_revoke(credential=client, actor=admin_user)
    assert ids("status=revoked") == {client.id}
    assert ids(f"status=active&ownerId={owner.id}") == {token.id}
    assert ids("status=expired") == set() and ids("status=exceedsPolicy") == set()
    # The caller's own token was used by this very request: only the others are unused.
    assert ids("unusedForDays=30") == {token.id, client.id}
    assert admin_api.get(f"{LIST}?pageSize=1&pageNumber=2").json()["pagination"] == {
        "currentPage": 2,
        "pageCount": 3,
        "totalCount": 3,
    }


@pytest.mark.parametrize(
    "query",
    [
        "status=gone",
        "status=",
        "unusedForDays=0",
        "unusedForDays=abc",
        "unusedForDays=99999",
        "ownerId=a&ownerId=b",
        "ownerId=" + "x" * 300,
        "pageSize=0",
    ],
)
def test_bad_filters_are_a_400(admin_api, query):
    response = admin_api.get(f"{LIST}?{query}")
    assert response.status_code == 400
    assert response.json()["errors"][0]["message"]


def test_an_administrator_revokes_a_colleagues_token(admin_api, admin_user, owner, credentials):
    token = credentials["token"]
    response = admin_api.post(revoke_path(token.id))
    assert response.status_code == 200, response.content
    item = response.json()["data"]
    assert item["id"] == token.id and item["status"] == "revoked"
    assert item["revokedAt"] is not None
    assert item["revokedBy"] == {"id": admin_user.id, "email": admin_user.email, "name": ""}
    assert_no_value(response, [token])
    assert bearer(APIClient(), token.raw).get("/v1/spaces").status_code == 401
    event = Event.objects.get(topic="personal-access-token:revoked")
    assert event.actor_id == admin_user.id and event.payload["ownerId"] == owner.id
    # Again: the same answer, nothing new on the trail.
    again = admin_api.post(revoke_path(token.id))
    assert again.status_code == 200 and again.json()["data"]["revokedAt"] == item["revokedAt"]
    assert Event.objects.filter(topic="personal-access-token:revoked").count() == 1


def test_revoking_client_credentials_stops_their_access_tokens(admin_api, credentials):
    client = credentials["client"]
    exchange = {"type": "apiCredentials", "clientId": client.id, "secret": client.raw}
    access_token = APIClient().post("/v1/auth", exchange, format="json").json()["accessToken"]
    response = admin_api.post(revoke_path(client.id))
    assert response.status_code == 200
    assert response.json()["data"]["status"] == "revoked"
    assert APIClient().post("/v1/auth", exchange, format="json").status_code == 401
    assert bearer(APIClient(), access_token).get("/v1/spaces").status_code == 401


def test_another_accounts_administrator_sees_none_and_revokes_none(credentials, mailoutbox):
    stranger = administrator_of(make_account(name="Globex"))
    stranger_api = bearer(APIClient(), PersonalAccessTokenFactory(user=stranger).raw)
    listed = stranger_api.get(LIST).json()["data"]
    assert {item["owner"]["id"] for item in listed} == {stranger.id}
    for credential in credentials.values():
        refused = stranger_api.post(revoke_path(credential.id))
        assert refused.status_code == 404
        assert refused.json() == {"errors": [{"message": "Not found."}]}
        credential.refresh_from_db()
        assert credential.revoked_at is None
    assert not Event.objects.filter(topic__endswith=":revoked").exists()
    assert mailoutbox == []
    # An unknown id reads the same.
    assert stranger_api.post(revoke_path("us_pat_unknown")).json() == refused.json()
    assert stranger_api.post(revoke_path("us_key_unknown")).status_code == 404


def api_key(account, key_type):
    return services.api_key_roll(
        environment=development(account), actor=administrator_of(account), key_type=key_type
    ).raw


def guest_token(account):
    space = SpaceFactory(environment=development(account))
    guest = make_guest(development(account), spaces=[space])
    return guest_access_token_create(guest=guest)[0]


@pytest.mark.parametrize(
    "caller",
    [
        lambda account: api_key(account, ApiKey.Type.SECRET),
        lambda account: api_key(account, ApiKey.Type.PUBLISHABLE),
        guest_token,
    ],
    ids=["secret key", "publishable key", "guest"],
)
def test_keys_and_guests_are_refused(account, credentials, caller):
    api = bearer(APIClient(), caller(account))
    assert api.get(LIST).status_code == 403
    assert api.post(revoke_path(credentials["token"].id)).status_code == 403
    credentials["token"].refresh_from_db()
    assert credentials["token"].revoked_at is None


def test_a_token_narrowed_to_environments_is_refused_and_a_read_only_one_only_reads(
    account, admin_user, credentials
):
    _, narrow = services.personal_access_token_create(
        user=admin_user, name="dev only", environments=[development(account)]
    )
    refused = bearer(APIClient(), narrow).get(LIST)
    assert refused.status_code == 403
    assert "limited to some environments" in refused.json()["errors"][0]["message"]
    assert bearer(APIClient(), narrow).post(revoke_path(credentials["token"].id)).status_code == 403
    _, reader = services.personal_access_token_create(
        user=admin_user, name="reader", read_only=True
    )
    assert bearer(APIClient(), reader).get(LIST).status_code == 200
    assert bearer(APIClient(), reader).post(revoke_path(credentials["token"].id)).status_code == 403
    credentials["token"].refresh_from_db()
    assert credentials["token"].revoked_at is None


def test_no_credential_is_a_401(db):
    assert APIClient().get(LIST).status_code == 401
    assert APIClient().post(revoke_path("us_pat_x")).status_code == 401
