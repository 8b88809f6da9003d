"""The two-step policy in Chromium, at 1280 and 390 px: an administrator with an
authenticator app signs in with its code and requires two-step verification on the Team page;
a second administrator, signed in with a password alone, is kept to the Password and
authentication page until they set up an authenticator app (its code computed from the key
the page shows as text), then reaches the Team page, which shows both with it on."""

import pyotp
import pytest
from playwright.sync_api import expect

from accounts.two_step_policy import LOCKED_IN
from tests.e2e.conftest import assert_fits_the_screen, snap
from tests.factories import DEFAULT_PASSWORD, AdministratorFactory, administrator_of, make_account
from tests.two_step_policy_helpers import add_authenticator_app

pytestmark = pytest.mark.django_db(transaction=True)


def enter_password(tab, email: str) -> None:
    tab.goto("/login/")
    tab.get_by_label("Email").fill(email)
    tab.get_by_label("Password").fill(DEFAULT_PASSWORD)
    tab.get_by_role("button", name="Sign in").click()


def two_step_row(tab, email: str):
    return tab.locator("tr", has_text=email).get_by_test_id("two-step")


@pytest.mark.parametrize("screen", ["page", "phone"])
def test_the_policy_keeps_an_administrator_to_setup_until_they_comply(
    request, screen, open_browser
):
    tab = request.getfixturevalue(screen)
    name = f"two-step-policy-{screen}"
    account = make_account(name="Initech", email="lead@example.com")
    lead = administrator_of(account)
    totp = add_authenticator_app(lead)
    second = AdministratorFactory(account=account, email="second@example.com")

    # The lead signs in: password, then the app's code on the second step's page.
    enter_password(tab, lead.email)
    expect(tab.get_by_role("heading", name="Two-step verification")).to_be_visible()
    tab.get_by_label("Code").fill(totp.now())
    tab.get_by_role("button", name="Verify").click()
    tab.wait_for_url("**/environments/**")

    tab.goto("/team/")
    expect(two_step_row(tab, lead.email)).to_have_text("On")
    expect(two_step_row(tab, second.email)).to_have_text("Off")
    snap(tab, f"{name}-team-before")
    assert_fits_the_screen(tab)
    tab.get_by_role("button", name="Require two-step verification").click()
    expect(tab.get_by_text("Two-step verification is now required")).to_be_visible()
    expect(tab.get_by_role("button", name="Stop requiring two-step verification")).to_be_visible()
    account.refresh_from_db()
    assert account.require_two_step

    # The second administrator, with a password alone, sees only the setup.
    other = open_browser(tab.viewport_size)
    enter_password(other, second.email)
    other.wait_for_url("**/profile/security/")
    expect(other.get_by_text(LOCKED_IN)).to_be_visible()
    snap(other, f"{name}-locked-in")
    assert_fits_the_screen(other)
    for address in ("/team/", "/environments/", "/personal-access-tokens/", "/profile/"):
        other.goto(address)
        other.wait_for_url("**/profile/security/")
    expect(other.get_by_text(LOCKED_IN)).to_be_visible()

    # Setting up an authenticator app, its code from the key shown as text.
    other.get_by_role("button", name="Set up an authenticator app").click()
    key = other.get_by_test_id("authenticator-app-secret").inner_text()
    snap(other, f"{name}-setup")
    assert_fits_the_screen(other)
    other.get_by_label("Then enter the 6-digit code the app shows").fill(
        pyotp.TOTP("".join(key.split())).now()
    )
    other.get_by_role("button", name="Confirm").click()
    expect(other.get_by_role("heading", name="Your recovery codes")).to_be_visible()
    other.get_by_role("link", name="I have saved them").click()

    # Everything opens: the Team page shows both with two-step verification on.
    other.goto("/team/")
    expect(other.get_by_role("heading", name="Team", exact=True)).to_be_visible()
    expect(two_step_row(other, lead.email)).to_have_text("On")
    expect(two_step_row(other, second.email)).to_have_text("On")
    expect(other.get_by_text("Required", exact=True)).to_be_visible()
    snap(other, f"{name}-team-after")
    assert_fits_the_screen(other)
