"""The seed's personal access token flow, in Chromium, end to end."""

import json
import urllib.error
import urllib.request
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from accounts.models import Event
from tests.e2e.conftest import assert_fits_the_screen, sign_in, snap
from tests.factories import DEFAULT_PASSWORD, administrator_of, make_account
from tokens import services
from tokens.models import PersonalAccessToken

pytestmark = pytest.mark.django_db(transaction=True)


def call_api(base_url: str, token: str) -> int:
    request = urllib.request.Request(
        f"{base_url}/v1/environments", headers={"Authorization": f"Bearer {token}"}
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


# Regenerate, reload and Back ------------------------------------------------------------------


def regenerate_from_the_menu(page, name: str) -> str:
    row = page.locator("tr", has_text=name)
    row.get_by_label(f"Actions for {name}").click()
    row.get_by_role("button", name="Regenerate").click()
    confirm = page.locator("dialog[open]")
    expect(confirm).to_contain_text(f"Regenerate {name}?")
    confirm.get_by_role("button", name="Regenerate").click()
    shown = page.get_by_test_id("show-once")
    expect(shown).to_be_visible()
    return page.get_by_test_id("new-token").input_value()


def test_reloading_after_regenerate_keeps_the_new_value_working(page, base_url):
    user = administrator_of(make_account(email="regen-reload@example.com"))
    token, old = services.personal_access_token_create(user=user, name="deploy bot")
    sign_in(page, user.email, DEFAULT_PASSWORD)
    page.goto("/personal-access-tokens/")

    new = regenerate_from_the_menu(page, "deploy bot")
    assert new.startswith("pat_") and new != old
    digest = PersonalAccessToken.objects.get(pk=token.pk).digest

    # portal.js turns the response into a GET of its address, which leads to the list; had the
    # browser re-sent the POST instead, its spent nonce would make nothing
    # (tests/tokens/test_views_personal_access_tokens.py).
    page.reload()
    expect(page.get_by_role("heading", name="Personal Access Tokens")).to_be_visible()
    assert page.url == f"{base_url}/personal-access-tokens/"
    assert new not in page.content()
    assert PersonalAccessToken.objects.get(pk=token.pk).digest == digest
    assert Event.objects.filter(topic="personal-access-token:regenerated").count() == 1
    assert call_api(base_url, new) == 200
    assert call_api(base_url, old) == 401

    # Away and Back again: the app's page, not a browser error, and still no second regenerate.
    page.goto("/environments/")
    page.go_back()
    expect(page.get_by_role("heading", name="Personal Access Tokens")).to_be_visible()
    assert PersonalAccessToken.objects.get(pk=token.pk).digest == digest
    assert call_api(base_url, new) == 200


def test_a_reload_that_re_sends_the_regenerate_post_makes_nothing(page, base_url):
    # As in a browser where portal.js's history.replaceState has not run: the reload really
    # re-sends the POST, and the server's one-time nonce is what keeps the token alive.
    page.add_init_script("history.replaceState = () => {};")
    user = administrator_of(make_account(email="regen-resend@example.com"))
    token, _ = services.personal_access_token_create(user=user, name="deploy bot")
    sign_in(page, user.email, DEFAULT_PASSWORD)
    page.goto("/personal-access-tokens/")
    new = regenerate_from_the_menu(page, "deploy bot")
    digest = PersonalAccessToken.objects.get(pk=token.pk).digest

    page.reload()
    expect(page.get_by_text("That form was already sent.")).to_be_visible()
    expect(page.get_by_role("heading", name="Personal Access Tokens")).to_be_visible()
    assert new not in page.content()
    assert PersonalAccessToken.objects.get(pk=token.pk).digest == digest
    assert call_api(base_url, new) == 200


def test_back_to_a_regenerate_response_shows_the_app_and_regenerates_nothing(page, base_url):
    user = administrator_of(make_account(email="regen-back@example.com"))
    token, _ = services.personal_access_token_create(user=user, name="deploy bot")
    sign_in(page, user.email, DEFAULT_PASSWORD)
    page.goto("/personal-access-tokens/")
    new = regenerate_from_the_menu(page, "deploy bot")
    digest = PersonalAccessToken.objects.get(pk=token.pk).digest

    page.get_by_role("button", name="Done").click()
    page.goto("/environments/")
    page.go_back()
    expect(page.get_by_role("heading", name="Personal Access Tokens")).to_be_visible()
    assert new not in page.content()
    assert PersonalAccessToken.objects.get(pk=token.pk).digest == digest
    assert call_api(base_url, new) == 200


# Expiry ------------------------------------------------------------------------------------


def test_the_create_dialog_suggests_30_days_and_warns_about_never(page):
    user = administrator_of(make_account(email="never@example.com"))
    sign_in(page, user.email, DEFAULT_PASSWORD)
    page.goto("/personal-access-tokens/")
    page.get_by_role("button", name="Create Token").click()
    expires = page.get_by_label("Expires")
    warning = page.get_by_test_id("never-warning")
    expect(expires).to_have_value("30")
    expect(warning).to_be_hidden()

    expires.select_option(label="Never")
    expect(warning).to_be_visible()
    expect(warning).to_have_text(
        "A token that never expires works until someone deletes it. "
        "Choose an expiry unless a script truly needs it forever."
    )
    expires.select_option(label="7 days")
    expect(warning).to_be_hidden()

    expires.select_option(label="Never")
    page.get_by_label("Name").fill("forever")
    page.get_by_role("button", name="Create", exact=True).click()
    expect(page.get_by_test_id("show-once")).to_be_visible()
    assert PersonalAccessToken.objects.get(name="forever").expires_at is None


def test_expired_and_expiring_tokens_are_marked_and_an_expired_one_regenerates(page, base_url):
    user = administrator_of(make_account(email="expired@example.com"))
    lapsed, old = services.personal_access_token_create(user=user, name="lapsed", expires_in_days=7)
    PersonalAccessToken.objects.filter(pk=lapsed.pk).update(
        created_at=timezone.now() - timedelta(days=8),
        expires_at=timezone.now() - timedelta(days=1),
    )
    soon, _ = services.personal_access_token_create(user=user, name="soon", expires_in_days=30)
    PersonalAccessToken.objects.filter(pk=soon.pk).update(
        expires_at=timezone.now() + timedelta(days=2, hours=12)
    )
    sign_in(page, user.email, DEFAULT_PASSWORD)
    page.goto("/personal-access-tokens/")
    expect(page.locator("tr", has_text="soon").get_by_test_id("expires")).to_contain_text(
        "Expires in 3 days"
    )
    expect(page.locator("tr", has_text="lapsed").get_by_test_id("expires")).to_have_text("Expired")
    assert call_api(base_url, old) == 401

    new = regenerate_from_the_menu(page, "lapsed")
    assert call_api(base_url, new) == 200
    page.get_by_role("button", name="Done").click()
    # A fresh week, the lifetime it was made with.
    expect(page.locator("tr", has_text="lapsed").get_by_test_id("expires")).to_contain_text(
        "Expires in 7 days"
    )
    expires_at = PersonalAccessToken.objects.get(pk=lapsed.pk).expires_at
    assert abs(expires_at - (timezone.now() + timedelta(days=7))) < timedelta(minutes=1)


def test_many_tokens_are_paged_older_and_back(page):
    user = administrator_of(make_account(email="pat-pages@example.com"))
    for number in range(53):
        services.personal_access_token_create(user=user, name=f"script {number:02}")
    sign_in(page, user.email, DEFAULT_PASSWORD)
    page.goto("/personal-access-tokens/")
    rows = page.get_by_test_id("token-list").locator("tbody tr")
    expect(rows).to_have_count(50)
    expect(rows.first).to_contain_text("script 52")  # newest first
    expect(page.get_by_text("Page 1 of 2")).to_be_visible()

    page.get_by_role("link", name="Older →").click()
    expect(page.get_by_text("Page 2 of 2")).to_be_visible()
    expect(rows).to_have_count(3)
    expect(rows.last).to_contain_text("script 00")
    # A token of this page is deleted from it, and the list is there again.
    rows.last.get_by_role("group").locator("summary").click()
    rows.last.get_by_role("button", name="Delete").click()
    page.locator("dialog[open]").get_by_role("button", name="Delete").click()
    expect(page.get_by_text("Token “script 00” deleted.")).to_be_visible()

    page.go_back()
    page.go_back()
    expect(page.get_by_text("Page 1 of 2")).to_be_visible()
    expect(rows).to_have_count(50)


# How the pages look -------------------------------------------------------------------------


@pytest.mark.parametrize("width", ["desktop", "phone"])
def test_token_pages_at_desktop_and_phone_width(request, width):
    tab = request.getfixturevalue("page" if width == "desktop" else "phone")
    user = administrator_of(make_account(email=f"pat-look-{width}@example.com"))
    services.personal_access_token_create(user=user, name="nightly import", expires_in_days=90)
    soon, _ = services.personal_access_token_create(user=user, name="soon", expires_in_days=7)
    lapsed, _ = services.personal_access_token_create(user=user, name="lapsed", expires_in_days=30)
    PersonalAccessToken.objects.filter(pk=lapsed.pk).update(
        expires_at=timezone.now() - timedelta(days=1)
    )
    services.personal_access_token_create(user=user, name="forever")
    services.client_credential_create(user=user)
    sign_in(tab, user.email, DEFAULT_PASSWORD)

    tab.goto("/personal-access-tokens/")
    expect(tab.get_by_role("heading", name="Personal Access Tokens")).to_be_visible()
    expect(tab.get_by_text("keep working when you change your password")).to_be_visible()
    snap(tab, "personal-access-tokens")
    assert_fits_the_screen(tab)
    tab.get_by_role("button", name="Create Token").click()
    tab.get_by_label("Expires").select_option(label="Never")
    expect(tab.get_by_test_id("never-warning")).to_be_visible()
    snap(tab, "personal-access-tokens-create-never")
    assert_fits_the_screen(tab)
    tab.get_by_label("Name").fill("look")
    tab.get_by_role("button", name="Create", exact=True).click()
    expect(tab.get_by_test_id("show-once")).to_be_visible()
    snap(tab, "personal-access-tokens-show-once")
    assert_fits_the_screen(tab)

    tab.goto("/settings/personal-tokens/")
    expect(tab.get_by_role("heading", name="Settings · Personal Tokens")).to_be_visible()
    snap(tab, "client-credentials")
    assert_fits_the_screen(tab)
    tab.get_by_role("button", name="Create client credentials").click()
    expect(tab.get_by_test_id("show-once")).to_be_visible()
    snap(tab, "client-credentials-show-once")
    assert_fits_the_screen(tab)
