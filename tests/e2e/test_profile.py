"""The administrator's own profile, changing the password and a forgotten password, in
Chromium: at desktop width end to end, and every page again at a phone's width."""

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import assert_fits_the_screen, sign_in, snap
from tests.factories import DEFAULT_PASSWORD, administrator_of, make_account

pytestmark = pytest.mark.django_db(transaction=True)

NEW_PASSWORD = "a brand new passphrase"
LINK = re.compile(r"(https?://\S+/password-reset/\S+/\S+/)")


def open_profile(page) -> None:
    """From the profile menu in the top bar, as a person does."""
    menu = page.get_by_test_id("profile-menu")
    menu.locator("summary").click()
    menu.get_by_role("link", name="Profile", exact=True).click()
    expect(page.get_by_role("heading", name="Profile", level=1)).to_be_visible()


def fill_new_password(page, password: str, again: str | None = None) -> None:
    page.get_by_label("New password", exact=True).fill(password)
    page.get_by_label("New password again").fill(again or password)


def sign_out(page) -> None:
    page.get_by_test_id("profile-menu").locator("summary").click()
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/login/")


def reset_link(mailoutbox) -> str:
    assert len(mailoutbox) == 1
    match = LINK.search(mailoutbox[0].body)
    assert match, mailoutbox[0].body
    return match.group(1)


def test_change_name_and_password_then_sign_in_with_the_new_one(page, second_page):
    user = administrator_of(make_account(email="profile@example.com"))
    sign_in(page, user.email, DEFAULT_PASSWORD)
    sign_in(second_page, user.email, DEFAULT_PASSWORD)  # the same person, another device

    open_profile(page)
    snap(page, "profile")
    expect(page.get_by_text("Signed in as profile@example.com")).to_be_visible()
    page.get_by_label("Name").fill("  Ada Lovelace ")
    page.get_by_role("button", name="Save name").click()
    expect(page.get_by_text("Name saved.")).to_be_visible()
    expect(page.get_by_label("Name")).to_have_value("Ada Lovelace")
    expect(page.get_by_test_id("profile-menu").locator("summary")).to_have_text("Ada Lovelace")

    page.get_by_role("link", name="Password and authentication").click()
    page.get_by_role("link", name="Change password").click()
    expect(page.get_by_role("heading", name="Change password")).to_be_visible()
    expect(page.get_by_text("at least 10 characters")).to_be_visible()
    # A wrong current password is refused, with Django's message.
    page.get_by_label("Current password").fill("not my password")
    fill_new_password(page, NEW_PASSWORD)
    page.get_by_role("button", name="Change password").click()
    expect(page.get_by_role("alert")).to_contain_text("Your old password was entered incorrectly")
    snap(page, "password-change-refused")

    page.get_by_label("Current password").fill(DEFAULT_PASSWORD)
    fill_new_password(page, NEW_PASSWORD)
    page.get_by_role("button", name="Change password").click()
    expect(page.get_by_text("Password changed.")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/profile/security/$"))
    snap(page, "profile-password-changed")

    # This browser stays signed in; the other device is signed out.
    page.reload()
    expect(page.get_by_role("heading", name="Password and authentication", level=1)).to_be_visible()
    second_page.reload()
    expect(second_page).to_have_url(re.compile(r"/login/\?next="))

    sign_out(page)
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("do not match")
    sign_in(page, user.email, NEW_PASSWORD)
    expect(page.get_by_test_id("profile-menu").locator("summary")).to_have_text("Ada Lovelace")


def test_forgot_password_from_the_sign_in_page(page, base_url, mailoutbox):
    user = administrator_of(make_account(email="forgot@example.com"))

    page.goto("/login/")
    page.get_by_role("link", name="Forgot your password?").click()
    expect(page.get_by_role("heading", name="Forgot your password?")).to_be_visible()
    snap(page, "password-reset")
    page.get_by_label("Email").fill("Forgot@Example.com")
    page.get_by_role("button", name="Send reset link").click()
    expect(page.get_by_role("heading", name="Check your email")).to_be_visible()
    snap(page, "password-reset-sent")

    link = reset_link(mailoutbox)
    assert mailoutbox[0].to == [user.email]
    assert link.startswith(base_url + "/password-reset/")
    page.goto(link)
    expect(page.get_by_role("heading", name="Choose a new password")).to_be_visible()
    assert page.url.endswith("/set-password/")  # the token is no longer in the address bar
    fill_new_password(page, "2short")
    page.get_by_role("button", name="Set password").click()
    expect(page.get_by_role("alert")).to_contain_text("This password is too short")
    snap(page, "password-reset-confirm-refused")
    fill_new_password(page, NEW_PASSWORD)
    page.get_by_role("button", name="Set password").click()
    expect(page.get_by_role("heading", name="Password set")).to_be_visible()
    snap(page, "password-reset-complete")

    page.get_by_role("link", name="Sign in").click()
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/environments/**")

    # The link worked once.
    sign_out(page)
    page.goto(link)
    expect(page.get_by_role("heading", name="Link not valid")).to_be_visible()


def test_profile_and_password_pages_fit_a_phone(phone, mailoutbox):
    user = administrator_of(make_account(email="a.rather.long.address.for.a.phone@example.com"))
    sign_in(phone, user.email, DEFAULT_PASSWORD)

    open_profile(phone)
    assert_fits_the_screen(phone)
    snap(phone, "profile")
    phone.get_by_label("Name").fill("Augusta Ada King, Countess of Lovelace " * 6)
    phone.get_by_role("button", name="Save name").click()
    expect(phone.get_by_text("Name saved.")).to_be_visible()
    assert_fits_the_screen(phone)
    snap(phone, "profile-long-name")

    phone.get_by_role("link", name="Password and authentication").click()
    phone.get_by_role("link", name="Change password").click()
    phone.get_by_label("Current password").fill("not my password")
    fill_new_password(phone, "1234", "5678")
    phone.get_by_role("button", name="Change password").click()
    expect(phone.get_by_role("alert").first).to_be_visible()
    assert_fits_the_screen(phone)
    snap(phone, "password-change-refused")

    sign_out(phone)
    expect(phone.get_by_role("link", name="Forgot your password?")).to_be_visible()
    assert_fits_the_screen(phone)
    snap(phone, "login")
    phone.get_by_role("link", name="Forgot your password?").click()
    assert_fits_the_screen(phone)
    snap(phone, "password-reset")
    phone.get_by_label("Email").fill(user.email)
    phone.get_by_role("button", name="Send reset link").click()
    expect(phone.get_by_role("heading", name="Check your email")).to_be_visible()
    assert_fits_the_screen(phone)
    snap(phone, "password-reset-sent")

    link = reset_link(mailoutbox)
    phone.goto(link)
    fill_new_password(phone, "1234567890")
    phone.get_by_role("button", name="Set password").click()
    expect(phone.get_by_role("alert").first).to_be_visible()
    assert_fits_the_screen(phone)
    snap(phone, "password-reset-confirm-refused")
    fill_new_password(phone, NEW_PASSWORD)
    phone.get_by_role("button", name="Set password").click()
    expect(phone.get_by_role("heading", name="Password set")).to_be_visible()
    assert_fits_the_screen(phone)
    snap(phone, "password-reset-complete")

    phone.goto(link)
    expect(phone.get_by_role("heading", name="Link not valid")).to_be_visible()
    assert_fits_the_screen(phone)
    snap(phone, "password-reset-link-not-valid")
