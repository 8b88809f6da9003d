"""Who may call the users endpoints (the account's administrators): administrators only,
never a key, 401 without a credential, and another account's user answered like an
unknown id."""

import pytest
from rest_framework.test import APIClient

from accounts.api import callers, users
from accounts.models import AdminInvitation, User
from tests.factories import ApiKeyFactory, development
from tests.tokens.conftest import bearer, user_access_token
from tokens.models import ApiKey
from tokens.principal import Principal


def key_api(account, key_type) -> APIClient:
    return bearer(APIClient(), ApiKeyFactory(environment=development(account), type=key_type).raw)


def test_the_administrators_kind_is_the_principals():
    # accounts names the kinds from its Reach, which tokens' Principal inherits.
    assert callers.ADMINISTRATORS == (Principal.USER,)
    assert users.UserList.allowed_principals == (Principal.USER,)


# Who may call ---------------------------------------------------------------------------------

OPERATIONS = [
    ("get", "/v1/users", None),
    ("get", "/v1/users/{id}", None),
    ("patch", "/v1/users/{id}", {"name": "New"}),
    ("delete", "/v1/users/{id}", None),
    ("post", "/v1/users/invite", {"email": "new@example.com"}),
    ("post", "/v1/users/{id}/resend-invite", None),
]


@pytest.mark.parametrize(("method", "path", "body"), OPERATIONS)
@pytest.mark.parametrize("key_type", [ApiKey.Type.SECRET, ApiKey.Type.PUBLISHABLE])
def test_keys_may_not_use_the_users_endpoints(account, other_admin, method, path, body, key_type):
    api = key_api(account, key_type)
    response = getattr(api, method)(path.format(id=other_admin.id), body, format="json")
    assert response.status_code == 403
    assert response["WWW-Authenticate"] == 'Bearer error="insufficient_scope"'
    assert User.objects.filter(pk=other_admin.pk, name="Second").exists()
    assert not AdminInvitation.objects.exists()


@pytest.mark.parametrize(("method", "path", "body"), OPERATIONS)
def test_no_credential_is_401(account, other_admin, method, path, body):
    response = getattr(APIClient(), method)(path.format(id=other_admin.id), body, format="json")
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_an_administrators_access_token_lists_users(admin_user):
    api = bearer(APIClient(), user_access_token(admin_user)[0])
    response = api.get("/v1/users")
    assert response.status_code == 200
    assert [user["id"] for user in response.json()["data"]] == [admin_user.id]


@pytest.mark.parametrize(("method", "path", "body"), [op for op in OPERATIONS if "{id}" in op[1]])
def test_another_accounts_user_is_404_like_an_unknown_id(pat_api, stranger, method, path, body):
    theirs = getattr(pat_api, method)(path.format(id=stranger.id), body, format="json")
    unknown = getattr(pat_api, method)(path.format(id="us_usr_000000000000"), body, format="json")
    assert theirs.status_code == unknown.status_code == 404
    assert theirs.json() == unknown.json() == {"errors": [{"message": "Not found."}]}
    stranger.refresh_from_db()
    assert stranger.name == ""
