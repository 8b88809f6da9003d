"""GET /v1/roles: the two roles that exist, in the SDK's shape, with fixed ids."""

import pytest
from rest_framework.test import APIClient

from accounts.models import AdminInvitation
from tests.factories import (
    ApiKeyFactory,
    PersonalAccessTokenFactory,
    administrator_of,
    development,
)
from tests.tokens.conftest import bearer, user_access_token
from tokens.models import ApiKey


@pytest.fixture
def pat_api(admin_user):
    return bearer(APIClient(), PersonalAccessTokenFactory(user=admin_user).raw)


def test_the_roles_in_the_sdks_shape(pat_api, account):
    response = pat_api.get("/v1/roles")
    assert response.status_code == 200
    created = account.created_at.isoformat(timespec="milliseconds").replace("+00:00", "Z")
    # Not paged: the SDK's ListRolesResponse has no pagination.
    assert response.json() == {
        "data": [
            {
                "id": "us_rol_administrator",
                "name": "administrator",
                "accountId": account.id,
                "createdAt": created,
                "updatedAt": created,
            },
            {
                "id": "us_rol_guest",
                "name": "guest",
                "accountId": account.id,
                "createdAt": created,
                "updatedAt": created,
            },
        ]
    }


def test_the_ids_are_the_same_in_every_account(pat_api, other_account):
    theirs = bearer(
        APIClient(), PersonalAccessTokenFactory(user=administrator_of(other_account)).raw
    )
    ours, others = (api.get("/v1/roles").json()["data"] for api in (pat_api, theirs))
    assert [role["id"] for role in ours] == [role["id"] for role in others]
    assert {role["accountId"] for role in others} == {other_account.id}


def test_an_access_token_and_a_secret_key_may_read_them(account, admin_user):
    token = bearer(APIClient(), user_access_token(admin_user)[0])
    key = bearer(APIClient(), ApiKeyFactory(environment=development(account)).raw)
    assert token.get("/v1/roles").json() == key.get("/v1/roles").json()


def test_a_publishable_key_is_403_and_no_credential_401(account):
    raw = ApiKeyFactory(environment=development(account), type=ApiKey.Type.PUBLISHABLE).raw
    refused = bearer(APIClient(), raw).get("/v1/roles")
    assert refused.status_code == 403
    assert refused["WWW-Authenticate"] == 'Bearer error="insufficient_scope"'
    assert APIClient().get("/v1/roles").status_code == 401


@pytest.mark.parametrize("method", ["post", "patch", "delete"])
def test_roles_are_read_only(pat_api, method):
    assert getattr(pat_api, method)("/v1/roles", {}, format="json").status_code == 405


def test_the_administrator_role_is_what_an_invitation_takes(pat_api, account):
    # The SDK's flow: read the roles, invite with one.
    role = next(r for r in pat_api.get("/v1/roles").json()["data"] if r["name"] == "administrator")
    response = pat_api.post(
        "/v1/users/invite",
        {
            "email": "new@example.com",
            "name": "New",
            "actorRoles": [{"roleId": role["id"], "resourceId": role["accountId"]}],
        },
        format="json",
    )
    assert response.status_code == 201
    assert AdminInvitation.objects.filter(email="new@example.com").exists()


@pytest.mark.parametrize("caller", ["pat", "secret key"])
def test_query_count(account, admin_user, django_assert_num_queries, caller):
    if caller == "pat":
        api = bearer(APIClient(), PersonalAccessTokenFactory(user=admin_user).raw)
    else:
        api = bearer(APIClient(), ApiKeyFactory(environment=development(account)).raw)
    api.get("/v1/roles")  # a first use records the credential's last use
    # The credential's lookup and the account's creation date.
    with django_assert_num_queries(2):
        assert api.get("/v1/roles").status_code == 200
