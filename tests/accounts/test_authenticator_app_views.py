"""The authenticator app's section of the Password and authentication page, through Django's
test client: set up (QR code, key as text, a first code), shown as set up, removed."""

import re
import time

import pyotp
import pytest
from django.test import Client

from accounts import two_step
from accounts.models import AuthenticatorApp, Event
from accounts.services.second_factors import recovery_codes_left
from accounts.two_step import has_second_factor
from portal.encryption import decrypt
from tests.accounts.test_two_step_sign_in import wrong_code
from tests.pages import text

SECURITY = "/profile/security/"
BEGIN = "/profile/security/authenticator-app/begin/"
SETUP = "/profile/security/authenticator-app/"
REMOVE = "/profile/security/authenticator-app/remove/"


def recently_authenticated(client):
    """Signed in just now: the setup and removal ask to re-authenticate otherwise."""
    session = client.session
    session[two_step.AUTHENTICATED_AT] = time.time()
    session.save()
    return client


@pytest.fixture
def admin_client(admin_client):
    return recently_authenticated(admin_client)


def secret_on(page: str) -> str:
    """The key as the setup page shows it to be typed, without its spaces."""
    match = re.search(r'data-testid="authenticator-app-secret">([A-Z2-7 ]+)</code>', page)
    return match.group(1).replace(" ", "")


def set_up(client) -> tuple[str, object]:
    """Set an app up as a person does; its secret and the confirming response."""
    client.post(BEGIN)
    secret = secret_on(text(client.get(SETUP)))
    return secret, client.post(SETUP, {"code": pyotp.TOTP(secret).now()})


def test_the_page_offers_to_set_an_app_up(admin_client):
    page = text(admin_client.get(SECURITY))
    assert "No authenticator app is set up." in page
    assert f'action="{BEGIN}"' in page


def test_setting_up_shows_a_qr_code_and_the_key_grouped(admin_client, admin_user):
    response = admin_client.post(BEGIN)
    assert response.status_code == 302 and response["Location"] == SETUP
    page = admin_client.get(SETUP)
    assert page.status_code == 200
    assert "no-store" in page["Cache-Control"]
    content = text(page)
    assert "<svg" in content and "<path" in content and "&lt;svg" not in content
    shown = re.search(r'data-testid="authenticator-app-secret">([A-Z2-7 ]+)</code>', content)
    groups = shown.group(1).split(" ")
    assert all(len(group) == 4 for group in groups[:-1]) and len("".join(groups)) == 32
    # Not a factor until confirmed.
    assert not has_second_factor(admin_user)


def test_a_first_code_confirms_and_shows_recovery_codes_once(admin_client, admin_user, account):
    secret, response = set_up(admin_client)
    assert response.status_code == 200
    content = text(response)
    codes = re.findall(r"<li><code>([a-z2-7]{5}-[a-z2-7]{5})</code></li>", content)
    assert len(codes) == 10
    assert "Save these codes now" in content
    assert has_second_factor(admin_user)
    assert recovery_codes_left(admin_user) == 10
    assert Event.objects.filter(account=account, topic="user:authenticator-app-added").exists()
    # Never again: the setup page is gone, the security page counts them only.
    assert admin_client.get(SETUP)["Location"] == SECURITY
    security = text(admin_client.get(SECURITY))
    assert not any(code in security for code in codes)
    assert "unused recovery codes left" in security
    assert 'data-testid="authenticator-app"' in security
    assert "Last used" in security and "never" in security


def test_a_wrong_code_is_a_400_saying_so_and_the_setup_goes_on(admin_client, admin_user):
    admin_client.post(BEGIN)
    secret = secret_on(text(admin_client.get(SETUP)))
    totp = pyotp.TOTP(secret)
    response = admin_client.post(SETUP, {"code": wrong_code(secret)})
    assert response.status_code == 400
    assert "That code is not right." in text(response)
    assert secret_on(text(response)) == secret  # the same key, to try again
    assert not has_second_factor(admin_user)
    assert admin_client.post(SETUP, {"code": totp.now()}).status_code == 200
    assert has_second_factor(admin_user)


