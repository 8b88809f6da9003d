"""The credential pages through Django's test client."""

import re

import pytest

from accounts.models import Event
from tests.factories import SpaceFactory, administrator_of, development
from tokens import services
from tokens.models import ApiKey, ClientCredential, PersonalAccessToken, Secret
from tokens.verification import verify


def text(response) -> str:
    return response.content.decode()


def nonce_of(response) -> str:
    return re.search(r'name="nonce" value="([^"]+)"', text(response)).group(1)


def create_token(client, name="deploy", **extra):
    nonce = nonce_of(client.get("/personal-access-tokens/"))
    return client.post("/personal-access-tokens/", {"name": name, "nonce": nonce, **extra})


def shown_token(response) -> str:
    return re.search(
        r'id="new-token" class="secret-value" value="(pat_[^"]+)"', text(response)
    ).group(1)


# Personal access tokens ----------------------------------------------------------------------


def test_created_token_is_shown_exactly_once_and_kept_nowhere(admin_client, admin_user):
    response = create_token(admin_client)
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    raw = shown_token(response)
    assert "will not be shown again" in text(response)
    assert verify(raw).user == admin_user

    session_data = admin_client.session.load()
    assert raw not in str(session_data)
    assert raw not in str(list(PersonalAccessToken.objects.values()))
    later = admin_client.get("/personal-access-tokens/")
    assert raw not in text(later)
    assert "deploy" in text(later)
    assert "Never" in text(later)


def test_a_reload_of_the_create_post_creates_nothing_and_shows_nothing(admin_client):
    nonce = nonce_of(admin_client.get("/personal-access-tokens/"))
    first = admin_client.post("/personal-access-tokens/", {"name": "once", "nonce": nonce})
    raw = shown_token(first)
    again = admin_client.post(
        "/personal-access-tokens/", {"name": "once", "nonce": nonce}, follow=True
    )
    assert raw not in text(again)
    assert "No new token was created" in text(again)
    assert PersonalAccessToken.objects.filter(name="once").count() == 1


@pytest.mark.parametrize(
    ("name", "extra", "message"),
    [
        ("", {}, "Token name cannot be empty."),
        ("x" * 300, {}, "Token name must be at most 255 characters."),
        ("ok", {"expires_in_days": "7"}, "Select a valid choice."),
    ],
)
def test_bad_token_input_keeps_the_dialog_open(admin_client, name, extra, message):
    response = create_token(admin_client, name=name, **extra)
    assert response.status_code == 400
    assert message in text(response)
    assert 'id="create-token" data-open-on-load' in text(response)
    assert f'value="{name}"' in text(response)
    assert not PersonalAccessToken.objects.exists()


def test_expiry_choice_is_kept_and_listed(admin_client):
    create_token(admin_client, name="quarterly", expires_in_days="90")
    token = PersonalAccessToken.objects.get(name="quarterly")
    assert token.expires_at is not None
    assert token.expires_at.strftime("%Y-%m-%d") in text(
        admin_client.get("/personal-access-tokens/")
    )


def test_regenerate_keeps_name_and_revokes_the_old_value(admin_client, admin_user):
    token, old = services.personal_access_token_create(
        user=admin_user, name="rotate me", expires_in_days=30
    )
    response = admin_client.post(f"/personal-access-tokens/{token.id}/regenerate/")
    new = shown_token(response)
    assert new != old
    assert verify(old) is None
    assert verify(new).user == admin_user
    token.refresh_from_db()
    assert token.name == "rotate me"
    assert token.expires_at is not None


def test_delete_revokes_at_once(admin_client, admin_user):
    token, raw = services.personal_access_token_create(user=admin_user, name="bye")
    response = admin_client.post(f"/personal-access-tokens/{token.id}/delete/")
    assert response.status_code == 302
    assert verify(raw) is None
    assert "Token “bye” deleted." in text(admin_client.get("/personal-access-tokens/"))
    assert Event.objects.filter(topic="personal-access-token:deleted").exists()


def test_another_users_token_is_404(admin_client, other_account):
    theirs, raw = services.personal_access_token_create(
        user=administrator_of(other_account), name="theirs"
    )
    assert admin_client.post(f"/personal-access-tokens/{theirs.id}/delete/").status_code == 404
    assert admin_client.post(f"/personal-access-tokens/{theirs.id}/regenerate/").status_code == 404
    assert verify(raw) is not None
    assert "theirs" not in text(admin_client.get("/personal-access-tokens/"))


def test_token_list_queries_do_not_grow(admin_client, admin_user, django_assert_num_queries):
    services.personal_access_token_create(user=admin_user, name="first")
    admin_client.get("/personal-access-tokens/")
    # session, user, membership with account, the switcher's environments, tokens, and saving
    # the create form's one-time nonce in the session (an UPDATE inside a savepoint)
    with django_assert_num_queries(8):
        admin_client.get("/personal-access-tokens/")
    for number in range(9):
        services.personal_access_token_create(user=admin_user, name=f"t{number}")
    with django_assert_num_queries(8):
        response = admin_client.get("/personal-access-tokens/")
    assert text(response).count("data-token-id=") == 10


# Legacy client credentials ----------------------------------------------------------------------


