"""The API Keys and Secrets page in Chromium: reveal, copy, roll, secrets never shown."""

from datetime import UTC, timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from accounts.models import Event
from tests.e2e.conftest import assert_fits_the_screen, sign_in, snap
from tests.factories import (
    DEFAULT_PASSWORD,
    administrator_of,
    development,
    make_account,
    production,
)
from tokens import services
from tokens.models import ApiKey, Secret

pytestmark = pytest.mark.django_db(transaction=True)


def revealed(environment) -> list[tuple[str, dict]]:
    """Who revealed which key of `environment`, oldest first (the audit trail)."""
    events = Event.objects.filter(topic="api-key:revealed", environment_id=environment.id)
    return [(event.actor_id, event.payload) for event in events.order_by("created_at")]


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

    # The secret key is masked, and not in the page at all until someone asks for it.
    field = page.get_by_test_id("secret-key")
    expect(field).not_to_have_value(secret_key.raw_key)
    assert secret_key.raw_key not in page.content()
    assert not revealed(environment)
    # Reveal fetches it (a POST with the CSRF token), and the reveal is on the audit trail.
    page.get_by_role("button", name="Reveal").click()
    expect(field).to_have_value(secret_key.raw_key)
    assert revealed(environment) == [(user.id, {"keyId": secret_key.id, "type": "SECRET"})]
    page.get_by_role("button", name="Hide").click()
    expect(field).not_to_have_value(secret_key.raw_key)
    # Copy puts the real value on the clipboard, and shows nothing.
    page.evaluate("navigator.clipboard.writeText('')")
    field.locator("xpath=..").get_by_role("button", name="Copy").click()
    expect(page.locator('[data-copy-target="secret-key"]')).to_have_text("Copied")
    assert page.evaluate("navigator.clipboard.readText()") == secret_key.raw_key
    expect(field).not_to_have_value(secret_key.raw_key)
    page.get_by_role("button", name="Copy .env").click()
    expect(page.locator('[data-copy-target="env-snippet"]')).to_have_text("Copied")
    assert page.evaluate("navigator.clipboard.readText()") == (
        f"FLATFILE_API_KEY={secret_key.raw_key}\nFLATFILE_ENVIRONMENT_ID={environment.id}"
    )
    assert secret_key.raw_key not in page.content()
    assert len(revealed(environment)) == 3  # Reveal, Copy, Copy .env: each one recorded

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


def minutes_around_now(after: timedelta) -> set[str]:
    """now + `after` as the page writes it, for this minute and the one before (the page
    was rendered a moment ago)."""
    now = timezone.now()
    return {
        (moment + after).astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
        for moment in (now, now - timedelta(minutes=1))
    }


def shown_stop_time(dialog) -> str:
    visible = dialog.locator(".stops-at:visible")
    expect(visible).to_have_count(1)
    return visible.inner_text()


def test_rolling_a_production_key_warns_keeps_it_a_day_and_says_when_it_stops(page):
    account = make_account(email="prod-keys@example.com")
    user = administrator_of(account)
    environment = production(account)
    old = ApiKey.objects.get(environment=environment, type="SECRET")
    sign_in(page, user.email, DEFAULT_PASSWORD)
    page.goto(f"/environments/{environment.id}/api-keys/")

    page.get_by_test_id("secret-key").locator("xpath=..").get_by_role(
        "button", name="Roll key…"
    ).click()
    dialog = page.locator("dialog[open]")
    expect(dialog.get_by_role("heading")).to_have_text(f"Roll the secret key …{old.last_four}")
    expect(dialog.get_by_role("alert")).to_contain_text(
        "This is a production environment: systems using this key stop working when it expires"
    )
    select = dialog.get_by_label("Keep the old key working for")
    expect(select).to_have_value("24h")
    stops = shown_stop_time(dialog)
    assert any(
        stops == f"The old key …{old.last_four} stops working at {moment}."
        for moment in minutes_around_now(timedelta(hours=24))
    ), stops

    # The stop time follows the choice, with no script.
    select.select_option(label="7 days")
    assert any(
        moment in shown_stop_time(dialog) for moment in minutes_around_now(timedelta(days=7))
    )
    select.select_option(label="Stop now")
    assert "the moment you roll" in shown_stop_time(dialog)
    select.select_option(label="24 hours")
    snap(page, "api-keys-roll-production")
    assert_fits_the_screen(page)

    dialog.get_by_role("button", name="Roll key").click()
    message = page.get_by_text("New secret key created.")
    expect(message).to_contain_text(f"The old key …{old.last_four} stops working at")
    assert any(moment in message.inner_text() for moment in minutes_around_now(timedelta(hours=24)))
    expect(page.get_by_test_id("retiring-key")).to_contain_text(f"…{old.last_four}")


