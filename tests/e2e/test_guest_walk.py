"""A guest's whole life, walked through the pages in Chromium at 1280 and at 390 px: an
administrator adds them to two spaces (one limited to a workbook) and the invitations are
mailed; the guest follows the mailed link in a browser of their own, confirms, sees only
the granted workbook, switches spaces and invites someone; the administrator deletes them,
and their open browser is refused on its next click and their link is dead; re-created
with the same email they are a new guest with only the new space, and the old browser
stays out; a shared link joined by two people in two browsers, each confirming their email
from the mail, makes two guests.

Factories only build the world (an account, its development environment open to both
kinds of link, two spaces and their workbooks); the database is only read, to check."""

import pytest
from playwright.sync_api import expect

from accounts.models import GuestAuthentication
from guests import links, selectors
from guests.models import Guest, SpaceGrant, WorkbookGrant
from tests.e2e.conftest import assert_fits_the_screen, assert_text_contrast, sign_in, snap
from tests.factories import (
    DEFAULT_PASSWORD,
    SpaceFactory,
    WorkbookFactory,
    administrator_of,
    development,
    make_account,
)
from tests.guests.conftest import confirmation_link_in, magic_link_in

pytestmark = pytest.mark.django_db(transaction=True)

GAIL = ("Gail Guest", "gail@guests.example")
NINA = ("Nina New", "nina@guests.example")
ANN = ("Ann Archer", "ann@guests.example")
BEN = ("Ben Baker", "ben@guests.example")
WORKBOOKS = ("Contacts", "Deals", "Invoices")


def world():
    account = make_account(name="Initech", email="lead@initech.example")
    environment = development(account)
    environment.guest_authentication = [
        GuestAuthentication.MAGIC_LINK,
        GuestAuthentication.SHARED_LINK,
    ]
    environment.save(update_fields=["guest_authentication"])
    onboarding = SpaceFactory(environment=environment, name="Onboarding", guests_can_invite=True)
    WorkbookFactory(space=onboarding, name="Contacts")
    WorkbookFactory(space=onboarding, name="Deals")
    billing = SpaceFactory(environment=environment, name="Billing", guests_can_invite=True)
    WorkbookFactory(space=billing, name="Invoices")
    return administrator_of(account), onboarding, billing


def look(tab, name: str) -> None:
    snap(tab, f"walk-{name}")
    assert_fits_the_screen(tab)


def token_of(link: str) -> str:
    return link.rstrip("/").rsplit("/", 1)[1]


# The administrator's side ---------------------------------------------------------------------


def main_nav(tab, link: str) -> None:
    tab.get_by_role("navigation", name="Main").get_by_role("link", name=link, exact=True).click()


def open_space(tab, name: str) -> None:
    main_nav(tab, "Spaces")
    tab.get_by_role("link", name=name, exact=True).click()
    expect(tab.get_by_role("heading", level=1)).to_contain_text(name)


def open_guests_page(tab) -> None:
    main_nav(tab, "Guests")
    expect(tab.get_by_role("heading", level=1)).to_contain_text("Guests")


def add_guest(tab, person, *, workbooks=(), shot: str) -> None:
    name, email = person
    tab.get_by_role("button", name="Add guest").click()
    dialog = tab.locator("dialog[open]")
    dialog.get_by_label("Name").fill(name)
    dialog.get_by_label("Email").fill(email)
    for workbook in workbooks:
        dialog.get_by_label(workbook).check()
    look(tab, f"{shot}-dialog")
    dialog.get_by_role("button", name="Add guest").click()
    expect(tab.get_by_text(f"{email} can now open this space.")).to_be_visible()
    look(tab, shot)


def guest_row(tab, email: str):
    return tab.get_by_test_id("guest-row").filter(has_text=email)


def copy_shared_link(tab) -> str:
    shared = tab.get_by_test_id("shared-link")
    shared.get_by_role("button", name="Make a shared link…").click()
    look(tab, "admin-shared-link-make")
    tab.locator("dialog[open]").get_by_role("button", name="Make link").click()
    expect(tab.get_by_text("Shared link made.")).to_be_visible()
    tab.evaluate("navigator.clipboard.writeText('')")
    shared.get_by_role("button", name="Copy").click()
    expect(tab.locator('[data-copy-target="shared-link-url"]')).to_have_text("Copied")
    look(tab, "admin-shared-link-copied")
    return tab.evaluate("navigator.clipboard.readText()")


# The guest's side -----------------------------------------------------------------------------


