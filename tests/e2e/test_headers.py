"""The portal and the Django admin under their Content-Security-Policy and Permissions-Policy,
in Chromium: every page a superuser administrator walks through works, and the browser
refuses nothing (tests/e2e/conftest.py fails any test whose pages report a violation)."""

import pytest
from playwright.sync_api import expect

from accounts import services as account_services
from tests.e2e.conftest import sign_in
from tests.factories import DEFAULT_PASSWORD, AdministratorFactory, development, make_account
from tokens import services as token_services

pytestmark = pytest.mark.django_db(transaction=True)


def superuser_administrator():
    """A superuser who also administers an account with something on every page."""
    account = make_account(name="Acme", email="owner@example.com")
    user = AdministratorFactory(
        account=account, email="root@example.com", name="Root", is_staff=True, is_superuser=True
    )
    environment = development(account)
    space = account_services.space_create(environment=environment, actor=user, name="Onboarding")
    account_services.workbook_create(space=space, actor=user, name="Contacts")
    token_services.personal_access_token_create(user=user, name="CI")
    token_services.client_credential_create(user=user)
    token_services.secret_upsert(environment=environment, actor=user, name="API_URL", value="v")
    account_services.administrator_invite(account=account, actor=user, email="new@example.com")
    return user, environment, space


def assert_policies(response):
    """The document's own headers, as Chromium received them."""
    headers = response.all_headers()
    assert "frame-ancestors 'none'" in headers["content-security-policy"], response.url
    assert "unsafe-inline" not in headers["content-security-policy"], response.url
    assert "camera=()" in headers["permissions-policy"], response.url


def test_the_portal_works_and_nothing_is_refused(page):
    for url in ("/login/", "/password-reset/"):
        assert_policies(page.goto(url))
        expect(page.get_by_role("heading", level=1)).to_be_visible()
    user, environment, space = superuser_administrator()
    sign_in(page, user.email, DEFAULT_PASSWORD)
    for url in (
        "/environments/",
        f"/environments/{environment.id}/",
        f"/environments/{environment.id}/settings/",
        f"/environments/{environment.id}/api-keys/",
        "/spaces/",
        f"/spaces/{space.id}/",
        "/team/",
        "/logs/",
        "/personal-access-tokens/",
        "/settings/personal-tokens/",
        "/profile/",
        "/profile/password/",
    ):
        assert_policies(page.goto(url))
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        # The script runs (menus open, table cells learn their column's heading).
        menu = page.get_by_test_id("profile-menu")
        menu.locator("summary").click()
        expect(menu.get_by_role("link", name="Personal Access Tokens")).to_be_visible()
        page.keyboard.press("Escape")
        expect(menu.get_by_role("link", name="Personal Access Tokens")).to_be_hidden()

    # Chromium read the Permissions-Policy: no camera or location, but the Copy buttons
    # may write to the clipboard, and do.
    page.goto(f"/environments/{environment.id}/api-keys/")
    allowed = page.evaluate(
        "['camera', 'microphone', 'geolocation', 'payment', 'usb', 'clipboard-write']"
        ".filter((feature) => document.featurePolicy.allowsFeature(feature))"
    )
    assert allowed == ["clipboard-write"]
    page.locator("[data-copy-target=environment-id]").click()
    expect(page.locator("[data-copy-target=environment-id]")).to_have_text("Copied")
    assert page.evaluate("navigator.clipboard.readText()") == environment.id

    # A dialog opens and closes (the confirm dialogs are the script's too).
    page.get_by_role("button", name="Roll key…").first.click()
    expect(page.locator("dialog[open]")).to_be_visible()
    page.keyboard.press("Escape")
    expect(page.locator("dialog[open]")).to_have_count(0)


def test_the_django_admin_works_and_nothing_is_refused(page):
    user, environment, space = superuser_administrator()
    # The admin signs people in through the portal's sign-in, and sends them back.
    page.goto("/admin/")
    page.wait_for_url("**/login/?next=**")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/admin/")

    assert_policies(page.goto("/admin/"))
    expect(page.get_by_role("heading", name="Site administration")).to_be_visible()
    # The admin's own scripts: the theme toggle and, on a change list, filters and search.
    page.locator("button.theme-toggle").first.click()
    page.get_by_role("link", name="Users").first.click()
    expect(page.get_by_role("heading", name="Select user to change")).to_be_visible()
    page.locator("#searchbar").fill("root")
    page.get_by_role("button", name="Search").click()
    page.wait_for_url("**/admin/accounts/user/?q=root")
    expect(page.locator("#result_list")).to_contain_text("root@example.com")
    expect(page.locator("#result_list")).not_to_contain_text("owner@example.com")
    page.get_by_role("link", name="root@example.com").click()
    expect(page.get_by_role("heading", name="Change user")).to_be_visible()

    assert_policies(page.goto("/admin/accounts/space/"))
    expect(page.locator("#result_list")).to_contain_text("Onboarding")
    # A change form, saved: its form posts to its own address (form-action 'self').
    page.get_by_role("link", name="Onboarding").click()
    expect(page.get_by_role("heading", name="Change space")).to_be_visible()
    page.get_by_label("Name").fill("Onboarding 2")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_text("was changed successfully")).to_be_visible()
    space.refresh_from_db()
    assert space.name == "Onboarding 2"

    assert_policies(page.goto("/admin/accounts/event/"))
    expect(page.get_by_role("heading", name="Select event to view")).to_be_visible()
