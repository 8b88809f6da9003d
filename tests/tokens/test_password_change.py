"""Credentials end when the password does: a password changed on the profile page, reset by
the mailed link, set in the admin or by `manage.py changepassword` refuses every access token
issued before it on the next request, and ends the user's other sessions. Personal access
tokens are the user's explicit choice and keep working."""

import re

import pytest
from django.contrib.auth.forms import AdminPasswordChangeForm
from django.core.management import call_command
from django.test import Client
from rest_framework.test import APIClient

from accounts.models import User
from tests.factories import DEFAULT_PASSWORD
from tests.tokens.conftest import bearer, user_access_token
from tokens import services
from tokens.verification import verify

NEW_PASSWORD = "a brand new passphrase"
RESET_LINK = re.compile(r"https?://[^/\s]+(/password-reset/\S+/\S+/)")


def signed_in(user: User, password: str = DEFAULT_PASSWORD) -> Client:
    """A browser of its own, signed in through the sign-in form."""
    client = Client()
    response = client.post("/login/", {"username": user.email, "password": password})
    assert response.status_code == 302, "sign-in failed"
    return client


def is_signed_in(client: Client) -> bool:
    return client.get("/profile/").status_code == 200


def access_token(email: str, password: str) -> str:
    response = APIClient().post("/v1/auth", {"email": email, "password": password}, format="json")
    assert response.status_code == 200, response.content
    return response.json()["accessToken"]


def client_access_token(client_id: str, secret: str) -> str:
    response = APIClient().post(
        "/v1/auth", {"type": "apiCredentials", "clientId": client_id, "secret": secret}, "json"
    )
    assert response.status_code == 200, response.content
    return response.json()["accessToken"]


def answer(token: str) -> int:
    """The status of an API request made with `token`."""
    return bearer(APIClient(), token).get("/v1/accounts/current").status_code


@pytest.fixture
def credentials_before(admin_user):
    """An access token from email + password, one from client credentials, and a PAT, all
    issued under the current password, and each accepted."""
    credential, secret = services.client_credential_create(user=admin_user)
    issued = {
        "password": access_token(admin_user.email, DEFAULT_PASSWORD),
        "client": client_access_token(credential.id, secret),
        "pat": services.personal_access_token_create(user=admin_user, name="script")[1],
    }
    assert {kind: answer(token) for kind, token in issued.items()} == dict.fromkeys(issued, 200)
    return issued


def assert_access_tokens_refused_and_pat_kept(issued: dict) -> None:
    assert answer(issued["password"]) == 401
    assert answer(issued["client"]) == 401
    assert answer(issued["pat"]) == 200  # the user's explicit choice: it keeps working


def test_changing_the_password_refuses_older_access_tokens_and_other_sessions(
    admin_user, credentials_before
):
    here, elsewhere = signed_in(admin_user), signed_in(admin_user)
    response = here.post(
        "/profile/password/",
        {
            "old_password": DEFAULT_PASSWORD,
            "new_password1": NEW_PASSWORD,
            "new_password2": NEW_PASSWORD,
        },
    )
    assert response.status_code == 302

    assert_access_tokens_refused_and_pat_kept(credentials_before)
    assert is_signed_in(here)  # the browser that changed it stays signed in
    assert not is_signed_in(elsewhere)
    # A token issued under the new password works.
    assert answer(access_token(admin_user.email, NEW_PASSWORD)) == 200


def test_resetting_the_password_refuses_older_access_tokens_and_every_session(
    admin_user, credentials_before, mailoutbox
):
    elsewhere = signed_in(admin_user)
    browser = Client()
    browser.post("/password-reset/", {"email": admin_user.email})
    form_url = browser.get(RESET_LINK.search(mailoutbox[0].body).group(1))["Location"]
    done = browser.post(form_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert done["Location"] == "/password-reset/done/"

    assert_access_tokens_refused_and_pat_kept(credentials_before)
    assert not is_signed_in(elsewhere)
    assert answer(access_token(admin_user.email, NEW_PASSWORD)) == 200


def test_a_password_set_in_the_admin_refuses_older_access_tokens(admin_user, credentials_before):
    form = AdminPasswordChangeForm(
        User.objects.get(pk=admin_user.pk),
        {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "usable_password": "true"},
    )
    assert form.is_valid(), form.errors
    form.save()
    assert_access_tokens_refused_and_pat_kept(credentials_before)


def test_manage_py_changepassword_refuses_older_access_tokens(
    admin_user, credentials_before, monkeypatch
):
    from django.contrib.auth.management.commands import changepassword

    monkeypatch.setattr(changepassword.getpass, "getpass", lambda prompt="": NEW_PASSWORD)
    call_command("changepassword", admin_user.email, stdout=None)
    assert_access_tokens_refused_and_pat_kept(credentials_before)


def test_an_unusable_password_refuses_older_access_tokens(admin_user, credentials_before):
    user = User.objects.get(pk=admin_user.pk)
    user.set_unusable_password()
    user.save()
    assert_access_tokens_refused_and_pat_kept(credentials_before)


def test_an_unsaved_password_changes_nothing(admin_user):
    token, _ = user_access_token(admin_user)
    User.objects.get(pk=admin_user.pk).set_password(NEW_PASSWORD)  # never saved
    assert verify(token) is not None


def test_a_hash_upgrade_on_sign_in_is_not_a_password_change(admin_user, settings):
    # Stored under an older hasher, the password is hashed again on the next sign-in (and
    # saved with update_fields=["password"]): the same password, so its tokens live on.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    user = User.objects.get(pk=admin_user.pk)
    user.set_password(DEFAULT_PASSWORD)
    user.save()
    token = access_token(user.email, DEFAULT_PASSWORD)
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
        "django.contrib.auth.hashers.MD5PasswordHasher",
    ]
    # The sign-in that upgrades the hash issues a token under the version it read ...
    upgraded = access_token(user.email, DEFAULT_PASSWORD)
    stored = User.objects.get(pk=user.pk)
    assert stored.password.startswith("pbkdf2_sha256$")
    assert stored.credentials_version == user.credentials_version
    # ... and neither it nor the one from before is refused.
    assert answer(upgraded) == 200
    assert answer(token) == 200


def test_the_version_is_kept_through_a_wrong_password(admin_user):
    user = User.objects.get(pk=admin_user.pk)
    version = user.credentials_version
    assert not user.check_password("not the password")
    assert user.check_password(DEFAULT_PASSWORD)
    assert user.credentials_version == version


def test_the_async_check_keeps_the_version_through_a_hash_upgrade(admin_user, settings):
    from asgiref.sync import async_to_sync

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    user = User.objects.get(pk=admin_user.pk)
    user.set_password(DEFAULT_PASSWORD)
    user.save()
    version = user.credentials_version
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
        "django.contrib.auth.hashers.MD5PasswordHasher",
    ]
    assert async_to_sync(user.acheck_password)(DEFAULT_PASSWORD)
    assert user.credentials_version == version
    stored = User.objects.get(pk=user.pk)
    assert stored.password.startswith("pbkdf2_sha256$")
    assert stored.credentials_version == version