def workbook_names(tab) -> list[str]:
    return tab.get_by_test_id("workbooks").locator("li").all_inner_texts()


def switch_space(tab, name: str) -> None:
    switcher = tab.get_by_test_id("space-switcher")
    switcher.locator("summary").click()
    switcher.get_by_role("link", name=name).click()


def expect_space_page(tab, space_name: str, person) -> None:
    expect(tab.get_by_role("heading", name=space_name, level=1)).to_be_visible()
    expect(tab.get_by_test_id("guest-who")).to_contain_text(person[0])


def expect_refused(tab) -> None:
    expect(tab.get_by_role("heading", name="You're not signed in")).to_be_visible()
    for workbook in WORKBOOKS:
        expect(tab.get_by_text(workbook)).to_have_count(0)


def join_by_shared_link(tab, url: str, space_name: str, person, mailoutbox, *, shot: str) -> None:
    """Join as a person does: the form, the mail that confirms the email, Continue."""
    name, email = person
    tab.goto(url)
    expect(tab.get_by_role("heading", name=f"Join {space_name}")).to_be_visible()
    tab.get_by_label("Your name").fill(name)
    tab.get_by_label("Your email").fill(email)
    look(tab, f"{shot}-join")
    tab.get_by_role("button", name="Email me a link to join").click()
    expect(tab.get_by_role("heading", name="Check your email")).to_be_visible()
    look(tab, f"{shot}-check-email")
    mail = mailoutbox[-1]
    assert mail.to == [email]
    tab.goto(confirmation_link_in(mail))
    look(tab, f"{shot}-confirm")
    tab.get_by_role("button", name=f"Continue to {space_name}").click()
    expect_space_page(tab, space_name, person)
    look(tab, shot)


def session_cookie(tab) -> str:
    (cookie,) = [c["value"] for c in tab.context.cookies() if c["name"] == "sessionid"]
    return cookie


