"""The seed's "administrators can add other administrators", in Chromium: invite from the
Team page, follow the link in the mail, set a password, and arrive signed in."""

import re

import pytest
from playwright.sync_api import expect

from accounts.models import User
from tests.e2e.conftest import assert_fits_the_screen, sign_in, snap
from tests.factories import DEFAULT_PASSWORD, administrator_of, make_account

pytestmark = pytest.mark.django_db(transaction=True)

NEW_PASSWORD = "a brand new passphrase"


def invitation_link(mail) -> str:
    return re.search(r"https?://\S+/invitations/\S+/", mail.body).group(0)


@pytest.mark.parametrize("width", ["desktop", "phone"])
def test_an_invited_administrator_joins_through_the_mailed_link(
    request, width, second_page, mailoutbox, base_url
):
    inviter_page = request.getfixturevalue("page" if width == "desktop" else "phone")
    account = make_account(name="Initech", email="lead@example.com")
    sign_in(inviter_page, administrator_of(account).email, DEFAULT_PASSWORD)

    inviter_page.goto("/team/")
    inviter_page.get_by_label("Email").fill("new.admin@example.com")
    inviter_page.get_by_role("button", name="Send invitation").click()
    expect(inviter_page.get_by_text("Invitation sent to new.admin@example.com.")).to_be_visible()
    assert_fits_the_screen(inviter_page)

    (mail,) = mailoutbox
    assert mail.to == ["new.admin@example.com"]
    link = invitation_link(mail)
    assert link.startswith(base_url + "/")  # built from the site URL, which is this server

    # The invited person, in a browser of their own.
    invitee = inviter_page if width == "phone" else second_page
    if width == "phone":
        inviter_page.context.clear_cookies()
    invitee.goto(link)
    expect(invitee.get_by_role("heading", name="Join Initech")).to_be_visible()
    snap(invitee, "accept-invitation")
    assert_fits_the_screen(invitee)
    invitee.get_by_label("Your name").fill("Nadia New")
    invitee.get_by_label("Password", exact=True).fill(NEW_PASSWORD)
    invitee.get_by_label("Password again").fill(NEW_PASSWORD)
    invitee.get_by_role("button", name="Set password and join").click()

    # Signed in as the new administrator, looking at the account.
    expect(invitee.get_by_text("Welcome to Initech.")).to_be_visible()
    expect(invitee.get_by_test_id("profile-menu").locator("summary")).to_contain_text("Nadia New")
    expect(invitee.get_by_role("heading", level=1)).to_contain_text("development")
    assert User.objects.get(email="new.admin@example.com").membership.account == account

    # The link was spent: opening it again says so.
    invitee.goto(link)
    expect(invitee.get_by_role("heading", name="This invitation cannot be used")).to_be_visible()
    snap(invitee, "invitation-invalid")
    assert_fits_the_screen(invitee)
