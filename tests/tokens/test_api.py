"""The credential and secret endpoints: shapes, reach, and refusals."""

from datetime import timedelta

import pytest
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from rest_framework.test import APIClient

from accounts.models import Event
from tests.factories import (
    AdministratorFactory,
    SpaceFactory,
    administrator_of,
    development,
    make_account,
    production,
)
from tests.tokens.conftest import bearer
from tokens import services
from tokens.models import ApiKey, PersonalAccessToken, Secret


def errors(response):
    return response.json()["errors"]


# Personal access tokens ----------------------------------------------------------------------


def test_create_returns_the_value_once_and_list_never_does(pat_api, admin_user):
    response = pat_api.post("/v1/auth/personal-access-tokens", {"name": "deploy"}, format="json")
    assert response.status_code == 201
    data = response.json()["data"]
    assert data["token"].startswith("pat_")
    created = data["personalAccessToken"]
    assert created["name"] == "deploy"
    assert created["lastUsedAt"] is None
    assert created["createdAt"].endswith("Z")
    assert created["id"].startswith("us_pat_")

    listed = pat_api.get("/v1/auth/personal-access-tokens")
    assert listed.status_code == 200
    assert [t["name"] for t in listed.json()["data"]] == ["deploy", "script"]
    assert data["token"] not in listed.content.decode()
    assert set(listed.json()["data"][0]) == {"id", "name", "createdAt", "lastUsedAt", "expiresAt"}


def test_created_token_works_and_records_last_use(pat_api):
    data = pat_api.post("/v1/auth/personal-access-tokens", {"name": "ci"}, format="json").json()[
        "data"
    ]
    fresh = bearer(APIClient(), data["token"])
    assert fresh.get("/v1/accounts/current").status_code == 200
    listed = fresh.get("/v1/auth/personal-access-tokens").json()["data"]
    assert next(t for t in listed if t["name"] == "ci")["lastUsedAt"] is not None


@pytest.mark.parametrize(
    ("body", "key"),
    [
        ({"name": ""}, "name"),
        ({"name": "x" * 300}, "name"),
        ({}, "name"),
        # 7 days is offered now (as on the page); a lifetime neither offers is refused.
        ({"name": "a", "expiresInDays": 8}, "expiresInDays"),
        ({"name": "a", "expiresInDays": 14}, "expiresInDays"),
    ],
)
def test_bad_token_input_is_400_and_creates_nothing(pat_api, body, key):
    response = pat_api.post("/v1/auth/personal-access-tokens", body, format="json")
    assert response.status_code == 400
    assert errors(response)[0]["key"] == key
    assert PersonalAccessToken.objects.count() == 1


def test_expiry_is_offered_and_shown(pat_api):
    data = pat_api.post(
        "/v1/auth/personal-access-tokens", {"name": "month", "expiresInDays": 30}, format="json"
    ).json()["data"]
    assert data["personalAccessToken"]["expiresAt"] is not None


@pytest.mark.parametrize("days", [7, 30, 60, 90, 365, "30"])
def test_the_api_accepts_the_lifetimes_the_page_offers(pat_api, days):
    data = pat_api.post(
        "/v1/auth/personal-access-tokens", {"name": "timed", "expiresInDays": days}, format="json"
    ).json()["data"]
    expires_at = parse_datetime(data["personalAccessToken"]["expiresAt"])
    expected = timezone.now() + timedelta(days=int(days))
    assert abs(expires_at - expected) < timedelta(minutes=1)


@pytest.mark.parametrize("body", [{"name": "forever"}, {"name": "forever", "expiresInDays": None}])
def test_a_token_made_without_a_lifetime_never_expires(pat_api, body):
    # The contract's body is {"name"}: the SDK sends no lifetime, and its tokens never expire.
    # Only the page suggests 30 days.
    data = pat_api.post("/v1/auth/personal-access-tokens", body, format="json").json()["data"]
    assert data["personalAccessToken"]["expiresAt"] is None


def test_delete_refuses_the_token_on_the_very_next_request(pat_api, pat, admin_user):
    victim_raw = services.personal_access_token_create(user=admin_user, name="victim")[1]
    victim = bearer(APIClient(), victim_raw)
    assert victim.get("/v1/auth/personal-access-tokens").status_code == 200
    token_id = PersonalAccessToken.objects.get(name="victim").id

    response = pat_api.delete(f"/v1/auth/personal-access-tokens/{token_id}")
    assert response.status_code == 200
    assert response.json() == {"data": {"success": True}}

    refused = victim.get("/v1/auth/personal-access-tokens")
    assert refused.status_code == 401
    assert 'error="invalid_token"' in refused["WWW-Authenticate"]
    assert Event.objects.filter(topic="personal-access-token:deleted").count() == 1