@pytest.mark.parametrize("width", ["desktop", "phone"])
def test_a_guest_from_invitation_to_deletion_and_back_and_a_shared_link(
    request, width, open_browser, mailoutbox
):
    admin_tab = request.getfixturevalue("page" if width == "desktop" else "phone")
    admin, onboarding, billing = world()
    sign_in(admin_tab, admin.email, DEFAULT_PASSWORD)

    # 1. The administrator adds Gail to Onboarding, only its Contacts workbook, then to all
    # of Billing: an invitation for each.
    open_space(admin_tab, "Onboarding")
    add_guest(admin_tab, GAIL, workbooks=["Contacts"], shot="admin-added-onboarding")
    open_space(admin_tab, "Billing")
    add_guest(admin_tab, GAIL, shot="admin-added-billing")
    assert [(mail.to, mail.subject) for mail in mailoutbox] == [
        ([GAIL[1]], "You are invited to Onboarding"),
        ([GAIL[1]], "You are invited to Billing"),
    ]
    link = magic_link_in(mailoutbox[0])
    gail = Guest.objects.get(email=GAIL[1])

    # 2. Gail, in a browser of her own: the confirmation spends nothing, even reloaded.
    gail_tab = open_browser(admin_tab.viewport_size)
    gail_tab.goto(link)
    expect(gail_tab.get_by_role("button", name="Continue to Onboarding")).to_be_visible()
    assert token_of(link) not in gail_tab.url
    look(gail_tab, "guest-confirm")
    gail_tab.reload()
    expect(gail_tab.get_by_role("button", name="Continue to Onboarding")).to_be_visible()
    assert selectors.magic_link_pending(token_of(link)).guest_id == gail.id

    gail_tab.get_by_role("button", name="Continue to Onboarding").click()
    expect_space_page(gail_tab, "Onboarding", GAIL)
    assert selectors.magic_link_pending(token_of(link)) is None
    assert workbook_names(gail_tab) == ["Contacts"]
    expect(gail_tab.get_by_text("Deals")).to_have_count(0)
    look(gail_tab, "guest-onboarding")

    switch_space(gail_tab, "Billing")
    expect_space_page(gail_tab, "Billing", GAIL)
    assert workbook_names(gail_tab) == ["Invoices"]
    look(gail_tab, "guest-billing")
    billing_page = gail_tab.url  # as a bookmark would keep it

    gail_tab.get_by_label("Their name").fill(NINA[0])
    gail_tab.get_by_label("Their email").fill(NINA[1])
    gail_tab.get_by_role("button", name="Send invitation").click()
    expect(gail_tab.get_by_text(f"Invitation sent to {NINA[1]}.")).to_be_visible()
    look(gail_tab, "guest-invited")
    invitation = mailoutbox[-1]
    assert (invitation.to, invitation.subject) == ([NINA[1]], "You are invited to Billing")
    assert f"{GAIL[0]} invited you to Billing." in invitation.body
    assert SpaceGrant.objects.get(guest__email=NINA[1]).space_id == billing.id

    # 3. The administrator deletes Gail from the Guests page; the confirmation names the
    # spaces she loses.
    open_guests_page(admin_tab)
    guest_row(admin_tab, GAIL[1]).get_by_role("button", name=f"Delete the guest {GAIL[1]}").click()
    dialog = admin_tab.locator("dialog[open]")
    expect(dialog.locator(".lost-spaces li")).to_have_text(["Billing", "Onboarding"])
    look(admin_tab, "admin-delete-dialog")
    dialog.get_by_role("button", name="Delete guest").click()
    expect(
        admin_tab.get_by_text(
            f"Guest {GAIL[1]} deleted. They no longer have access to Billing, Onboarding."
        )
    ).to_be_visible()
    expect(guest_row(admin_tab, GAIL[1])).to_have_count(0)
    expect(guest_row(admin_tab, NINA[1])).to_be_visible()  # whom she invited stays
    look(admin_tab, "admin-deleted")
    assert not Guest.objects.filter(email=GAIL[1]).exists()

    # 4. Gail's open browser is refused on its next click; her links are dead.
    switch_space(gail_tab, "Onboarding")
    expect_refused(gail_tab)
    look(gail_tab, "guest-refused")
    for old_link in (link, magic_link_in(mailoutbox[1])):  # the spent one and the unused one
        gail_tab.goto(old_link)
        expect(gail_tab.get_by_role("heading", name="This link can't be used")).to_be_visible()
    look(gail_tab, "guest-old-link")

    # 5. Added again with the same email, to Billing only: a new guest with that space
    # alone, and the old browser stays out.
    open_space(admin_tab, "Billing")
    add_guest(admin_tab, GAIL, shot="admin-added-again")
    assert (mailoutbox[-1].to, mailoutbox[-1].subject) == (
        [GAIL[1]],
        "You are invited to Billing",
    )
    open_guests_page(admin_tab)
    row = guest_row(admin_tab, GAIL[1])
    expect(row.locator(".guest-spaces li")).to_have_text(["Billing · All workbooks"])
    look(admin_tab, "admin-guests-again")
    again = Guest.objects.get(email=GAIL[1])
    assert again.id != gail.id
    assert list(SpaceGrant.objects.filter(guest=again).values_list("space_id", flat=True)) == [
        billing.id
    ]
    assert not WorkbookGrant.objects.filter(guest=again).exists()
    gail_tab.goto(billing_page)
    expect_refused(gail_tab)
    look(gail_tab, "guest-still-refused")

    # 6. A shared link to Onboarding, copied by the administrator and redeemed by two
    # people in two browsers: two guests, each signed in as themselves.
    open_space(admin_tab, "Onboarding")
    url = copy_shared_link(admin_tab)
    assert url.startswith(f"{admin_tab.url.split('/spaces/')[0]}/guest/shared/sl_")
    ann_tab = open_browser(admin_tab.viewport_size)
    ben_tab = open_browser(admin_tab.viewport_size)
    join_by_shared_link(ann_tab, url, "Onboarding", ANN, mailoutbox, shot="shared-ann")
    join_by_shared_link(ben_tab, url, "Onboarding", BEN, mailoutbox, shot="shared-ben")
    # Back, after joining: the space again, never "this link can't be used".
    ann_tab.go_back()
    expect_space_page(ann_tab, "Onboarding", ANN)
    look(ann_tab, "shared-ann-back")
    ann_tab.reload()  # Ben signing in elsewhere left Ann's session hers
    expect_space_page(ann_tab, "Onboarding", ANN)
    assert workbook_names(ann_tab) == workbook_names(ben_tab) == ["Contacts", "Deals"]
    assert session_cookie(ann_tab) != session_cookie(ben_tab)
    ann, ben = Guest.objects.get(email=ANN[1]), Guest.objects.get(email=BEN[1])
    assert ann.id != ben.id
    for guest in (ann, ben):
        grant = SpaceGrant.objects.get(guest=guest)
        assert (grant.space_id, grant.via) == (onboarding.id, SpaceGrant.Via.SHARED_LINK)
    assert (
        links.shared_link_url(selectors.shared_link_of(onboarding).token) == url
    )  # the link copied is the space's current one
    assert_text_contrast(ann_tab)
