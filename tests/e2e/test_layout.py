"""Every administrator page, as a person sees it: on a desktop and on a phone, with the
longest names the portal accepts, menus and dialogs worked from the keyboard."""

import pytest
from playwright.sync_api import expect

from accounts import services as account_services
from accounts.models import GuestAuthentication
from guests import services as guest_services
from tests.e2e.conftest import assert_fits_the_screen, assert_text_contrast, sign_in, snap
from tests.factories import (
    DEFAULT_PASSWORD,
    AdministratorFactory,
    SpaceFactory,
    administrator_of,
    development,
    make_account,
)
from tests.guests.conftest import magic_link_in
from tokens import services as token_services

pytestmark = pytest.mark.django_db(transaction=True)

LONG_NAME = "Quarterly-reconciliation-" + "x" * 230  # 255 characters, no space to break at


def populated_account():
    """An account with a row in every table, each named as long as a name may be."""
    account = make_account(name="Acme " + "y" * 250, email="layout@example.com")
    user = administrator_of(account)
    user.name = "Layla " + "z" * 249
    user.save(update_fields=["name"])
    environment = development(account)
    space = account_services.space_create(environment=environment, actor=user, name=LONG_NAME)
    account_services.workbook_create(space=space, actor=user, name=LONG_NAME)
    token_services.personal_access_token_create(user=user, name=LONG_NAME)
    token_services.client_credential_create(user=user)
    token_services.secret_upsert(
        environment=environment, actor=user, name="S" * 1024, value="v", space=space
    )
    account_services.administrator_invite(
        account=account, actor=user, email=("i" * 60) + "@" + ("d" * 60) + ".example.com"
    )
    guest_services.guest_create(
        environment=environment,
        actor=user,
        email=("g" * 60) + "@" + ("e" * 60) + ".example.com",
        name=LONG_NAME,
        spaces=[{"space": space}],
    )
    return account, user, environment, space


def pages(environment, space):
    return {
        "environments": "/environments/",
        "environment": f"/environments/{environment.id}/",
        "environment-settings": f"/environments/{environment.id}/settings/",
        "api-keys": f"/environments/{environment.id}/api-keys/",
        "spaces": "/spaces/",
        "space": f"/spaces/{space.id}/",
        "guests": f"/environments/{environment.id}/guests/",
        "team": "/team/",
        "logs": "/logs/",
        "personal-access-tokens": "/personal-access-tokens/",
        "client-credentials": "/settings/personal-tokens/",
        "profile": "/profile/",
        "password-change": "/profile/password/",
    }


@pytest.mark.parametrize("width", ["desktop", "phone"])
def test_every_page_fits_the_screen_with_the_longest_names(request, width):
    tab = request.getfixturevalue("page" if width == "desktop" else "phone")
    tab.goto("/login/")
    snap(tab, "login")
    assert_fits_the_screen(tab)
    assert_text_contrast(tab)
    account, user, environment, space = populated_account()
    sign_in(tab, user.email, DEFAULT_PASSWORD)
    for name, url in pages(environment, space).items():
        tab.goto(url)
        expect(tab.get_by_role("heading", level=1)).to_be_visible()
        snap(tab, name)
        assert_fits_the_screen(tab)
        assert_text_contrast(tab)
        # The navigation is reachable: the profile menu opens inside the screen.
        tab.get_by_test_id("profile-menu").locator("summary").click()
        link = tab.get_by_test_id("profile-menu").get_by_role("link", name="Personal Access Tokens")
        expect(link).to_be_visible()
        box = link.bounding_box()
        assert 0 <= box["x"] and box["x"] + box["width"] <= tab.viewport_size["width"], name
        tab.keyboard.press("Escape")
        expect(link).to_be_hidden()
    # A row's three-dot menu opens inside the screen too.
    tab.goto("/personal-access-tokens/")
    tab.get_by_label("Actions for").first.click()
    delete = tab.locator("details[open]").get_by_role("button", name="Delete")
    expect(delete).to_be_visible()
    box = delete.bounding_box()
    assert 0 <= box["x"] and box["x"] + box["width"] <= tab.viewport_size["width"]


