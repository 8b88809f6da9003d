"""Re-authentication ("sudo mode") in Chromium at 1280 and 390 px: signed in longer ago than
the window, revealing the production secret key asks who it is, in a dialog that says why;
after the password (or a code of the authenticator app, or a passkey) the key is revealed,
and a second reveal asks nothing. A personal access token made from a session as old asks on
a page of its own, then is made and shown.

Served as http://localhost:<port> (tests.e2e.conftest.webauthn_base_url): WebAuthn needs a
domain, and one test confirms with a passkey."""

import time
from importlib import import_module

import pytest
from django.conf import settings
from playwright.sync_api import expect

from accounts import services, two_step
from accounts.models import Event
from tests.accounts.test_two_step_sign_in import current_code, with_app, wrong_code
from tests.e2e.conftest import VirtualAuthenticator, assert_fits_the_screen, sign_in, snap
from tests.factories import DEFAULT_PASSWORD, administrator_of, make_account, production
from tokens.models import ApiKey, PersonalAccessToken

pytestmark = pytest.mark.django_db(transaction=True)

WINDOW = settings.REAUTHENTICATION_AGE.total_seconds()


@pytest.fixture
def base_url(webauthn_base_url):
    return webauthn_base_url


def signed_in_long_ago(tab) -> None:
    """The sign-in marked the session as proved just now: make it older than the window, as
    if the person had signed in this morning."""
    (key,) = [
        c["value"] for c in tab.context.cookies() if c["name"] == settings.SESSION_COOKIE_NAME
    ]
    session = import_module(settings.SESSION_ENGINE).SessionStore(session_key=key)
    assert session[two_step.AUTHENTICATED_AT] > time.time() - 60  # the sign-in marked it
    session[two_step.AUTHENTICATED_AT] = time.time() - WINDOW - 60
    session.save()


def revealed(environment) -> int:
    return Event.objects.filter(topic="api-key:revealed", environment_id=environment.id).count()


@pytest.mark.parametrize("tab", ["page", "phone"])
def test_revealing_the_production_secret_key_asks_once_within_the_window(tab, request):
    tab = request.getfixturevalue(tab)
    account = make_account(email=f"sudo-{tab.viewport_size['width']}@example.com")
    user = administrator_of(account)
    environment = production(account)
    secret_key = ApiKey.objects.get(environment=environment, type="SECRET")
    sign_in(tab, user.email, DEFAULT_PASSWORD)
    signed_in_long_ago(tab)

    tab.goto(f"/environments/{environment.id}/api-keys/")
    field = tab.get_by_test_id("secret-key")
    tab.get_by_role("button", name="Reveal").click()
    dialog = tab.get_by_role("dialog", name="Confirm it’s you")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_test_id("reauthentication-reason")).to_have_text(
        f"You are about to see the secret key of “{environment.name}”, a production "
        "environment: whoever holds it can read and change all of its data."
    )
    expect(dialog.get_by_label("Password")).to_be_focused()
    expect(field).not_to_have_value(secret_key.raw_key)
    assert revealed(environment) == 0
    assert_fits_the_screen(tab)
    snap(tab, "reauthentication-dialog")

    # A wrong password: the dialog says so and stays, the key stays hidden.
    dialog.get_by_label("Password").fill("not my password")
    dialog.get_by_role("button", name="Confirm", exact=True).click()
    expect(dialog.get_by_text("That password is not right.")).to_be_visible()
    expect(dialog.get_by_label("Password")).to_be_focused()
    expect(field).not_to_have_value(secret_key.raw_key)
    snap(tab, "reauthentication-dialog-refused")

    # The password: the key is revealed, as if nothing had been asked.
    dialog.get_by_label("Password").fill(DEFAULT_PASSWORD)
    dialog.get_by_role("button", name="Confirm", exact=True).click()
    expect(field).to_have_value(secret_key.raw_key)
    expect(dialog).to_be_hidden()
    assert revealed(environment) == 1

    # Within the window: Hide, Reveal again, and nothing is asked.
    tab.get_by_role("button", name="Hide").click()
    expect(field).not_to_have_value(secret_key.raw_key)
    tab.get_by_role("button", name="Reveal").click()
    expect(field).to_have_value(secret_key.raw_key)
    expect(tab.get_by_role("dialog", name="Confirm it’s you")).to_be_hidden()
    assert revealed(environment) == 2


def test_closing_the_question_reveals_nothing(page):
    account = make_account(email="sudo-cancel@example.com")
    user = administrator_of(account)
    environment = production(account)
    sign_in(page, user.email, DEFAULT_PASSWORD)
    signed_in_long_ago(page)

    page.goto(f"/environments/{environment.id}/api-keys/")
    page.get_by_role("button", name="Reveal").click()
    dialog = page.get_by_role("dialog", name="Confirm it’s you")
    dialog.get_by_role("link", name="Cancel").click()
    expect(dialog).to_be_hidden()
    expect(page.get_by_role("button", name="Could not reveal")).to_be_visible()
    # Asked again, Escape closes it as well.
    page.get_by_role("button", name="Reveal").click()
    expect(dialog).to_be_visible()
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    assert revealed(environment) == 0


