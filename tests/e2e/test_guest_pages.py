"""The guest's own pages in Chromium, at desktop width and at 390 px: following a mailed
magic link, confirming, switching spaces, seeing only the granted workbook, inviting
another guest, signing out, asking for a new link; a deleted guest's open browser refused
on its next click; a shared link joined by two people in two browsers, each confirming
their email from the mail, and Back after joining."""

import pytest
from playwright.sync_api import expect

from accounts.models import Event, GuestAuthentication
from guests import services
from guests.models import Guest, MagicLink, SpaceGrant, WorkbookGrant
from tests.e2e.conftest import assert_fits_the_screen, assert_text_contrast, snap
from tests.factories import (
    SpaceFactory,
    WorkbookFactory,
    administrator_of,
    development,
    make_account,
)
from tests.guests.conftest import confirmation_link_in, magic_link_in

pytestmark = pytest.mark.django_db(transaction=True)

WIDTHS = ["desktop", "phone"]


def world():
    """Initech's development environment, open to both kinds of link, with two spaces; a
    guest with the whole of Onboarding and only the Invoices workbook of Billing."""
    account = make_account(name="Initech", email="lead@initech.example")
    environment = development(account)
    environment.guest_authentication = [
        GuestAuthentication.MAGIC_LINK,
        GuestAuthentication.SHARED_LINK,
    ]
    environment.save()
    onboarding = SpaceFactory(environment=environment, name="Onboarding")
    billing = SpaceFactory(environment=environment, name="Billing")
    for name in ("Contacts", "Deals"):
        WorkbookFactory(space=onboarding, name=name)
    invoices = WorkbookFactory(space=billing, name="Invoices")
    WorkbookFactory(space=billing, name="Payroll")
    admin = administrator_of(account)
    guest = services.guest_create(
        environment=environment,
        actor=admin,
        email="gail@guests.example",
        name="Gail Guest",
        spaces=[{"space": onboarding}, {"space": billing, "workbooks": [invoices]}],
    )
    return admin, guest, onboarding, billing


def invite_by_mail(admin, guest, space, mailoutbox) -> str:
    services.guest_invite(guest=guest, space=space, actor=admin)
    mail = mailoutbox[-1]
    assert mail.to == [guest.email]
    return magic_link_in(mail)


def look(tab, name: str) -> None:
    snap(tab, name)
    assert_fits_the_screen(tab)
    assert_text_contrast(tab)


def workbook_names(tab) -> list[str]:
    return tab.get_by_test_id("workbooks").locator("li").all_inner_texts()


