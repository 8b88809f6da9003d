"""The seed's personal access token flow, in Chromium, end to end."""

import json
import urllib.error
import urllib.request

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import sign_in
from tests.factories import DEFAULT_PASSWORD, administrator_of, make_account

pytestmark = pytest.mark.django_db(transaction=True)


def call_api(base_url: str, token: str) -> int:
    request = urllib.request.Request(
        f"{base_url}/v1/auth/personal-access-tokens", headers={"Authorization": f"Bearer {token}"}
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - our live server
            json.load(response)
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def test_create_see_once_copy_use_and_delete_a_token(page, base_url):
    user = administrator_of(make_account(email="pat@example.com"))
    sign_in(page, user.email, DEFAULT_PASSWORD)

    # 1-3: the profile drop-down in the top-right corner leads to the tokens page.
    page.get_by_test_id("profile-menu").locator("summary").click()
    page.get_by_role("link", name="Personal Access Tokens").click()
    expect(page.get_by_role("heading", name="Personal Access Tokens")).to_be_visible()
    expect(page.get_by_text("You have no personal access tokens.")).to_be_visible()

    # 4-6: Create Token, name it, and the value is shown once, with a copy button.
    page.get_by_role("button", name="Create Token").click()
    page.get_by_label("Name").fill("nightly import")
    page.get_by_role("button", name="Create", exact=True).click()
    shown = page.get_by_test_id("show-once")
    expect(shown).to_be_visible()
    expect(shown).to_contain_text("will not be shown again")
    token = page.get_by_test_id("new-token").input_value()
    assert token.startswith("pat_")
    shown.get_by_role("button", name="Copy").click()
    assert page.evaluate("navigator.clipboard.readText()") == token
    shown.get_by_role("button", name="Done").click()

    row = page.locator("tr", has_text="nightly import")
    expect(row.get_by_test_id("last-used")).to_have_text("Never")

    # The copied value works against the API; "Last used" changes.
    assert call_api(base_url, token) == 200
    page.goto("/personal-access-tokens/")
    expect(
        page.locator("tr", has_text="nightly import").get_by_test_id("last-used")
    ).not_to_have_text("Never")
    # Reloading or coming back never shows the value again.
    page.reload()
    assert token not in page.content()

    # Delete from the three-dot menu, after confirming; the API refuses it at once.
    row = page.locator("tr", has_text="nightly import")
    row.get_by_label("Actions for nightly import").click()
    row.get_by_role("button", name="Delete").click()
    confirm = page.locator("dialog[open]")
    expect(confirm).to_contain_text("Delete nightly import?")
    confirm.get_by_role("button", name="Delete").click()
    expect(page.get_by_text("Token “nightly import” deleted.")).to_be_visible()
    expect(page.locator("tr", has_text="nightly import")).to_have_count(0)
    assert call_api(base_url, token) == 401


def test_bad_name_keeps_the_dialog_open_with_the_error(page):
    user = administrator_of(make_account(email="bad-name@example.com"))
    sign_in(page, user.email, DEFAULT_PASSWORD)
    page.goto("/personal-access-tokens/")
    page.get_by_role("button", name="Create Token").click()
    page.get_by_label("Name").fill("x" * 300)
    page.get_by_role("button", name="Create", exact=True).click()
    dialog = page.locator("dialog#create-token")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("at most 255 characters")
    expect(page.get_by_label("Name")).to_have_value("x" * 300)
    expect(page.get_by_test_id("show-once")).to_have_count(0)