@pytest.mark.parametrize("tab", ["page", "phone"])
def test_a_token_made_long_after_signing_in_asks_on_a_page_then_is_shown(tab, request):
    tab = request.getfixturevalue(tab)
    user = administrator_of(
        make_account(email=f"sudo-pat-{tab.viewport_size['width']}@example.com")
    )
    sign_in(tab, user.email, DEFAULT_PASSWORD)
    signed_in_long_ago(tab)

    tab.goto("/personal-access-tokens/")
    tab.get_by_role("button", name="Create Token").click()
    tab.get_by_label("Name").fill("nightly import")
    tab.get_by_role("button", name="Create", exact=True).click()
    expect(tab.get_by_role("heading", name="Confirm it’s you")).to_be_visible()
    expect(tab.get_by_test_id("reauthentication-reason")).to_contain_text(
        "A personal access token acts as you in the API"
    )
    assert not PersonalAccessToken.objects.exists()
    assert_fits_the_screen(tab)
    snap(tab, "reauthentication-page")

    tab.get_by_label("Password").fill(DEFAULT_PASSWORD)
    tab.get_by_role("button", name="Confirm", exact=True).click()
    shown = tab.get_by_test_id("show-once")
    expect(shown).to_be_visible()
    assert tab.get_by_test_id("new-token").input_value().startswith("pat_")
    assert PersonalAccessToken.objects.get().name == "nightly import"
    # A reload shows the list, and makes nothing more.
    tab.reload()
    expect(tab.get_by_role("heading", name="Personal Access Tokens")).to_be_visible()
    assert PersonalAccessToken.objects.count() == 1


def test_a_code_of_the_authenticator_app_confirms_in_the_dialog(phone):
    account = make_account(email="sudo-code@example.com")
    user = administrator_of(account)
    secret = with_app(user)
    environment = production(account)
    secret_key = ApiKey.objects.get(environment=environment, type="SECRET")
    # Signed in through both steps, long ago; with a recovery code, so that the app's code of
    # this moment is still unused (each is accepted once).
    (recovery_code, *_) = services.recovery_codes_generate(user)
    sign_in_with_code(phone, user, recovery_code)
    signed_in_long_ago(phone)

    phone.goto(f"/environments/{environment.id}/api-keys/")
    phone.get_by_role("button", name="Reveal").click()
    dialog = phone.get_by_role("dialog", name="Confirm it’s you")
    code = dialog.get_by_label("Code", exact=True)
    code.fill(wrong_code(secret))
    dialog.get_by_role("button", name="Confirm with the code").click()
    expect(dialog.get_by_text("That code is not right.")).to_be_visible()
    expect(code).to_be_focused()
    assert_fits_the_screen(phone)
    snap(phone, "reauthentication-dialog-code")
    code.fill(current_code(secret))
    dialog.get_by_role("button", name="Confirm with the code").click()
    expect(phone.get_by_test_id("secret-key")).to_have_value(secret_key.raw_key)
    expect(dialog).to_be_hidden()


def sign_in_with_code(tab, user, code: str) -> None:
    tab.goto("/login/")
    tab.get_by_label("Email").fill(user.email)
    tab.get_by_label("Password").fill(DEFAULT_PASSWORD)
    tab.get_by_role("button", name="Sign in", exact=True).click()
    tab.get_by_label("Code").fill(code)
    tab.get_by_role("button", name="Verify").click()
    tab.wait_for_url("**/environments/**")


def test_a_passkey_confirms_in_the_dialog(page):
    authenticator = VirtualAuthenticator(page)
    account = make_account(email="sudo-passkey@example.com")
    user = administrator_of(account)
    environment = production(account)
    secret_key = ApiKey.objects.get(environment=environment, type="SECRET")
    sign_in(page, user.email, DEFAULT_PASSWORD)
    # Added just after signing in: nothing asked.
    page.goto("/profile/security/")
    page.get_by_label("Name of the new passkey").fill("This laptop")
    page.get_by_role("button", name="Add a passkey").click()
    expect(page.get_by_text('The passkey "This laptop" was added.')).to_be_visible()
    assert len(authenticator.credentials()) == 1
    signed_in_long_ago(page)

    page.goto(f"/environments/{environment.id}/api-keys/")
    page.get_by_role("button", name="Reveal").click()
    dialog = page.get_by_role("dialog", name="Confirm it’s you")
    dialog.get_by_role("button", name="Confirm with a passkey").click()
    expect(page.get_by_test_id("secret-key")).to_have_value(secret_key.raw_key)
    expect(dialog).to_be_hidden()
    assert revealed(environment) == 1


def test_rolling_a_production_key_asks_on_a_page_then_rolls_as_chosen(page):
    account = make_account(email="sudo-roll@example.com")
    user = administrator_of(account)
    environment = production(account)
    old = ApiKey.objects.get(environment=environment, type="SECRET")
    sign_in(page, user.email, DEFAULT_PASSWORD)
    signed_in_long_ago(page)

    page.goto(f"/environments/{environment.id}/api-keys/")
    page.get_by_test_id("secret-key").locator("xpath=..").get_by_role(
        "button", name="Roll key…"
    ).click()
    dialog = page.locator("dialog[open]")
    dialog.get_by_label("Keep the old key working for").select_option(label="1 hour")
    dialog.get_by_role("button", name="Roll key").click()
    expect(page.get_by_test_id("reauthentication-reason")).to_contain_text(
        f"You are about to roll a key of “{environment.name}”, a production environment"
    )
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Confirm", exact=True).click()
    expect(page.get_by_text("New secret key created.")).to_be_visible()
    expect(page.get_by_text(f"The old key …{old.last_four} stops working at")).to_be_visible()
    old.refresh_from_db()
    assert old.expires_at is not None
