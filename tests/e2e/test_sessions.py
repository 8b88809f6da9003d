"""The Sessions page in Chromium: the same administrator signed in from two browsers sees
both, this one marked, signs the other out (that browser is on the sign-in page at its next
click), then signs out everywhere else; at desktop width and at a phone's."""

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import assert_fits_the_screen, sign_in, snap
from tests.factories import DEFAULT_PASSWORD, administrator_of, make_account

pytestmark = pytest.mark.django_db(transaction=True)


def open_sessions(page) -> None:
    """From the profile menu and the profile page, as a person does."""
    menu = page.get_by_test_id("profile-menu")
    menu.locator("summary").click()
    menu.get_by_role("link", name="Profile", exact=True).click()
    page.get_by_role("link", name="Sessions", exact=True).click()
    expect(page.get_by_role("heading", name="Sessions", level=1)).to_be_visible()


def is_out_at_next_click(page) -> None:
    page.get_by_role("link", name="Team").click()
    expect(page).to_have_url(re.compile(r"/login/\?next=/team/$"))
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()


def walk(page, open_browser, name: str) -> None:
    user = administrator_of(make_account(email=f"sessions-{name}@example.com"))
    elsewhere = open_browser(page.viewport_size)
    sign_in(page, user.email, DEFAULT_PASSWORD)
    sign_in(elsewhere, user.email, DEFAULT_PASSWORD)

    open_sessions(page)
    sessions = page.get_by_test_id("session")
    expect(sessions).to_have_count(2)
    expect(sessions.first).to_contain_text("This session")
    expect(sessions.filter(has_text="This session")).to_have_count(1)
    expect(sessions.first).to_contain_text(re.compile(r"Chrome \d+ on Linux"))
    expect(sessions.first).to_contain_text("127.0.0.1")
    assert_fits_the_screen(page)
    snap(page, f"sessions-{name}")

    # Sign the other browser out.
    other = sessions.filter(has_not_text="This session")
    other.get_by_role("button", name=re.compile("^Sign out")).click()
    dialog = page.locator("dialog[open]")
    expect(dialog).to_contain_text(
        re.compile(r"Sign out HeadlessChrome \d+ on Linux at 127\.0\.0\.1\? That browser is signed")
    )
    assert_fits_the_screen(page)
    snap(page, f"sessions-sign-out-dialog-{name}")
    dialog.get_by_role("button", name="Sign out", exact=True).click()
    expect(page.get_by_text("That browser is signed out.")).to_be_visible()
    expect(sessions).to_have_count(1)
    expect(page.get_by_text("You are signed in nowhere else.")).to_be_visible()
    snap(page, f"sessions-one-left-{name}")
    is_out_at_next_click(elsewhere)

    # Two more browsers, then every one of them at once.
    more = [open_browser(page.viewport_size) for _ in range(2)]
    for browser in more:
        sign_in(browser, user.email, DEFAULT_PASSWORD)
    page.reload()
    expect(sessions).to_have_count(3)
    page.get_by_role("button", name="Sign out everywhere else…").click()
    expect(page.locator("dialog[open]")).to_contain_text("Only this browser stays signed in.")
    snap(page, f"sessions-everywhere-else-dialog-{name}")
    page.locator("dialog[open]").get_by_role("button", name="Sign out everywhere else").click()
    expect(page.get_by_text("Signed out of 2 other sessions.")).to_be_visible()
    expect(sessions).to_have_count(1)
    for browser in more:
        is_out_at_next_click(browser)
    # This browser is still in.
    page.get_by_role("link", name="Team").click()
    expect(page.get_by_role("heading", name="Team")).to_be_visible()


def test_signing_other_browsers_out_at_desktop_width(page, open_browser):
    walk(page, open_browser, "desktop")


def test_signing_other_browsers_out_at_a_phones_width(phone, open_browser):
    walk(phone, open_browser, "phone")