def test_client_credentials_are_shown_once_and_deletable(admin_client, admin_user):
    nonce = re.search(
        r'name="nonce" value="([^"]+)"', text(admin_client.get("/settings/personal-tokens/"))
    ).group(1)
    response = admin_client.post("/settings/personal-tokens/", {"nonce": nonce})
    secret = re.search(r'value="(cs_[^"]+)"', text(response)).group(1)
    credential = ClientCredential.objects.get()
    assert credential.id in text(response)
    assert secret not in text(admin_client.get("/settings/personal-tokens/"))
    assert credential.secret_digest != secret

    admin_client.post(f"/settings/personal-tokens/{credential.id}/delete/")
    assert not ClientCredential.objects.exists()


# API keys and secrets ------------------------------------------------------------------------


def test_api_keys_page_shows_keys_and_the_env_snippet(admin_client, account):
    environment = development(account)
    page = text(admin_client.get(f"/environments/{environment.id}/api-keys/"))
    publishable = ApiKey.objects.get(environment=environment, type="PUBLISHABLE")
    secret_key = ApiKey.objects.get(environment=environment, type="SECRET")
    assert publishable.raw_key in page
    assert f"FLATFILE_ENVIRONMENT_ID={environment.id}" in page
    assert f"sk_••••••••{secret_key.last_four}" in page
    # The raw secret key is only inside <template> elements, revealed by a click.
    visible = re.sub(r"<template.*?</template>", "", page, flags=re.S)
    assert secret_key.raw_key not in visible
    assert secret_key.raw_key in page


def test_roll_with_grace_lists_the_old_key_until_it_expires(admin_client, account):
    environment = development(account)
    old = ApiKey.objects.get(environment=environment, type="PUBLISHABLE")
    admin_client.post(
        f"/environments/{environment.id}/api-keys/roll/",
        {"type": "PUBLISHABLE", "keep_old_for": "24h"},
    )
    page = text(admin_client.get(f"/environments/{environment.id}/api-keys/"))
    assert "New publishable key created." in page
    assert f"…{old.last_four}" in page and "expires at" in page
    assert ApiKey.objects.filter(environment=environment, type="PUBLISHABLE").count() == 2


def test_roll_with_a_bad_choice_changes_nothing(admin_client, account):
    environment = development(account)
    response = admin_client.post(
        f"/environments/{environment.id}/api-keys/roll/",
        {"type": "SECRET", "keep_old_for": "forever"},
        follow=True,
    )
    assert "Choose a key type" in text(response)
    assert ApiKey.objects.filter(environment=environment).count() == 2


def test_secrets_are_saved_never_shown_and_can_be_replaced_or_deleted(admin_client, account):
    environment = development(account)
    space = SpaceFactory(environment=environment, name="Intake")
    url = f"/environments/{environment.id}/secrets/"
    admin_client.post(url, {"name": "API_TOKEN", "value": "env-value-123", "scope": ""})
    admin_client.post(url, {"name": "API_TOKEN", "value": "space-value-456", "scope": space.id})
    page = text(admin_client.get(f"/environments/{environment.id}/api-keys/"))
    assert "API_TOKEN" in page and "Space: Intake" in page
    assert "env-value-123" not in page and "space-value-456" not in page

    secret = Secret.objects.get(space__isnull=True)
    admin_client.post(f"/secrets/{secret.id}/value/", {"value": "rotated-789"})
    secret.refresh_from_db()
    assert secret.value == "rotated-789"
    admin_client.post(f"/secrets/{secret.id}/delete/")
    assert Secret.objects.count() == 1


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"name": "", "value": "v"}, "Name must be 1 to 1024 characters."),
        ({"name": "n" * 1025, "value": "v"}, "Name must be 1 to 1024 characters."),
        ({"name": "N", "value": ""}, "Value must be 1 to 1024 characters."),
        (
            {"name": "N", "value": "v", "scope": "us_sp_notmine"},
            "Choose the environment or one of its spaces.",
        ),
    ],
)
def test_bad_secrets_are_refused_with_what_was_typed_kept(admin_client, account, data, message):
    environment = development(account)
    response = admin_client.post(f"/environments/{environment.id}/secrets/", data)
    assert response.status_code == 400
    assert message in text(response)
    if data["name"]:
        assert f'value="{data["name"]}"' in text(response)
    assert not Secret.objects.exists()


def test_another_accounts_keys_and_secrets_are_404(admin_client, other_account):
    environment = development(other_account)
    secret, _ = services.secret_upsert(
        environment=environment, actor=administrator_of(other_account), name="X", value="y"
    )
    assert admin_client.get(f"/environments/{environment.id}/api-keys/").status_code == 404
    assert (
        admin_client.post(
            f"/environments/{environment.id}/api-keys/roll/",
            {"type": "SECRET", "keep_old_for": "now"},
        ).status_code
        == 404
    )
    assert admin_client.post(f"/secrets/{secret.id}/delete/").status_code == 404
    assert admin_client.post(f"/secrets/{secret.id}/value/", {"value": "z"}).status_code == 404
    assert Secret.objects.get(pk=secret.pk).value == "y"


def test_api_keys_page_queries_do_not_grow(
    admin_client, account, admin_user, django_assert_num_queries
):
    environment = development(account)
    url = f"/environments/{environment.id}/api-keys/"
    services.secret_upsert(environment=environment, actor=admin_user, name="S0", value="v")
    admin_client.get(url)
    # session, user, membership with account, environment, keys, switcher, secrets, spaces
    with django_assert_num_queries(8):
        admin_client.get(url)
    for number in range(1, 10):
        space = SpaceFactory(environment=environment)
        services.secret_upsert(
            environment=environment, actor=admin_user, name=f"S{number}", value="v", space=space
        )
    with django_assert_num_queries(8):
        admin_client.get(url)
