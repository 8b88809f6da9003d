"""Signing in to the administrator pages, through Django's test client: the sign-in form,
its rate limits, signing out, a user without an account, and the CSRF token every form
needs."""

import pytest
from django.test import Client

from accounts import services
from accounts.models import AdminInvitation, Environment, Space, User, Workbook
from tests.factories import DEFAULT_PASSWORD, SpaceFactory, WorkbookFactory, development
from tests.pages import text

# Signing in -----------------------------------------------------------------------------------


def test_signed_out_visitors_are_sent_to_sign_in(client, account):
    environment = development(account)
    for url in [
        "/",
        "/environments/",
        f"/environments/{environment.id}/",
        "/spaces/",
        "/team/",
        "/logs/",
        "/personal-access-tokens/",
        f"/environments/{environment.id}/api-keys/",
    ]:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/login/?next="), url


def test_sign_in_with_email_and_password(client, admin_user):
    response = client.post("/login/", {"username": admin_user.email, "password": DEFAULT_PASSWORD})
    assert response.status_code == 302
    assert client.get("/").status_code == 302
    assert "_auth_user_id" in client.session


def test_wrong_email_and_wrong_password_get_the_same_message(client, admin_user):
    wrong_password = client.post("/login/", {"username": admin_user.email, "password": "nope"})
    unknown_email = client.post(
        "/login/", {"username": "ghost@example.com", "password": DEFAULT_PASSWORD}
    )
    message = "That email and password do not match an account."
    assert message in text(wrong_password)
    assert message in text(unknown_email)
    # The typed email is kept.
    assert 'value="ghost@example.com"' in text(unknown_email)


def test_sign_in_is_rate_limited(client, admin_user, settings):
    # Failures per (email, address) are django-axes' count (tests/accounts/test_lockout.py).
    settings.AXES_FAILURE_LIMIT = 3
    for _ in range(3):
        client.post("/login/", {"username": admin_user.email, "password": "guess"})
    response = client.post("/login/", {"username": admin_user.email, "password": DEFAULT_PASSWORD})
    assert response.status_code == 429
    assert "Too many attempts" in text(response)
    assert response.has_header("Retry-After")
    assert "_auth_user_id" not in client.session


@pytest.mark.usefixtures("one_rate_limit_window")
def test_sign_in_is_rate_limited_per_address_across_emails(client, admin_user, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "login-address": (3, 60)}
    for number in range(3):
        client.post("/login/", {"username": f"guess{number}@example.com", "password": "x"})
    response = client.post("/login/", {"username": admin_user.email, "password": DEFAULT_PASSWORD})
    assert response.status_code == 429
    # Another address may still sign in.
    other = Client(REMOTE_ADDR="203.0.113.9")
    ok = other.post("/login/", {"username": admin_user.email, "password": DEFAULT_PASSWORD})
    assert ok.status_code == 302


@pytest.mark.usefixtures("one_rate_limit_window")
def test_sign_in_is_rate_limited_per_email_across_addresses(admin_user, settings):
    # The loose per-email limit: guesses spread over many addresses (each far below axes'
    # per-address lockout) stop too, whatever the spelling of the email.
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "login-email": (3, 60)}
    for number in range(3):
        Client(REMOTE_ADDR=f"198.51.100.{number}").post(
            "/login/", {"username": admin_user.email, "password": "guess"}
        )
    response = Client(REMOTE_ADDR="198.51.100.99").post(
        "/login/", {"username": f" {admin_user.email.upper()}\t", "password": DEFAULT_PASSWORD}
    )
    assert response.status_code == 429
    ok = Client(REMOTE_ADDR="198.51.100.99").post(
        "/login/", {"username": "someone.else@example.com", "password": "x"}
    )
    assert ok.status_code == 200  # a wrong login, but not a refused one