@pytest.mark.parametrize("width", WIDTHS)
def test_a_guest_follows_the_mailed_link_switches_spaces_invites_and_signs_out(
    request, width, mailoutbox, base_url
):
    tab = request.getfixturevalue("page" if width == "desktop" else "phone")
    admin, guest, onboarding, billing = world()
    link = invite_by_mail(admin, guest, onboarding, mailoutbox)
    assert link.startswith(base_url + "/guest/magic/")

    # Following the link shows the confirmation, at an address without the token.
    tab.goto(link)
    expect(tab.get_by_role("button", name="Continue to Onboarding")).to_be_visible()
    assert tab.url == f"{base_url}/guest/magic/confirm/"
    expect(tab.get_by_text("gail@guests.example")).to_be_visible()
    assert MagicLink.objects.get().used_at is None
    look(tab, "guest-confirm")

    tab.get_by_role("button", name="Continue to Onboarding").click()
    expect(tab.get_by_role("heading", name="Onboarding", level=1)).to_be_visible()
    assert tab.url == f"{base_url}/guest/spaces/{onboarding.id}/"
    expect(tab.get_by_test_id("guest-who")).to_contain_text("Gail Guest")
    assert workbook_names(tab) == ["Contacts", "Deals"]
    # None of the administrators' navigation.
    expect(tab.get_by_role("navigation", name="Main")).to_have_count(0)
    look(tab, "guest-space")

    # Back to the confirmation neither posts it again nor shows an error: the guest is
    # signed in, so it opens their space.
    posts = []
    tab.on("request", lambda sent: posts.append(sent.url) if sent.method == "POST" else 0)
    tab.go_back()
    expect(tab.get_by_role("heading", name="Onboarding", level=1)).to_be_visible()
    tab.reload()
    expect(tab.get_by_role("heading", name="Onboarding", level=1)).to_be_visible()
    assert posts == []
    assert Event.objects.filter(topic="magic-link:used").count() == 1

    # The drop-down lists both spaces; Billing shows only the workbook granted there.
    switcher = tab.get_by_test_id("space-switcher")
    switcher.locator("summary").click()
    expect(switcher.get_by_role("link")).to_have_text(["Billing", "Onboarding"])
    look(tab, "guest-space-switcher")
    switcher.get_by_role("link", name="Billing").click()
    expect(tab.get_by_role("heading", name="Billing", level=1)).to_be_visible()
    assert workbook_names(tab) == ["Invoices"]
    expect(tab.get_by_text("Payroll")).to_have_count(0)

    # Invite another guest: they get Billing with the same single workbook, and a mail.
    tab.get_by_label("Their name").fill("Nina New")
    tab.get_by_label("Their email").fill("nina@guests.example")
    tab.get_by_role("button", name="Send invitation").click()
    expect(tab.get_by_text("Invitation sent to nina@guests.example.")).to_be_visible()
    look(tab, "guest-invited")
    nina = Guest.objects.get(email="nina@guests.example")
    assert SpaceGrant.objects.get(guest=nina).space_id == billing.id
    assert list(
        WorkbookGrant.objects.filter(guest=nina).values_list("workbook__name", flat=True)
    ) == ["Invoices"]
    invitation = mailoutbox[-1]
    assert invitation.to == ["nina@guests.example"]
    assert "Gail Guest invited you to Billing." in invitation.body

    # A bad email is refused on the form, which keeps what was typed.
    tab.get_by_label("Their name").fill("Someone")
    tab.get_by_label("Their email").fill("not an email")
    tab.get_by_role("button", name="Send invitation").click()
    expect(tab.get_by_text("Enter a valid email address.")).to_be_visible()
    expect(tab.get_by_label("Their name")).to_have_value("Someone")
    look(tab, "guest-invite-error")

    tab.get_by_role("button", name="Sign out").click()
    expect(tab.get_by_role("heading", name="You're signed out")).to_be_visible()
    look(tab, "guest-signed-out")
    tab.goto(f"/guest/spaces/{billing.id}/")
    expect(tab.get_by_role("heading", name="You're not signed in")).to_be_visible()


@pytest.mark.parametrize("width", WIDTHS)
def test_a_spent_link_offers_a_new_one_by_mail(request, width, mailoutbox, base_url):
    tab = request.getfixturevalue("page" if width == "desktop" else "phone")
    admin, guest, onboarding, billing = world()
    link = invite_by_mail(admin, guest, onboarding, mailoutbox)
    tab.goto(link)
    tab.get_by_role("button", name="Continue to Onboarding").click()
    expect(tab.get_by_role("heading", name="Onboarding", level=1)).to_be_visible()
    tab.get_by_role("button", name="Sign out").click()

    tab.goto(link)
    expect(tab.get_by_role("heading", name="This link can't be used")).to_be_visible()
    look(tab, "guest-link-used")
    tab.get_by_label("Your email").fill("gail@guests.example")
    tab.get_by_role("button", name="Email me a new link").click()
    expect(tab.get_by_role("heading", name="Check your email")).to_be_visible()
    look(tab, "guest-link-requested")

    new_link = magic_link_in(mailoutbox[-1])
    assert mailoutbox[-1].to == ["gail@guests.example"]
    tab.goto(new_link)
    tab.get_by_role("button", name="Continue to Onboarding").click()
    expect(tab.get_by_role("heading", name="Onboarding", level=1)).to_be_visible()