def test_the_navigation_marks_the_current_page(page):
    account, user, environment, space = populated_account()
    sign_in(page, user.email, DEFAULT_PASSWORD)
    page.goto("/team/")
    current = page.locator(".mainnav [aria-current=page]")
    expect(current).to_have_count(1)
    expect(current).to_have_text("Team")
    page.goto(f"/environments/{environment.id}/api-keys/")
    expect(page.locator(".mainnav [aria-current=page]")).to_have_text("API Keys and Secrets")


@pytest.mark.parametrize("width", ["desktop", "phone"])
def test_a_rows_confirmation_shows_its_whole_question(request, width):
    tab = request.getfixturevalue("page" if width == "desktop" else "phone")
    account, user, environment, space = populated_account()
    sign_in(tab, user.email, DEFAULT_PASSWORD)
    # A second administrator, so that "Remove" is offered at all.
    AdministratorFactory(account=account, email="colleague@example.com", password="x" * 12)
    dialogs = [
        ("token-delete", "/personal-access-tokens/", "Actions for", "Delete"),
        ("token-regenerate", "/personal-access-tokens/", "Actions for", "Regenerate"),
        ("secret-delete", f"/environments/{environment.id}/api-keys/", None, "Delete…"),
        ("workbook-delete", f"/spaces/{space.id}/", None, "Delete…"),
        ("client-credential-delete", "/settings/personal-tokens/", None, "Delete…"),
        ("administrator-remove", "/team/", None, "Remove…"),
    ]
    for name, url, menu, button in dialogs:
        tab.goto(url)
        if menu:
            tab.get_by_label(menu).first.click()
        tab.locator("tbody").get_by_role("button", name=button).first.click()
        dialog = tab.locator("dialog[open]")
        expect(dialog).to_be_visible()
        clipped = dialog.evaluate(
            """dialog => [dialog, ...dialog.querySelectorAll("*")]
                .filter(el => el.scrollWidth > el.clientWidth + 1 && el.clientWidth > 0)
                .map(el => el.tagName + ": " + el.textContent.slice(0, 40))"""
        )
        assert clipped == [], (url, button, clipped)
        box = dialog.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= tab.viewport_size["width"]
        snap(tab, f"dialog-{name}")
        tab.keyboard.press("Escape")
        expect(dialog).to_be_hidden()


def test_escape_closes_a_menu_and_focus_returns_to_what_opened_it(page):
    account, user, environment, space = populated_account()
    sign_in(page, user.email, DEFAULT_PASSWORD)
    page.goto("/personal-access-tokens/")
    for summary in [
        page.get_by_test_id("environment-switcher").locator("summary"),
        page.get_by_test_id("profile-menu").locator("summary"),
        page.get_by_label("Actions for").first,
    ]:
        summary.focus()
        page.keyboard.press("Enter")
        menu = summary.locator("xpath=..")
        expect(menu).to_have_attribute("open", "")
        page.keyboard.press("Tab")  # into the menu
        page.keyboard.press("Escape")
        expect(menu).not_to_have_attribute("open", "")
        expect(summary).to_be_focused()

    # A dialog opened from the three-dot menu gives focus back to that menu when it closes.
    kebab = page.get_by_label("Actions for").first
    kebab.click()
    page.get_by_role("button", name="Delete").first.click()
    dialog = page.locator("dialog[open]")
    expect(dialog).to_be_visible()
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(kebab).to_be_focused()
    # And a dialog opened by a button gives focus back to that button.
    page.goto(f"/spaces/{space.id}/")
    opener = page.get_by_role("button", name="Delete space…")
    opener.click()
    page.locator("dialog[open]").get_by_role("button", name="Cancel").click()
    expect(opener).to_be_focused()


def test_sign_in_says_what_is_wrong_with_empty_or_malformed_fields(page):
    page.goto("/login/")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_text("This field is required.").first).to_be_visible()
    page.get_by_label("Email").fill("not-an-email")
    page.get_by_label("Password").fill("whatever")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_text("Enter a valid email address.")).to_be_visible()
    expect(page.get_by_label("Email")).to_have_value("not-an-email")
    expect(page.get_by_label("Email")).to_be_focused()
    snap(page, "login-errors")


