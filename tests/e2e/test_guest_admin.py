"""The administrator's guest pages in Chromium, at 1280 and 390 px: add a guest to two
spaces (the invitation mailed), resend, copy a magic link (shown once; it works once in the
guest's own browser), the shared link copied, regenerated and disabled, remove the guest
from one space, and delete them from the environment's Guests page, whose confirmation
names the spaces they lose."""

import pytest
from playwright.sync_api import expect

from accounts.models import GuestAuthentication
from guests import links, selectors
from guests.models import Guest, MagicLink, SharedLink, SpaceGrant
from tests.e2e.conftest import assert_fits_the_screen, assert_text_contrast, sign_in, snap
from tests.factories import (
    DEFAULT_PASSWORD,
    SpaceFactory,
    WorkbookFactory,
    administrator_of,
    development,
    make_account,
)
from tests.guests.conftest import magic_link_in, make_guest

pytestmark = pytest.mark.django_db(transaction=True)

GUEST_EMAIL = "grace.guestwithaverylongaddress@example-partner-company.com"
GUEST_NAME = "Grace " + "Hopper-" * 12  # long enough to wrap in the sidebar


def the_world():
    account = make_account(name="Initech", email="lead@example.com")
    environment = development(account)
    environment.guest_authentication = [
        GuestAuthentication.MAGIC_LINK,
        GuestAuthentication.SHARED_LINK,
    ]
    environment.save(update_fields=["guest_authentication"])
    onboarding = SpaceFactory(environment=environment, name="Onboarding")
    WorkbookFactory(space=onboarding, name="Contacts")
    WorkbookFactory(space=onboarding, name="Deals")
    billing = SpaceFactory(environment=environment, name="Billing")
    return account, environment, onboarding, billing


def check(tab, name: str) -> None:
    snap(tab, name)
    assert_fits_the_screen(tab)


def guest_row(tab):
    return tab.get_by_test_id("space-guest").filter(has_text=GUEST_EMAIL)


def guest_action(tab, action: str) -> None:
    row = guest_row(tab)
    row.get_by_label(f"Actions for {GUEST_EMAIL}").click()
    row.get_by_role("button", name=action).click()


def add_guest(tab, workbooks=()) -> None:
    tab.get_by_role("button", name="Add guest").click()
    dialog = tab.locator("dialog[open]")
    dialog.get_by_label("Name").fill(GUEST_NAME)
    dialog.get_by_label("Email").fill(GUEST_EMAIL)
    for workbook in workbooks:
        dialog.get_by_label(workbook).check()
    check(tab, "guest-add-dialog")
    dialog.get_by_role("button", name="Add guest").click()
    expect(tab.get_by_text(f"{GUEST_EMAIL} can now open this space.")).to_be_visible()