@pytest.mark.usefixtures("one_rate_limit_window")
def test_a_refused_sign_in_does_not_check_the_password(client, admin_user, settings, monkeypatch):
    import django.contrib.auth.forms as auth_forms

    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "login-address": (1, 60)}
    client.post("/login/", {"username": admin_user.email, "password": "guess"})
    checked = []
    monkeypatch.setattr(auth_forms, "authenticate", lambda *args, **kwargs: checked.append(1))
    response = client.post("/login/", {"username": admin_user.email, "password": DEFAULT_PASSWORD})
    assert response.status_code == 429
    assert checked == []
    wait = response["Retry-After"]
    assert f"Too many attempts, try again in {wait} seconds." in text(response)
    assert f'value="{admin_user.email}"' in text(response)  # what was typed is kept


def test_sign_out_is_a_post(admin_client):
    assert admin_client.get("/logout/").status_code == 405
    assert admin_client.post("/logout/").status_code == 302
    assert admin_client.get("/team/").status_code == 302


def test_a_user_without_an_account_is_told_so(client, db):
    user = User.objects.create_superuser(email="root@example.com", password="x" * 12)
    client.force_login(user)
    for url in ["/", "/environments/", "/spaces/", "/team/", "/logs/"]:
        response = client.get(url)
        assert response.status_code == 403, url
        assert "not an administrator of any account" in text(response)
    # Signing in again lands on the same page, not in a redirect loop.
    assert client.get("/login/")["Location"] == "/"


def test_signed_out_posts_change_nothing(client, account):
    environment = development(account)
    space = SpaceFactory(environment=environment)
    for url, data in [
        ("/environments/", {"name": "staging"}),
        (f"/environments/{environment.id}/delete/", {}),
        (f"/spaces/{space.id}/delete/", {}),
        ("/team/", {"email": "new@example.com"}),
    ]:
        response = client.post(url, data)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/login/"), url
    assert Environment.objects.filter(account=account).count() == 2
    assert Space.objects.filter(pk=space.pk).exists()
    assert not AdminInvitation.objects.exists()


def test_every_form_needs_its_csrf_token(admin_user, account):
    client = Client(enforce_csrf_checks=True)
    client.force_login(admin_user)
    environment = development(account)
    space = SpaceFactory(environment=environment, name="Kept")
    workbook = WorkbookFactory(space=space, name="Kept")
    _, link = services.administrator_invite(
        account=account, actor=admin_user, email="c@example.com"
    )
    client.get(link)  # the invitation's token now waits in the session, as in a browser
    passwords = {"password": "a fine long phrase", "password_again": "a fine long phrase"}
    for url, data in [
        ("/login/", {"username": admin_user.email, "password": DEFAULT_PASSWORD}),
        ("/logout/", {}),
        ("/environments/", {"name": "staging"}),
        (f"/environments/{environment.id}/", {"name": "Space"}),
        (f"/environments/{environment.id}/settings/", {"name": "renamed"}),
        (f"/environments/{environment.id}/delete/", {}),
        (f"/spaces/{space.id}/", {"action": "update-space", "name": "renamed"}),
        (f"/spaces/{space.id}/", {"action": "create-workbook", "name": "New"}),
        (f"/spaces/{space.id}/delete/", {}),
        (f"/workbooks/{workbook.id}/", {"name": "renamed"}),
        (f"/workbooks/{workbook.id}/delete/", {}),
        ("/team/", {"email": "new@example.com"}),
        (f"/team/{admin_user.id}/remove/", {}),
        (f"/team/invitations/{AdminInvitation.objects.get().id}/resend/", {}),
        (f"/team/invitations/{AdminInvitation.objects.get().id}/revoke/", {}),
        ("/invitations/accept/", passwords),
        ("/personal-access-tokens/", {"name": "t"}),
        (f"/environments/{environment.id}/secrets/", {"name": "A", "value": "b"}),
    ]:
        assert client.post(url, data).status_code == 403, url
    assert client.get("/team/").status_code == 200  # still signed in
    assert [env.name for env in Environment.objects.filter(account=account)] == [
        "development",
        "production",
    ]
    assert Space.objects.get(pk=space.pk).name == "Kept"
    assert Workbook.objects.get(pk=workbook.pk).name == "Kept"
    assert not User.objects.filter(email="c@example.com").exists()
    assert AdminInvitation.objects.count() == 1