def test_an_error_below_the_fold_is_brought_into_view_and_focused(page):
    account, user, environment, space = populated_account()
    sign_in(page, user.email, DEFAULT_PASSWORD)
    page.goto(f"/environments/{environment.id}/api-keys/")
    page.get_by_label("Value", exact=True).fill("a value without a name")
    page.get_by_role("button", name="Save secret").click()
    error = page.get_by_text("Name must be 1 to 1024 characters.")
    expect(error).to_be_in_viewport()
    expect(page.get_by_label("Name", exact=True)).to_be_focused()


def test_reload_and_back_after_a_refused_form_neither_post_again_nor_show_an_error_page(page):
    account, user, environment, space = populated_account()
    sign_in(page, user.email, DEFAULT_PASSWORD)
    page.goto(f"/environments/{environment.id}/")
    page.get_by_role("button", name="Create space").click()  # no name: refused, 400
    expect(page.get_by_text("Name cannot be empty.")).to_be_visible()
    posts = []
    page.on("request", lambda request: posts.append(request.url) if request.method == "POST" else 0)
    page.reload()
    expect(page.get_by_role("heading", level=1)).to_contain_text("development")
    page.get_by_role("link", name="Team").click()
    expect(page.get_by_role("heading", name="Team")).to_be_visible()
    page.go_back()
    expect(page.get_by_role("heading", level=1)).to_contain_text("development")
    assert posts == []


def test_the_show_once_warning_is_readable(page):
    account, user, environment, space = populated_account()
    sign_in(page, user.email, DEFAULT_PASSWORD)
    page.goto("/personal-access-tokens/")
    page.get_by_role("button", name="Create Token").click()
    page.get_by_label("Name").fill("readable")
    page.get_by_role("button", name="Create", exact=True).click()
    expect(page.get_by_test_id("show-once")).to_be_visible()
    snap(page, "show-once")
    assert_text_contrast(page)


# The demo account's names ("Demo", "Demo Admin": accounts/management/commands/demo_account.py),
# the longest a name may be with and without a space, and a middling one.
HEADER_NAMES = {
    "demo": ("Demo", "Demo Admin"),
    "middling": ("Northwind Traders International", "Alexandra Konstantinopoulou"),
    "longest": ("Acme " + "y" * 250, "Layla " + "z" * 249),
    "one-word": ("N" * 255, "M" * 255),
}

# How much of the account's name the header shows, against what recognising it takes: the
# whole name when it is short, else its first word (up to 12 characters) and at least 8.
_BRAND_SHOWN_JS = """
brand => {
  const name = brand.textContent.trim();
  const firstWord = name.split(/\\s+/)[0];
  const wanted = name.slice(0, Math.max(8, Math.min(firstWord.length, 12)));
  const context = document.createElement("canvas").getContext("2d");
  context.font = getComputedStyle(brand).font;
  const needed = wanted === name
    ? brand.scrollWidth
    : Math.ceil(context.measureText(wanted + "\\u2026").width);
  return {wanted, needed, shown: brand.clientWidth};
}
"""


@pytest.mark.parametrize("names", HEADER_NAMES.values(), ids=HEADER_NAMES.keys())
@pytest.mark.parametrize("width", ["desktop", "phone"])
def test_the_header_names_the_account_and_its_menus_open_inside_the_screen(request, width, names):
    tab = request.getfixturevalue("page" if width == "desktop" else "phone")
    account_name, user_name = names
    account = make_account(name=account_name, email="header@example.com")
    user = administrator_of(account)
    user.name = user_name
    user.save(update_fields=["name"])
    sign_in(tab, user.email, DEFAULT_PASSWORD)
    tab.goto("/team/")
    snap(tab, f"header-{request.node.callspec.id}")
    assert_fits_the_screen(tab)
    screen = tab.viewport_size["width"]
    for menu in ("profile-menu", "environment-switcher"):
        tab.get_by_test_id(menu).locator("summary").click()
        items = tab.get_by_test_id(menu).locator(".menu-items")
        expect(items).to_be_visible()
        snap(tab, f"header-{menu}-{request.node.callspec.id}")
        for item in [items, *items.locator("li").all()]:
            box = item.bounding_box()
            assert 0 <= box["x"] and box["x"] + box["width"] <= screen, (menu, item.inner_text())
        tab.keyboard.press("Escape")
        expect(items).to_be_hidden()
    brand = tab.locator(".topbar .brand").evaluate(_BRAND_SHOWN_JS)
    assert brand["shown"] >= brand["needed"], f"the header does not show {brand['wanted']!r}"