@pytest.mark.parametrize("width", WIDTHS)
def test_a_deleted_guests_open_browser_is_refused_on_its_next_click(
    request, width, mailoutbox, base_url
):
    tab = request.getfixturevalue("page" if width == "desktop" else "phone")
    admin, guest, onboarding, billing = world()
    link = invite_by_mail(admin, guest, onboarding, mailoutbox)
    tab.goto(link)
    tab.get_by_role("button", name="Continue to Onboarding").click()
    expect(tab.get_by_role("heading", name="Onboarding", level=1)).to_be_visible()
    unused_link = invite_by_mail(admin, guest, billing, mailoutbox)

    services.guest_delete(guest=guest, actor=admin)

    switcher = tab.get_by_test_id("space-switcher")
    switcher.locator("summary").click()
    switcher.get_by_role("link", name="Billing").click()
    expect(tab.get_by_role("heading", name="You're not signed in")).to_be_visible()
    look(tab, "guest-session-ended")
    # Their links died with them: unknown now, so there is no space to ask a new one for.
    for old in (link, unused_link):
        tab.goto(old)
        expect(tab.get_by_role("heading", name="This link can't be used")).to_be_visible()
        expect(tab.get_by_role("button", name="Email me a new link")).to_have_count(0)
    look(tab, "guest-link-unknown")

    # Re-created with the same email, the guest has no spaces.
    again = services.guest_create(
        environment=onboarding.environment, actor=admin, email=guest.email, name="Gail"
    )
    assert not SpaceGrant.objects.filter(guest=again).exists()


def test_a_guest_session_sees_no_administrator_page(page, mailoutbox, base_url):
    admin, guest, onboarding, billing = world()
    page.goto(invite_by_mail(admin, guest, onboarding, mailoutbox))
    page.get_by_role("button", name="Continue to Onboarding").click()
    expect(page.get_by_role("heading", name="Onboarding", level=1)).to_be_visible()

    for path in ("/", f"/spaces/{onboarding.id}/", "/team/", "/logs/", "/admin/"):
        response = page.goto(path)
        assert response.status == 404, path


def test_a_link_spent_elsewhere_while_its_confirmation_is_open(page, mailoutbox, base_url):
    admin, guest, onboarding, billing = world()
    link = invite_by_mail(admin, guest, onboarding, mailoutbox)
    page.goto(link)
    token = link.rstrip("/").rsplit("/", 1)[1]
    services.magic_link_spend(token=token)  # another browser of theirs was quicker

    page.get_by_role("button", name="Continue to Onboarding").click()
    expect(page.get_by_role("heading", name="This link can't be used")).to_be_visible()

    # The refusal answered a POST; reloading it asks again with a GET.
    posts = []
    page.on("request", lambda sent: posts.append(sent.url) if sent.method == "POST" else 0)
    page.reload()
    expect(page.get_by_role("heading", name="This link can't be used")).to_be_visible()
    assert posts == []