@pytest.mark.parametrize("typed", ["", "x" * 10_000, "\x00", "１２３４５６"])
def test_junk_codes_are_a_400(admin_client, typed):
    admin_client.post(BEGIN)
    assert admin_client.post(SETUP, {"code": typed}).status_code == 400


def test_setting_up_again_before_confirming_replaces_the_key(admin_client):
    admin_client.post(BEGIN)
    first = secret_on(text(admin_client.get(SETUP)))
    admin_client.post(BEGIN)
    second = secret_on(text(admin_client.get(SETUP)))
    assert first != second
    assert admin_client.post(SETUP, {"code": pyotp.TOTP(first).now()}).status_code == 400


def test_with_recovery_codes_already_confirming_does_not_make_new_ones(admin_client, admin_user):
    admin_client.post("/profile/security/recovery-codes/")
    _, response = set_up(admin_client)
    assert response.status_code == 302 and response["Location"] == SECURITY
    assert "Your authenticator app is set up." in text(admin_client.get(SECURITY))
    assert Event.objects.filter(topic="user:recovery-codes-generated").count() == 1


def test_a_second_app_is_refused_while_one_is_set_up(admin_client, admin_user):
    secret, _ = set_up(admin_client)
    response = admin_client.post(BEGIN)
    assert response["Location"] == SECURITY
    assert "already set up" in text(admin_client.get(SECURITY))
    app = AuthenticatorApp.objects.get(user=admin_user)
    assert app.confirmed_at is not None
    assert decrypt(app.secret) == secret  # the key the person's app holds is still the one


def test_removing_the_app(admin_client, admin_user, account):
    set_up(admin_client)
    page = text(admin_client.get(SECURITY))
    assert f'action="{REMOVE}"' in page and "<dialog" in page
    response = admin_client.post(REMOVE)
    assert response["Location"] == SECURITY
    assert not AuthenticatorApp.objects.filter(user=admin_user).exists()
    assert not has_second_factor(admin_user)
    assert Event.objects.filter(account=account, topic="user:authenticator-app-removed").exists()
    assert "The authenticator app was removed." in text(admin_client.get(SECURITY))
    # Nothing left to remove: said, not a 500.
    admin_client.post(REMOVE)
    assert "There is no authenticator app to remove." in text(admin_client.get(SECURITY))


@pytest.mark.parametrize("url", [BEGIN, REMOVE])
def test_actions_are_posts_only(admin_client, url):
    assert admin_client.get(url).status_code == 405


@pytest.mark.parametrize("url", [BEGIN, SETUP, REMOVE])
def test_signed_out_visitors_are_sent_to_sign_in(url, db):
    response = Client().post(url)
    assert response.status_code == 302 and response["Location"].startswith("/login/?next=")


def test_the_setup_is_ones_own(admin_client, admin_user, other_admin):
    """Another administrator's setup is neither shown nor confirmed by this one's page."""
    other = Client()
    other.force_login(other_admin)
    recently_authenticated(other).post(BEGIN)
    other_secret = secret_on(text(other.get(SETUP)))
    assert admin_client.get(SETUP)["Location"] == SECURITY
    assert admin_client.post(SETUP, {"code": pyotp.TOTP(other_secret).now()}).status_code == 302
    assert not has_second_factor(other_admin)


@pytest.mark.parametrize("url", [BEGIN, REMOVE])
def test_setting_up_and_removing_ask_who_it_is_first(client, admin_user, url):
    client.force_login(admin_user)  # signed in long ago, as far as the session knows
    AuthenticatorApp.objects.create(user=admin_user, secret="kept", confirmed_at=None)
    response = client.post(url)
    assert response.status_code == 403
    assert AuthenticatorApp.objects.get(user=admin_user).secret == "kept"