def look(tab, name: str) -> None:
    snap(tab, name)
    assert_fits_the_screen(tab)
    assert_text_contrast(tab)


@pytest.mark.parametrize("debug", [False, True], ids=["debug-off", "debug-on"])
@pytest.mark.parametrize("width", ["desktop", "phone"])
def test_a_refusal_is_the_portals_own_page_with_a_way_on(
    request, width, debug, settings, mailoutbox
):
    """Signed out or a guest, DEBUG on or off: an unknown address, a form whose CSRF token
    expired, a space not (or no longer) the guest's, an administrator's page."""
    settings.DEBUG = debug
    tab = request.getfixturevalue("page" if width == "desktop" else "phone")
    mode = request.node.callspec.id
    refusal = tab.get_by_test_id("refusal")

    tab.goto("/no-such-page/")
    expect(refusal.get_by_role("heading", name="Nothing here")).to_be_visible()
    look(tab, f"refused-signed-out-{mode}")
    tab.goto("/login/")
    tab.context.clear_cookies()  # as when the session and its CSRF cookie are gone
    tab.get_by_label("Email").fill("someone@example.com")
    tab.get_by_label("Password").fill("whatever")
    tab.get_by_role("button", name="Sign in").click()
    expect(refusal.get_by_role("heading", name="This form has expired")).to_be_visible()
    look(tab, f"refused-csrf-{mode}")
    refusal.get_by_role("link", name="Sign in").click()
    expect(tab.get_by_role("button", name="Sign in")).to_be_visible()

    account = make_account(name="Initech Holdings", email="lead@initech.example")
    environment = development(account)
    environment.guest_authentication = [GuestAuthentication.MAGIC_LINK]
    environment.save(update_fields=["guest_authentication"])
    onboarding = SpaceFactory(environment=environment, name="Onboarding")
    billing = SpaceFactory(environment=environment, name="Billing")
    admin = administrator_of(account)
    guest = guest_services.guest_create(
        environment=environment,
        actor=admin,
        email="gail@guests.example",
        name="Gail Guest",
        spaces=[{"space": onboarding}, {"space": billing}],
    )
    guest_services.guest_invite(guest=guest, space=onboarding, actor=admin)
    tab.goto(magic_link_in(mailoutbox[-1]))
    tab.get_by_role("button", name="Continue to Onboarding").click()
    expect(tab.get_by_role("heading", name="Onboarding", level=1)).to_be_visible()

    for name, url in [("unknown-space", "/guest/spaces/sp_unknown/"), ("admin-page", "/team/")]:
        tab.goto(url)
        expect(refusal.get_by_role("heading", name="Nothing here")).to_be_visible()
        expect(tab.locator(".brand")).to_have_text("Initech Holdings")
        expect(tab.get_by_test_id("guest-who")).to_contain_text("Gail Guest")
        look(tab, f"refused-guest-{name}-{mode}")
    # Sign out opened by its address (a bookmark) rather than its button.
    tab.goto("/guest/sign-out/")
    expect(
        refusal.get_by_role("heading", name="This page can't be opened this way")
    ).to_be_visible()
    expect(tab.get_by_test_id("guest-who")).to_contain_text("Gail Guest")
    look(tab, f"refused-guest-sign-out-opened-{mode}")
    # Removed from the space that is open: the next click says so, and leads to the other.
    tab.goto(f"/guest/spaces/{onboarding.id}/")
    guest_services.guest_remove_from_space(guest=guest, space=onboarding, actor=admin)
    tab.reload()
    expect(refusal.get_by_role("heading", name="Nothing here")).to_be_visible()
    refusal.get_by_role("link", name="Back to your spaces").click()
    expect(tab.get_by_role("heading", name="Billing", level=1)).to_be_visible()