@pytest.mark.parametrize("width", WIDTHS)
def test_a_shared_link_joined_in_two_browsers_confirms_each_email_and_back_lands_in_the_space(
    request, width, second_page, open_browser, mailoutbox, base_url
):
    first = request.getfixturevalue("page" if width == "desktop" else "phone")
    admin, guest, onboarding, billing = world()
    _, token = services.shared_link_regenerate(space=onboarding, actor=admin)
    link = f"{base_url}/guest/shared/{token}/"

    for tab, name, email in (
        (first, "Ann Archer", "ann@guests.example"),
        (second_page, "Ben Baker", "ben@guests.example"),
    ):
        tab.goto(link)
        expect(tab.get_by_role("heading", name="Join Onboarding")).to_be_visible()
        assert token not in tab.url
        if tab is first:
            look(tab, "guest-shared-join")
        else:
            tab.get_by_role("button", name="Email me a link to join").click()  # empty: refused
            expect(tab.get_by_text("Name cannot be empty.")).to_be_visible()
            look(tab, "guest-shared-join-errors")
        tab.get_by_label("Your name").fill(name)
        tab.get_by_label("Your email").fill(email)
        tab.get_by_role("button", name="Email me a link to join").click()
        # Nobody is a guest, nor signed in, until the mail is opened and confirmed.
        expect(tab.get_by_role("heading", name="Check your email")).to_be_visible()
        expect(tab.get_by_text(email)).to_be_visible()
        assert tab.url == f"{base_url}/guest/shared/sent/"
        assert not Guest.objects.filter(email=email).exists()
        if tab is first:
            look(tab, "guest-shared-check-email")
        mail = mailoutbox[-1]
        assert mail.to == [email]

        tab.goto(confirmation_link_in(mail))
        expect(tab.get_by_role("button", name="Continue to Onboarding")).to_be_visible()
        assert tab.url == f"{base_url}/guest/shared/confirm/"
        expect(tab.get_by_text(email)).to_be_visible()
        assert not Guest.objects.filter(email=email).exists()  # opening it spent nothing
        if tab is first:
            look(tab, "guest-shared-confirm")
        tab.get_by_role("button", name="Continue to Onboarding").click()
        expect(tab.get_by_role("heading", name="Onboarding", level=1)).to_be_visible()
        expect(tab.get_by_test_id("guest-who")).to_contain_text(name)
        if tab is first:
            look(tab, "guest-shared-joined")

    ann = Guest.objects.get(email="ann@guests.example")
    ben = Guest.objects.get(email="ben@guests.example")
    assert ann.id != ben.id
    assert {grant.guest_id for grant in SpaceGrant.objects.filter(space=onboarding)} >= {
        ann.id,
        ben.id,
    }

    # Back, through the confirmation, "Check your email" and the join form: each lands in
    # the space (the link still works; the guest is signed in), and nothing is sent again.
    posts = []
    first.on("request", lambda sent: posts.append(sent.url) if sent.method == "POST" else 0)
    for step in ("confirm", "sent", "join"):
        first.go_back()
        expect(first.get_by_role("heading", name="Onboarding", level=1)).to_be_visible()
        expect(first.get_by_test_id("guest-who")).to_contain_text("Ann Archer")
        expect(first.get_by_text("can't be used")).to_have_count(0)
        look(first, f"guest-shared-back-{step}")
    assert posts == []
    assert len(mailoutbox) == 2

    # The mailed link worked once: opened again, in another browser, it says so and what to do.
    again = open_browser(first.viewport_size)
    again.goto(confirmation_link_in(mailoutbox[0]))
    expect(again.get_by_role("heading", name="This link can't be used")).to_be_visible()
    expect(again.get_by_text("Open the shared link again")).to_be_visible()
    look(again, "guest-shared-confirm-spent")

    # Someone typing the email of a guest of the environment sees the same "Check your
    # email", and nothing changes until that guest confirms from their own inbox.
    services.guest_remove_from_space(guest=guest, space=onboarding, actor=admin)
    first.context.clear_cookies()
    first.goto(link)
    first.get_by_label("Your name").fill("Not Gail")
    first.get_by_label("Your email").fill("gail@guests.example")
    first.get_by_role("button", name="Email me a link to join").click()
    expect(first.get_by_role("heading", name="Check your email")).to_be_visible()
    assert mailoutbox[-1].to == ["gail@guests.example"]
    assert not SpaceGrant.objects.filter(guest=guest, space=onboarding).exists()
    first.goto(f"/guest/spaces/{onboarding.id}/")
    expect(first.get_by_role("heading", name="You're not signed in")).to_be_visible()

    gails_browser = open_browser(first.viewport_size)
    gails_browser.goto(confirmation_link_in(mailoutbox[-1]))
    gails_browser.get_by_role("button", name="Continue to Onboarding").click()
    expect(gails_browser.get_by_role("heading", name="Onboarding", level=1)).to_be_visible()
    expect(gails_browser.get_by_test_id("guest-who")).to_contain_text("Gail Guest")
    grant = SpaceGrant.objects.get(guest=guest, space=onboarding)
    assert grant.via == SpaceGrant.Via.SHARED_LINK
    first.reload()  # the browser that typed Gail's email is still nobody
    expect(first.get_by_role("heading", name="You're not signed in")).to_be_visible()


def test_a_link_of_a_method_the_environment_turned_off_is_refused(page, mailoutbox, base_url):
    admin, guest, onboarding, billing = world()
    link = invite_by_mail(admin, guest, onboarding, mailoutbox)
    environment = onboarding.environment
    environment.guest_authentication = [GuestAuthentication.SHARED_LINK]
    environment.save()

    page.goto(link)

    expect(page.get_by_role("heading", name="Email links are turned off")).to_be_visible()
    look(page, "guest-method-refused")