def test_rolling_a_development_key_stops_the_old_one_at_once_by_default(page):
    account = make_account(email="dev-keys@example.com")
    user = administrator_of(account)
    environment = development(account)
    old = ApiKey.objects.get(environment=environment, type="PUBLISHABLE")
    sign_in(page, user.email, DEFAULT_PASSWORD)
    page.goto(f"/environments/{environment.id}/api-keys/")
    page.get_by_test_id("publishable-key").locator("xpath=..").get_by_role(
        "button", name="Roll key…"
    ).click()
    dialog = page.locator("dialog[open]")
    expect(dialog.get_by_role("heading")).to_have_text(f"Roll the publishable key …{old.last_four}")
    expect(dialog.get_by_text("This is a production environment")).to_have_count(0)
    expect(dialog.get_by_label("Keep the old key working for")).to_have_value("now")
    assert (
        shown_stop_time(dialog)
        == f"The old key …{old.last_four} stops working the moment you roll."
    )
    dialog.get_by_role("button", name="Roll key").click()
    expect(
        page.get_by_text(
            f"New publishable key created. The old key …{old.last_four} stopped working at once."
        )
    ).to_be_visible()
    assert not ApiKey.objects.filter(pk=old.pk).exists()


def assert_beside(button, field) -> None:
    """`button` sits on the same line as `field`, to its right."""
    button_box, field_box = button.bounding_box(), field.bounding_box()
    middle = button_box["y"] + button_box["height"] / 2
    assert field_box["y"] <= middle <= field_box["y"] + field_box["height"], (button_box, field_box)
    assert button_box["x"] >= field_box["x"] + field_box["width"] - 1, (button_box, field_box)


@pytest.mark.parametrize("width", ["desktop", "phone"])
def test_api_keys_page_at_desktop_and_phone_width(request, width):
    tab = request.getfixturevalue("page" if width == "desktop" else "phone")
    account = make_account(email=f"keys-look-{width}@example.com")
    user = administrator_of(account)
    environment = production(account)
    services.api_key_roll(
        environment=environment,
        actor=user,
        key_type=ApiKey.Type.SECRET,
        keep_old_for=timedelta(hours=24),
    )
    services.secret_upsert(environment=environment, actor=user, name="WEBHOOK_URL", value="v")
    sign_in(tab, user.email, DEFAULT_PASSWORD)
    tab.goto(f"/environments/{environment.id}/api-keys/")
    expect(tab.get_by_role("heading", name="API Keys and Secrets")).to_be_visible()
    snap(tab, "api-keys")
    assert_fits_the_screen(tab)

    # Each Copy button sits beside what it copies, at this width too.
    environment_id = tab.locator("#environment-id")
    assert_beside(
        environment_id.locator("xpath=..").get_by_role("button", name="Copy"), environment_id
    )
    assert_beside(tab.get_by_role("button", name="Copy .env"), tab.get_by_test_id("env-snippet"))
    for field in ("publishable-key", "secret-key"):
        box = tab.get_by_test_id(field)
        assert_beside(box.locator("xpath=..").get_by_role("button", name="Copy"), box)

    tab.get_by_test_id("secret-key").locator("xpath=..").get_by_role(
        "button", name="Roll key…"
    ).click()
    dialog = tab.locator("dialog[open]")
    expect(dialog.get_by_role("alert")).to_be_visible()
    box = dialog.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= tab.viewport_size["width"]
    snap(tab, "api-keys-roll-dialog")
    assert_fits_the_screen(tab)