def test_another_users_token_is_404_to_list_and_delete(pat_api, other_account):
    stranger = administrator_of(other_account)
    theirs, _ = services.personal_access_token_create(user=stranger, name="theirs")
    assert "theirs" not in pat_api.get("/v1/auth/personal-access-tokens").content.decode()
    response = pat_api.delete(f"/v1/auth/personal-access-tokens/{theirs.id}")
    assert response.status_code == 404
    assert errors(response) == [{"message": "Not found."}]
    assert PersonalAccessToken.objects.filter(pk=theirs.pk).exists()


def test_a_colleagues_token_in_the_same_account_is_404_too(pat_api, account, admin_user):
    colleague = AdministratorFactory(account=account, email="colleague@example.com")
    theirs, _ = services.personal_access_token_create(user=colleague, name="colleague's")
    assert pat_api.delete(f"/v1/auth/personal-access-tokens/{theirs.id}").status_code == 404


def test_keys_cannot_manage_personal_access_tokens(secret_key):
    response = bearer(APIClient(), secret_key).get("/v1/auth/personal-access-tokens")
    assert response.status_code == 403
    assert response["WWW-Authenticate"] == 'Bearer error="insufficient_scope"'


def test_token_list_query_count_does_not_grow(pat_api, admin_user, django_assert_num_queries):
    pat_api.get("/v1/auth/personal-access-tokens")  # first use recorded
    with django_assert_num_queries(3):  # verify the PAT, count the tokens, list a page
        pat_api.get("/v1/auth/personal-access-tokens")
    for number in range(9):
        services.personal_access_token_create(user=admin_user, name=f"token {number}")
    with django_assert_num_queries(3):
        response = pat_api.get("/v1/auth/personal-access-tokens")
    assert len(response.json()["data"]) == 10


def test_token_list_is_paged_newest_first(pat_api, admin_user):
    """Paged like every list: 100 by default, `pageSize` and `pageNumber` optional (the
    SDK's listPersonalAccessTokens sends neither), with the contract's `pagination`."""
    for number in range(104):
        services.personal_access_token_create(user=admin_user, name=f"token {number}")
    everyone = pat_api.get("/v1/auth/personal-access-tokens").json()
    assert everyone["pagination"] == {"currentPage": 1, "pageCount": 2, "totalCount": 105}
    assert len(everyone["data"]) == 100
    assert everyone["data"][0]["name"] == "token 103"  # newest first
    last = pat_api.get("/v1/auth/personal-access-tokens?pageNumber=2").json()
    assert [token["name"] for token in last["data"]] == [
        *(f"token {number}" for number in range(3, -1, -1)),
        "script",  # the caller's own, made first
    ]
    small = pat_api.get("/v1/auth/personal-access-tokens?pageSize=10&pageNumber=3").json()
    assert small["pagination"] == {"currentPage": 3, "pageCount": 11, "totalCount": 105}
    assert [token["name"] for token in small["data"]] == [
        f"token {number}" for number in range(83, 73, -1)
    ]
    seen = {
        token["id"]
        for page in range(1, 12)
        for token in pat_api.get(
            f"/v1/auth/personal-access-tokens?pageSize=10&pageNumber={page}"
        ).json()["data"]
    }
    assert len(seen) == 105  # every token once, however it is paged
    past = pat_api.get("/v1/auth/personal-access-tokens?pageNumber=3").json()
    assert past == {
        "data": [],
        "pagination": {"currentPage": 3, "pageCount": 2, "totalCount": 105},
    }


@pytest.mark.parametrize("query", ["pageSize=0", "pageNumber=0", "pageNumber=x", "pageSize=-1"])
def test_token_list_refuses_bad_paging(pat_api, query):
    response = pat_api.get(f"/v1/auth/personal-access-tokens?{query}")
    assert response.status_code == 400


def test_account_endpoints_query_budget(pat_api, account, django_assert_num_queries):
    pat_api.get("/v1/environments")  # first use recorded
    # Verify the PAT, then the page: its count and its rows by the account's id (the list is
    # paged since issue 12, portal.pagination.Pagination counting once and slicing once).
    with django_assert_num_queries(3):
        assert pat_api.get("/v1/environments").status_code == 200
    with django_assert_num_queries(2):  # verify the PAT, then the account's fields at once
        response = pat_api.get("/v1/accounts/current")
    assert response.json()["data"]["name"] == account.name


# API keys ------------------------------------------------------------------------------------


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


# Secrets ---------------------------------------------------------------------------------------


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


def test_account_current(pat_api, account):
    data = pat_api.get("/v1/accounts/current").json()["data"]
    assert data["id"] == account.id
    assert data["name"] == account.name


def test_routes_are_also_served_under_api_v1(pat_api):
    assert pat_api.get("/api/v1/auth/personal-access-tokens").status_code == 200
