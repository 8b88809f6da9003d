"""`Cache-Control: no-store` on every response that carries a credential or a secret value:
every API response, and every page of a signed-in person, error re-renders and refusals
included (portal.no_store)."""

import re

import pytest
from django.test import Client
from rest_framework.test import APIClient

from tests.factories import DEFAULT_PASSWORD, development
from tests.reauthentication_helpers import recently_authenticated
from tokens import services
from tokens.models import ApiKey


def assert_no_store(response, what) -> None:
    directives = {part.strip() for part in response.get("Cache-Control", "").split(",")}
    assert "no-store" in directives, (what, response.status_code, response.get("Cache-Control"))
    assert "private" in directives, what  # for caches that do not know no-store


def nonce_of(response) -> str:
    return re.search(r'name="nonce" value="([^"]+)"', response.content.decode()).group(1)


@pytest.fixture
def world(account, admin_user):
    environment = development(account)
    secret, _ = services.secret_upsert(
        environment=environment, actor=admin_user, name="WEBHOOK", value="private"
    )
    token, pat = services.personal_access_token_create(user=admin_user, name="walk")
    return {
        "environment": environment,
        "secret": secret,
        "token": token,
        "pat": pat,
        "secret_key": ApiKey.objects.get(environment=environment, type="SECRET"),
    }


def test_every_api_response_is_no_store(admin_user, world):
    env = world["environment"].id
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {world['pat']}")
    anonymous = APIClient()
    login = {"email": admin_user.email, "password": DEFAULT_PASSWORD}
    calls = [
        (anonymous, "post", "/v1/auth", login, 200),
        (anonymous, "post", "/api/v1/auth", login, 200),
        (anonymous, "post", "/v1/auth", {**login, "password": "wrong"}, 401),
        (api, "get", "/v1/auth/personal-access-tokens", None, 200),
        (api, "post", "/v1/auth/personal-access-tokens", {"name": "new"}, 201),
        (api, "post", "/v1/auth/personal-access-tokens", {"name": ""}, 400),
        (api, "get", f"/v1/auth/api-keys?environmentId={env}", None, 200),
        (api, "get", f"/api/v1/auth/api-keys?environmentId={env}", None, 200),
        (api, "get", f"/v1/auth/publishable-key?environmentId={env}", None, 200),
        (api, "post", "/v1/auth/api-key", {"environmentId": env, "type": "SECRET"}, 201),
        (api, "get", f"/v1/secrets?environmentId={env}", None, 200),
        (api, "post", "/v1/secrets", {"environmentId": env, "name": "N", "value": "v"}, 200),
        (api, "delete", f"/v1/secrets/{world['secret'].id}", None, 200),
        (api, "get", "/v1/accounts/current", None, 200),
        (api, "get", "/v1/environments", None, 200),
        (anonymous, "get", f"/v1/secrets?environmentId={env}", None, 401),
        (api, "get", "/v1/no-such-endpoint", None, 404),
    ]
    for client, method, path, body, status in calls:
        kwargs = {"format": "json"} if body is not None else {}
        response = getattr(client, method)(path, body, **kwargs)
        assert response.status_code == status, (method, path, response.content)
        assert_no_store(response, f"{method.upper()} {path}")


def test_every_page_of_a_signed_in_administrator_is_no_store(admin_client, world):
    environment, token = world["environment"], world["token"]
    # The question asked before a dangerous action is a page like any other.
    asked = admin_client.post("/personal-access-tokens/", {"name": "asked"})
    assert asked.status_code == 403
    assert_no_store(asked, "POST /personal-access-tokens/ (re-authentication asked)")
    recently_authenticated(admin_client)
    api_keys = f"/environments/{environment.id}/api-keys/"
    pages = ["/", "/profile/", "/profile/password/", "/personal-access-tokens/", api_keys]
    pages += ["/settings/personal-tokens/", "/spaces/", f"/environments/{environment.id}/"]
    for path in pages:
        response = admin_client.get(path)
        assert response.status_code in (200, 302), path
        assert_no_store(response, f"GET {path}")

    tokens_page = admin_client.get("/personal-access-tokens/")
    posts = [
        # A token shown once, a token's new value, and the create form's error re-render.
        ("/personal-access-tokens/", {"name": "shown", "nonce": nonce_of(tokens_page)}, 200),
        (
            f"/personal-access-tokens/{token.id}/regenerate/",
            {"nonce": nonce_of(admin_client.get("/personal-access-tokens/"))},
            200,
        ),
        (
            "/personal-access-tokens/",
            {"name": "", "nonce": nonce_of(admin_client.get("/personal-access-tokens/"))},
            400,
        ),
        # Client credentials shown once.
        (
            "/settings/personal-tokens/",
            {"nonce": nonce_of(admin_client.get("/settings/personal-tokens/"))},
            200,
        ),
        # "Add a secret" answered with errors: the page holds the keys and what was typed.
        (f"/environments/{environment.id}/secrets/", {"name": "", "value": "typed"}, 400),
        # The secret key itself, for Reveal and Copy.
        (f"{api_keys}{world['secret_key'].id}/reveal/", {}, 200),
        # Redirects after a change.
        (f"{api_keys}roll/", {"type": "PUBLISHABLE", "keep_old_for": "now"}, 302),
        ("/profile/password/", {"old_password": "wrong"}, 200),
    ]
    for path, data, status in posts:
        response = admin_client.post(path, data)
        assert response.status_code == status, (path, response.status_code)
        assert_no_store(response, f"POST {path}")


def test_a_refusal_by_the_middleware_is_no_store_too(admin_user, world):
    # A page of a signed-in person answered by CSRF protection, not by a view.
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(admin_user)
    environment, key = world["environment"], world["secret_key"]
    response = browser.post(f"/environments/{environment.id}/api-keys/{key.id}/reveal/")
    assert response.status_code == 403
    assert_no_store(response, "CSRF refusal")