@pytest.mark.parametrize("width", ["desktop", "phone"])
def test_an_administrator_manages_a_guest_from_invitation_to_deletion(
    request, width, second_page, mailoutbox
):
    tab = request.getfixturevalue("page" if width == "desktop" else "phone")
    account, environment, onboarding, billing = the_world()
    sign_in(tab, administrator_of(account).email, DEFAULT_PASSWORD)

    # An empty sidebar beside the space; a refused "Add guest" keeps its dialog open.
    tab.goto(f"/spaces/{onboarding.id}/")
    sidebar = tab.get_by_test_id("guest-sidebar")
    expect(sidebar.get_by_text("No guests in this space yet.")).to_be_visible()
    expect(tab.get_by_test_id("guests-can-invite")).to_contain_text("Guests can invite")
    check(tab, "guest-sidebar-empty")
    tab.get_by_role("button", name="Add guest").click()
    tab.locator("dialog[open]").get_by_label("Email").fill("not an email")
    tab.locator("dialog[open]").get_by_role("button", name="Add guest").click()
    dialog = tab.locator("dialog[open]")
    expect(dialog.get_by_text("Enter a valid email address.")).to_be_visible()
    expect(dialog.get_by_text("Name cannot be empty.")).to_be_visible()
    check(tab, "guest-add-refused")
    dialog.get_by_role("button", name="Cancel").click()

    # Add the guest to two spaces, one of them limited to a workbook: two invitations.
    tab.goto(f"/spaces/{onboarding.id}/")
    add_guest(tab, workbooks=["Contacts"])
    tab.goto(f"/spaces/{billing.id}/")
    add_guest(tab)
    # The answer to Add guest is a redirect: a reload, Back and Forward re-send nothing,
    # and Back to the page the form was on shows it as it is now (no-store: fetched again).
    tab.reload()
    expect(tab.get_by_role("heading", name="Billing", exact=True)).to_be_visible()
    expect(tab.get_by_text(f"{GUEST_EMAIL} can now open this space.")).to_have_count(0)
    tab.go_back()
    expect(tab.get_by_role("heading", name="Billing", exact=True)).to_be_visible()
    expect(guest_row(tab)).to_be_visible()
    check(tab, "guest-added-back")
    tab.go_forward()
    expect(guest_row(tab)).to_be_visible()
    check(tab, "guest-added-reloaded")
    assert [mail.to for mail in mailoutbox] == [[GUEST_EMAIL], [GUEST_EMAIL]]
    assert "Onboarding" in mailoutbox[0].subject and "Billing" in mailoutbox[1].subject
    guest = Guest.objects.get()
    assert set(SpaceGrant.objects.filter(guest=guest).values_list("space__name", flat=True)) == {
        "Onboarding",
        "Billing",
    }

    tab.goto(f"/spaces/{onboarding.id}/")
    row = guest_row(tab)
    expect(row).to_contain_text(GUEST_NAME.strip())
    expect(row).to_contain_text("Added by an administrator")
    expect(row).to_contain_text("Contacts")
    expect(row).to_contain_text("Never")
    expect(tab.get_by_test_id("pending-invitation")).to_have_count(1)
    check(tab, "guest-sidebar")
    # The delete confirmation names both spaces (cancelled here).
    guest_action(tab, "Delete guest")
    dialog = tab.locator("dialog[open]")
    expect(dialog.locator(".lost-spaces li")).to_have_text(["Billing", "Onboarding"])
    check(tab, "guest-delete-dialog-space")
    dialog.get_by_role("button", name="Cancel").click()

    # Resend: a new mail, and the first invitation stops working.
    guest_action(tab, "Resend invitation")
    expect(tab.get_by_text(f"A new invitation was sent to {GUEST_EMAIL}")).to_be_visible()
    assert len(mailoutbox) == 3
    assert selectors.magic_link_pending(magic_link_in(mailoutbox[0]).split("/")[-2]) is None
    expect(tab.get_by_test_id("pending-invitation")).to_have_count(1)
    check(tab, "guest-resent")

    # Copy magic link: shown once, copied, and it works once in the guest's own browser.
    links_before = MagicLink.objects.count()
    guest_action(tab, "Copy magic link")
    shown = tab.get_by_test_id("show-once")
    expect(shown).to_be_visible()
    link = tab.get_by_test_id("magic-link").input_value()
    assert link.startswith(f"{tab.url.split('/spaces/')[0]}/guest/magic/ml_")
    token = link.rstrip("/").rsplit("/", 1)[1]
    assert token not in tab.url
    assert selectors.magic_link_pending(token).guest == guest
    tab.evaluate("navigator.clipboard.writeText('')")
    shown.get_by_role("button", name="Copy").click()
    assert tab.evaluate("navigator.clipboard.readText()") == link
    check(tab, "guest-magic-link-shown")
    shown.get_by_role("button", name="Done").click()
    # A reload neither shows it again nor mints another.
    tab.reload()
    expect(tab.get_by_test_id("show-once")).to_have_count(0)
    assert MagicLink.objects.count() == links_before + 1
    assert token not in tab.content()

    second_page.goto(link)
    second_page.get_by_role("button", name="Continue to Onboarding").click()
    expect(second_page.get_by_role("heading", name="Onboarding", level=1)).to_be_visible()
    second_page.goto(link)
    expect(second_page.get_by_role("heading", name="This link can't be used")).to_be_visible()
    second_page.goto(f"/guest/spaces/{onboarding.id}/")  # the guest's page, open for later
    expect(second_page.get_by_role("heading", name="Onboarding", level=1)).to_be_visible()

    # The shared link: made with an expiry, copied, regenerated (the old one dies), disabled.
    shared = tab.get_by_test_id("shared-link")
    expect(shared).to_contain_text("This space has no shared link yet.")
    shared.get_by_role("button", name="Make a shared link…").click()
    dialog = tab.locator("dialog[open]")
    dialog.get_by_label("Expires").select_option(label="7 days")
    check(tab, "guest-shared-link-make")
    dialog.get_by_role("button", name="Make link").click()
    expect(tab.get_by_text("Shared link made.")).to_be_visible()
    expect(tab.get_by_test_id("shared-link-expiry")).to_contain_text("Expires")
    first_url = links.shared_link_url(SharedLink.objects.get().token)
    assert first_url not in tab.content()
    tab.evaluate("navigator.clipboard.writeText('')")
    tab.get_by_test_id("shared-link").get_by_role("button", name="Copy").click()
    expect(tab.locator('[data-copy-target="shared-link-url"]')).to_have_text("Copied")
    assert tab.evaluate("navigator.clipboard.readText()") == first_url
    check(tab, "guest-shared-link")

    tab.get_by_test_id("shared-link").get_by_role("button", name="Regenerate…").click()
    dialog = tab.locator("dialog[open]")
    expect(dialog).to_contain_text("The current one stops working at once")
    check(tab, "guest-shared-link-regenerate")
    dialog.get_by_role("button", name="Regenerate").click()
    expect(tab.get_by_text("New shared link made; the old one stopped working.")).to_be_visible()
    expect(tab.get_by_test_id("shared-link-expiry")).to_have_text("Never expires")
    tab.get_by_test_id("shared-link").get_by_role("button", name="Copy").click()
    expect(tab.locator('[data-copy-target="shared-link-url"]')).to_have_text("Copied")
    new_url = tab.evaluate("navigator.clipboard.readText()")
    assert new_url == links.shared_link_url(SharedLink.objects.get().token) != first_url
    other = second_page.context.new_page()
    other.goto(first_url)
    expect(other.get_by_role("heading", name="This link can't be used")).to_be_visible()
    other.close()

    tab.get_by_test_id("shared-link").get_by_role("button", name="Disable…").click()
    dialog = tab.locator("dialog[open]")
    check(tab, "guest-shared-link-disable")
    dialog.get_by_role("button", name="Disable").click()
    expect(tab.get_by_text("The shared link was turned off.")).to_be_visible()
    expect(tab.get_by_test_id("shared-link-state")).to_have_text("The shared link is turned off.")
    check(tab, "guest-shared-link-off")

    # Remove from one space: Billing goes, Onboarding stays.
    tab.goto(f"/spaces/{billing.id}/")
    guest_action(tab, "Remove from this space")
    dialog = tab.locator("dialog[open]")
    expect(dialog).to_contain_text(f"Remove {GUEST_EMAIL} from this space?")
    check(tab, "guest-remove-dialog")
    dialog.get_by_role("button", name="Remove").click()
    expect(tab.get_by_text(f"{GUEST_EMAIL} was removed from this space.")).to_be_visible()
    expect(guest_row(tab)).to_have_count(0)
    assert list(SpaceGrant.objects.values_list("space__name", flat=True)) == ["Onboarding"]
    check(tab, "guest-removed")

    # The environment's Guests page: the guest with their space and workbook; delete.
    tab.get_by_role("navigation", name="Main").get_by_role("link", name="Guests").click()
    expect(tab.get_by_role("heading", level=1)).to_contain_text("Guests")
    current = tab.locator(".mainnav [aria-current=page]")
    expect(current).to_have_text("Guests")
    row = tab.get_by_test_id("guest-row").filter(has_text=GUEST_EMAIL)
    expect(row).to_contain_text("Onboarding")
    expect(row).to_contain_text("Contacts")
    expect(row).not_to_contain_text("Billing")
    assert_text_contrast(tab)
    check(tab, "guests-page")
    row.get_by_role("button", name=f"Delete the guest {GUEST_EMAIL}").click()
    dialog = tab.locator("dialog[open]")
    expect(dialog.locator(".lost-spaces li")).to_have_text(["Onboarding"])
    check(tab, "guests-delete-dialog")
    dialog.get_by_role("button", name="Delete guest").click()
    expect(
        tab.get_by_text(f"Guest {GUEST_EMAIL} deleted. They no longer have access to Onboarding.")
    ).to_be_visible()
    expect(tab.get_by_text("No guests in this environment yet.")).to_be_visible()
    assert not Guest.objects.exists()
    check(tab, "guests-page-empty")

    # The guest's open browser is refused on its next click.
    second_page.reload()
    expect(second_page.get_by_role("heading", name="Onboarding", level=1)).to_have_count(0)


def test_the_sidebar_reads_well_with_many_guests_and_the_longest_names(phone, page):
    account, environment, onboarding, billing = the_world()
    for number in range(3):
        make_guest(
            environment,
            email=f"{'x' * 60}{number}@{'d' * 60}.example.com",
            name="N" * 255,
            spaces=[onboarding, billing],
        )
    for tab in (page, phone):
        sign_in(tab, administrator_of(account).email, DEFAULT_PASSWORD)
        tab.goto(f"/spaces/{onboarding.id}/")
        expect(tab.get_by_test_id("space-guest")).to_have_count(3)
        check(tab, "guest-sidebar-long")
        assert_text_contrast(tab)
        first = tab.get_by_test_id("space-guest").first
        first.locator("summary").click()
        remove = first.get_by_role("button", name="Remove from this space")
        box = remove.bounding_box()
        assert 0 <= box["x"] and box["x"] + box["width"] <= tab.viewport_size["width"]
        remove.click()
        check(tab, "guest-remove-dialog-long")
        tab.locator("dialog[open]").get_by_role("button", name="Cancel").click()
        tab.goto(f"/environments/{environment.id}/guests/")
        check(tab, "guests-page-long")
        assert_text_contrast(tab)
