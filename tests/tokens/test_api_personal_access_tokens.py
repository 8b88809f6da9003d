"""The personal access token endpoints (/v1/auth/personal-access-tokens): the value returned
once and never listed, the lifetimes accepted, deleting, whose tokens a caller reaches, and the
list's queries and pages."""

from datetime import timedelta

import pytest
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from rest_framework.test import APIClient

from accounts.models import Event
from tests.factories import AdministratorFactory, administrator_of
from tests.tokens.api_helpers import errors
from tests.tokens.conftest import bearer
from tokens import services
from tokens.models import PersonalAccessToken


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
    assert set(listed.json()["data"][0]) == {
        "id",
        "name",
        "createdAt",
        "lastUsedAt",
        "expiresAt",
        "readOnly",
        "environmentIds",
        "scope",
        "status",
        "exceedsPolicy",
        "revokedAt",
    }
    assert listed.json()["data"][0] | {"id": "", "createdAt": ""} == created | {
        "id": "",
        "createdAt": "",
        "readOnly": False,
        "environmentIds": None,
        "scope": "Read and write · All environments",
        "status": "active",
        "exceedsPolicy": False,
        "revokedAt": None,
    }


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
    # Verify the PAT, count the tokens, list a page, and the page's tokens' environments.
    with django_assert_num_queries(4):
        pat_api.get("/v1/auth/personal-access-tokens")
    environments = list(admin_user.membership.account.environments.all())
    for number in range(9):  # narrowed to none (all), one or two environments, by turns
        services.personal_access_token_create(
            user=admin_user,
            name=f"token {number}",
            read_only=number % 2 == 0,
            environments=environments[: number % 3] or None,
        )
    with django_assert_num_queries(4):
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
