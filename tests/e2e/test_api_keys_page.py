"""The API Keys and Secrets page in Chromium: reveal, copy, roll, secrets never shown."""

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import sign_in
from tests.factories import DEFAULT_PASSWORD, administrator_of, development, make_account
from tokens.models import ApiKey, Secret

pytestmark = pytest.mark.django_db(transaction=True)


def test_reveal_copy_roll_and_secrets(page):
    account = make_account(email="keys@example.com")
    user = administrator_of(account)
    environment = development(account)
    secret_key = ApiKey.objects.get(environment=environment, type="SECRET")
    sign_in(page, user.email, DEFAULT_PASSWORD)

    # Reached from the environment switcher.
    page.get_by_test_id("environment-switcher").locator("summary").click()
    page.get_by_label("API keys of development").click()
    expect(page.get_by_role("heading", name="API Keys and Secrets")).to_contain_text("development")
    expect(page.get_by_text(environment.id).first).to_be_visible()

    # The secret key is masked until revealed; Copy puts the real value on the clipboard.
    field = page.get_by_test_id("secret-key")
    expect(field).not_to_have_value(secret_key.raw_key)
    page.get_by_role("button", name="Reveal").click()
    expect(field).to_have_value(secret_key.raw_key)
    page.get_by_role("button", name="Hide").click()
    expect(field).not_to_have_value(secret_key.raw_key)
    field.locator("xpath=..").get_by_role("button", name="Copy").click()
    assert page.evaluate("navigator.clipboard.readText()") == secret_key.raw_key
    page.get_by_role("button", name="Copy .env").click()
    assert page.evaluate("navigator.clipboard.readText()") == (
        f"FLATFILE_API_KEY={secret_key.raw_key}\nFLATFILE_ENVIRONMENT_ID={environment.id}"
    )

    # Roll the publishable key, keeping the old one for an hour.
    old_publishable = page.get_by_test_id("publishable-key").input_value()
    page.get_by_test_id("publishable-key").locator("xpath=..").get_by_role(
        "button", name="Roll key…"
    ).click()
    dialog = page.locator("dialog[open]")
    dialog.get_by_label("Keep the old key working for").select_option(label="1 hour")
    dialog.get_by_role("button", name="Roll key").click()
    expect(page.get_by_text("New publishable key created.")).to_be_visible()
    assert page.get_by_test_id("publishable-key").input_value() != old_publishable
    expect(page.get_by_test_id("retiring-key")).to_contain_text("expires at")

    # A secret is saved, listed by name, and its value never appears in the page again.
    page.get_by_label("Name", exact=True).fill("WEBHOOK_URL")
    page.get_by_label("Value", exact=True).fill("https://hooks.example/very-private")
    page.get_by_role("button", name="Save secret").click()
    expect(page.get_by_text("Secret “WEBHOOK_URL” saved.")).to_be_visible()
    expect(page.get_by_test_id("secret-list")).to_contain_text("WEBHOOK_URL")
    assert "very-private" not in page.content()
    assert Secret.objects.get(name="WEBHOOK_URL").value == "https://hooks.example/very-private"
