"""An authenticator app and recovery codes, in Chromium at desktop and phone widths: set one
up from the Password and authentication page (the key read off the page, the code computed
as an app would), sign out, sign in with the password and a code; then with a recovery
code, which the next sign-in refuses."""

import re
import time

import pyotp
import pytest
from playwright.sync_api import expect

from accounts.models import AuthenticatorApp
from tests.accounts.test_two_step_sign_in import wrong_code
from tests.e2e.conftest import assert_fits_the_screen, snap
from tests.factories import DEFAULT_PASSWORD, administrator_of, make_account

pytestmark = pytest.mark.django_db(transaction=True)

WRONG = "That code is not right. Try the code your app shows now, or a recovery code."


def password_step(page, email: str) -> None:
    page.goto("/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/login/two-step/**")
    expect(page.get_by_role("heading", name="Two-step verification")).to_be_visible()


def enter_code(page, code: str) -> None:
    page.get_by_label("Code").fill(code)
    page.get_by_role("button", name="Verify").click()


def sign_out(page) -> None:
    page.get_by_test_id("profile-menu").locator("summary").click()
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/login/")


def next_code(secret: str, user) -> str:
    """A code an app would show now, of a step after the last one the portal accepted (a
    code is never accepted twice): the confirmation just spent the current step, so it is the
    next step's, which the portal accepts as a clock a little ahead (one step either side)."""
    last_used_step = AuthenticatorApp.objects.get(user=user).last_used_step
    now = time.time()
    step = int(now // 30)
    assert step + 1 > last_used_step
    return pyotp.TOTP(secret).at(now + 30 if step <= last_used_step else now)


@pytest.mark.parametrize("tab", ["page", "phone"])
def test_set_up_an_app_then_sign_in_with_a_code_and_with_a_recovery_code(tab, request):
    page = request.getfixturevalue(tab)
    user = administrator_of(make_account(email=f"totp-{tab}@example.com"))
    page.goto("/login/")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/environments/**")

    # Set up, from the Password and authentication page.
    page.goto("/profile/security/")
    expect(page.get_by_text("No authenticator app is set up.")).to_be_visible()
    assert_fits_the_screen(page)
    page.get_by_role("button", name="Set up an authenticator app").click()
    expect(page.get_by_role("heading", name="Set up an authenticator app")).to_be_visible()
    expect(page.get_by_test_id("authenticator-app-qr").locator("svg")).to_be_visible()
    assert_fits_the_screen(page)
    snap(page, "authenticator-app-setup")
    shown = page.get_by_test_id("authenticator-app-secret").inner_text()
    assert re.fullmatch(r"([A-Z2-7]{4} )+[A-Z2-7]{1,4}", shown), shown
    secret = shown.replace(" ", "")
    page.get_by_role("button", name="Copy").click()
    assert page.evaluate("navigator.clipboard.readText()") == secret
    page.get_by_label("Then enter the 6-digit code the app shows").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Confirm").click()

    # The recovery codes, shown this once.
    expect(page.get_by_role("heading", name="Your recovery codes")).to_be_visible()
    expect(page.get_by_text("Save these codes now")).to_be_visible()
    codes = page.get_by_test_id("recovery-codes").locator("code").all_inner_texts()
    assert len(codes) == 10 and all(re.fullmatch(r"[a-z2-7]{5}-[a-z2-7]{5}", c) for c in codes)
    assert_fits_the_screen(page)
    snap(page, "recovery-codes-shown-once")
    with page.expect_download() as download:
        page.get_by_role("button", name="Download as a text file").click()
    saved = download.value
    assert saved.suggested_filename.endswith(".txt")
    downloaded = open(saved.path(), encoding="utf-8").read()
    assert all(code in downloaded for code in codes)
    page.get_by_role("link", name="I have saved them").click()
    expect(page.get_by_test_id("authenticator-app")).to_be_visible()
    expect(page.get_by_test_id("recovery-codes-left")).to_have_text(
        "10 unused recovery codes left."
    )
    assert not any(code in page.content() for code in codes)
    assert_fits_the_screen(page)
    snap(page, "security-with-app")

    # Removing asks first; cancelling keeps the app.
    page.get_by_role("button", name="Remove…").click()
    dialog = page.locator("dialog#remove-authenticator-app")
    expect(dialog).to_be_visible()
    snap(page, "remove-authenticator-app-dialog")
    dialog.get_by_role("button", name="Cancel").click()
    expect(dialog).to_be_hidden()

    # Sign out; the password alone no longer signs in: a wrong code, then the app's code.
    sign_out(page)
    password_step(page, user.email)
    assert_fits_the_screen(page)
    snap(page, "two-step")
    enter_code(page, wrong_code(secret))
    expect(page.get_by_text(WRONG)).to_be_visible()
    snap(page, "two-step-wrong-code")
    enter_code(page, next_code(secret, user))
    page.wait_for_url("**/environments/**")
    page.goto("/profile/security/")
    expect(page.get_by_test_id("authenticator-app-last-used")).not_to_have_text("never")

    # A recovery code signs in once.
    sign_out(page)
    password_step(page, user.email)
    enter_code(page, codes[0].upper())
    page.wait_for_url("**/environments/**")
    page.goto("/profile/security/")
    expect(page.get_by_test_id("recovery-codes-left")).to_have_text("9 unused recovery codes left.")
    sign_out(page)
    password_step(page, user.email)
    enter_code(page, codes[0])
    expect(page.get_by_text(WRONG)).to_be_visible()
    assert "/login/two-step/" in page.url

    # Another one of them signs in; new codes replace them all; removing the app leaves the
    # password alone.
    enter_code(page, codes[1])
    page.wait_for_url("**/environments/**")
    page.goto("/profile/security/")
    page.get_by_role("button", name="Generate new codes…").click()
    dialog = page.locator("dialog#generate-recovery-codes")
    expect(dialog).to_contain_text("Your current codes will stop working at once.")
    snap(page, "generate-recovery-codes-dialog")
    dialog.get_by_role("button", name="Generate new codes").click()
    expect(page.get_by_role("heading", name="Your recovery codes")).to_be_visible()
    new_codes = page.get_by_test_id("recovery-codes").locator("code").all_inner_texts()
    assert len(new_codes) == 10 and not set(new_codes) & set(codes)
    # Reloading shows them no more: the page that counts them instead.
    page.reload()
    expect(page.get_by_role("heading", name="Password and authentication")).to_be_visible()
    assert not any(code in page.content() for code in new_codes)
    page.get_by_role("button", name="Remove…").click()
    page.locator("dialog#remove-authenticator-app").get_by_role("button", name="Remove").click()
    expect(page.get_by_text("The authenticator app was removed.")).to_be_visible()
    expect(page.get_by_text("No authenticator app is set up.")).to_be_visible()
    sign_out(page)
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/environments/**")
