"""Passkeys in Chromium, with its virtual authenticator: adding one on the Password and
authentication page, signing in with it alone, and using it as the second step after the
password; renaming and removing it. At 1280 and at 390 px.

WebAuthn needs a domain, so these pages are served as http://localhost:<port>
(tests.e2e.conftest.webauthn_base_url)."""

from base64 import b64decode
from datetime import timedelta

import pytest
from playwright.sync_api import expect
from webauthn.helpers import bytes_to_base64url

from accounts.models import Event, Passkey
from tests.e2e.conftest import (
    VirtualAuthenticator,
    assert_fits_the_screen,
    sign_in,
    snap,
)
from tests.factories import DEFAULT_PASSWORD, administrator_of, make_account

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def base_url(webauthn_base_url):
    return webauthn_base_url


def sign_out(page) -> None:
    page.get_by_test_id("profile-menu").locator("summary").click()
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/login/")


@pytest.fixture(autouse=True)
def _always_confirm(settings):
    # Every dangerous action asks who it is, however recent the sign-in: adding a passkey
    # shows that the registration, made before the question, completes after the answer.
    settings.REAUTHENTICATION_AGE = timedelta(0)


def add_passkey(page, name: str) -> None:
    page.goto("/profile/security/")
    expect(page.get_by_text("You have no passkeys.")).to_be_visible()
    page.get_by_label("Name of the new passkey").fill(name)
    page.get_by_role("button", name="Add a passkey").click()
    expect(page.get_by_role("heading", name="Confirm it’s you")).to_be_visible()
    expect(
        page.get_by_text("Adding a passkey gives one more way into your account.")
    ).to_be_visible()
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_text(f'The passkey "{name}" was added.')).to_be_visible()


def walk(page, email: str, width_name: str) -> None:
    authenticator = VirtualAuthenticator(page)
    user = administrator_of(make_account(email=email))
    sign_in(page, user.email, DEFAULT_PASSWORD)

    add_passkey(page, "This laptop")
    passkeys = page.get_by_test_id("passkeys")
    expect(passkeys.get_by_role("listitem")).to_have_count(1)
    expect(passkeys.get_by_role("strong")).to_have_text("This laptop")
    expect(passkeys.get_by_test_id("last-used")).to_have_text("never")
    assert_fits_the_screen(page)
    snap(page, f"passkeys-added-{width_name}")
    # Made as a discoverable credential (a resident key), so it can sign in without an email.
    (credential,) = authenticator.credentials()
    assert credential["isResidentCredential"]
    passkey = Passkey.objects.get(user=user)
    assert passkey.credential_id == bytes_to_base64url(b64decode(credential["credentialId"]))
    assert Event.objects.filter(topic="user:passkey-added", actor_id=user.id).exists()

    # A passkey alone: no email, no password.
    sign_out(page)
    snap(page, f"passkeys-sign-in-{width_name}")
    assert_fits_the_screen(page)
    page.get_by_role("button", name="Use a passkey").click()
    page.wait_for_url("**/environments/**")
    page.goto("/profile/security/")
    expect(page.get_by_test_id("last-used")).not_to_have_text("never")

    # The password, then the passkey as the second step.
    sign_out(page)
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page.get_by_role("heading", name="Two-step verification")).to_be_visible()
    assert_fits_the_screen(page)
    snap(page, f"passkeys-second-step-{width_name}")
    page.get_by_role("button", name="Use a passkey").click()
    page.wait_for_url("**/environments/**")

    # Renamed, then removed: the confirmation dialog, then "Confirm it's you", answered with
    # the passkey about to go.
    page.goto("/profile/security/")
    page.get_by_role("button", name="Rename This laptop").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_label("Name of the passkey").fill("Work laptop")
    dialog.get_by_role("button", name="Rename").click()
    expect(page.get_by_text('The passkey is now called "Work laptop".')).to_be_visible()
    page.get_by_role("button", name="Remove Work laptop").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text("Remove the passkey Work laptop? It will no longer sign you in.")
    assert_fits_the_screen(page)
    snap(page, f"passkeys-remove-{width_name}")
    dialog.get_by_role("button", name="Remove").click()
    expect(
        page.get_by_text("Removing a passkey takes away a way into your account.")
    ).to_be_visible()
    page.get_by_role("button", name="Confirm with a passkey").click()
    expect(page.get_by_text('The passkey "Work laptop" was removed.')).to_be_visible()
    expect(page.get_by_text("You have no passkeys.")).to_be_visible()
    assert not Passkey.objects.filter(user=user).exists()
    assert Event.objects.filter(topic="user:passkey-removed", actor_id=user.id).exists()

    # The authenticator still holds the credential; the portal no longer takes it.
    sign_out(page)
    page.get_by_role("button", name="Use a passkey").click()
    expect(page.get_by_role("alert")).to_have_text(
        "That passkey did not sign you in. Try again, or sign in with your password."
    )
    assert_fits_the_screen(page)
    snap(page, f"passkeys-refused-{width_name}")


def test_a_passkey_signs_in_alone_and_as_the_second_step(page):
    walk(page, "passkey@example.com", "desktop")


def test_a_passkey_signs_in_alone_and_as_the_second_step_on_a_phone(phone):
    walk(phone, "passkey-phone@example.com", "phone")
