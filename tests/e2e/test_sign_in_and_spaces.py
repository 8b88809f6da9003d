"""Signing in and the everyday administrator pages, in Chromium."""

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import sign_in
from tests.factories import DEFAULT_PASSWORD, administrator_of, make_account

pytestmark = pytest.mark.django_db(transaction=True)


def test_wrong_password_and_unknown_email_read_the_same(page):
    user = administrator_of(make_account(email="same@example.com"))
    messages = []
    for email, password in (
        (user.email, "wrong password"),
        ("nobody@example.com", DEFAULT_PASSWORD),
    ):
        page.goto("/login/")
        page.get_by_label("Email").fill(email)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Sign in").click()
        alert = page.get_by_role("alert")
        expect(alert).to_be_visible()
        messages.append(alert.inner_text())
        expect(page.get_by_label("Email")).to_have_value(email)
    assert messages[0] == messages[1]


def test_switch_environment_create_space_and_workbook_then_delete(page):
    user = administrator_of(make_account(email="spaces@example.com"))
    sign_in(page, user.email, DEFAULT_PASSWORD)

    switcher = page.get_by_test_id("environment-switcher")
    expect(switcher.locator("summary")).to_contain_text("development")
    expect(switcher.locator("summary")).to_contain_text("dev")
    switcher.locator("summary").click()
    switcher.get_by_role("link", name="production prod").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("production")
    expect(switcher.locator("summary")).to_contain_text("prod")

    page.get_by_label("Name").fill("Onboarding")
    page.get_by_role("button", name="Create space").click()
    page.get_by_role("link", name="Onboarding").click()
    page.get_by_label("New workbook").fill("Contacts")
    page.get_by_role("button", name="Create workbook").click()
    expect(page.get_by_label("Workbook name")).to_have_value("Contacts")

    page.get_by_role("button", name="Delete space…").click()
    page.locator("dialog[open]").get_by_role("button", name="Delete").click()
    expect(page.get_by_text("Space “Onboarding” deleted.")).to_be_visible()
    page.goto("/logs/")
    expect(page.locator("table")).to_contain_text("space:deleted")
