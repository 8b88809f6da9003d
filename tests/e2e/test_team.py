"""The Team page in Chromium: inviting, inviting again (the first link dies), Resend,
Revoke, and the last administrator's Remove, disabled with its reason; at 1280 and 390 px."""

import re

import pytest
from playwright.sync_api import expect

from accounts.models import AdminInvitation
from tests.e2e.conftest import assert_fits_the_screen, assert_text_contrast, sign_in, snap
from tests.factories import DEFAULT_PASSWORD, administrator_of, make_account

pytestmark = pytest.mark.django_db(transaction=True)

INVITEE = "new.person@example.com"


def link_in(mail) -> str:
    return re.search(r"https?://\S+/invitations/\S+/", mail.body).group(0)


def expect_join_page(tab, link: str) -> None:
    tab.goto(link)
    expect(tab.get_by_role("heading", name="Join Initech")).to_be_visible()


def expect_dead_link(tab, link: str) -> None:
    tab.goto(link)
    expect(tab.get_by_role("heading", name="This invitation cannot be used")).to_be_visible()


def invite(tab, email: str) -> None:
    tab.get_by_label("Email").fill(email)
    tab.get_by_role("button", name="Send invitation").click()
    expect(tab.get_by_text(f"Invitation sent to {email}.")).to_be_visible()


def pending_row(tab, email: str):
    return tab.locator("tr", has_text=email)


def test_invite_again_resend_and_revoke(page, second_page, mailoutbox):
    account = make_account(name="Initech", email="lead@example.com")
    sign_in(page, administrator_of(account).email, DEFAULT_PASSWORD)
    page.get_by_role("link", name="Team").click()
    expect(page.get_by_role("heading", name="Team", exact=True)).to_be_visible()

    # Alone on the team: Remove is there but disabled, and says why.
    lead_row = page.locator("tr", has_text="lead@example.com")
    remove = lead_row.get_by_role("button", name="Remove")
    expect(remove).to_be_disabled()
    expect(lead_row.get_by_text("The last administrator cannot be removed")).to_be_visible()
    remove.click(force=True)  # a disabled button does nothing, no dialog opens
    expect(page.locator("dialog[open]")).to_have_count(0)

    # Invite; the invitee's own browser opens the mailed link.
    invite(page, INVITEE)
    first_link = link_in(mailoutbox[0])
    expect_join_page(second_page, first_link)

    # Invite the same email again: a new mail, and the first link stops working.
    invite(page, INVITEE)
    assert len(mailoutbox) == 2
    second_link = link_in(mailoutbox[1])
    assert second_link != first_link
    expect_dead_link(second_page, first_link)
    expect_join_page(second_page, second_link)
    expect(pending_row(page, INVITEE)).to_have_count(1)

    # Resend: another new link, the previous one dies.
    pending_row(page, INVITEE).get_by_role("button", name="Resend").click()
    expect(
        page.get_by_text(
            f"A new invitation was sent to {INVITEE}; the earlier link no longer works."
        )
    ).to_be_visible()
    assert len(mailoutbox) == 3
    resent_link = link_in(mailoutbox[2])
    expect_dead_link(second_page, second_link)
    expect_join_page(second_page, resent_link)

    # Revoke another invitation, after confirming; its link dies, the first stays pending.
    invite(page, "changed.mind@example.com")
    revoked_link = link_in(mailoutbox[3])
    row = pending_row(page, "changed.mind@example.com")
    row.get_by_role("button", name="Revoke").click()
    dialog = page.locator("dialog[open]")
    expect(dialog).to_contain_text("Revoke the invitation for changed.mind@example.com?")
    snap(page, "team-revoke-dialog")
    dialog.get_by_role("button", name="Revoke").click()
    expect(
        page.get_by_text("The invitation for changed.mind@example.com was revoked.")
    ).to_be_visible()
    expect(pending_row(page, "changed.mind@example.com")).to_have_count(0)
    expect(pending_row(page, INVITEE)).to_have_count(1)
    expect_dead_link(second_page, revoked_link)
    assert list(AdminInvitation.objects.values_list("email", flat=True)) == [INVITEE]

    # Cancelling a revoke changes nothing.
    pending_row(page, INVITEE).get_by_role("button", name="Revoke").click()
    page.locator("dialog[open]").get_by_role("button", name="Cancel").click()
    expect(page.locator("dialog[open]")).to_have_count(0)
    expect(pending_row(page, INVITEE)).to_have_count(1)

    expect(remove).to_be_disabled()  # still the only administrator
    assert_text_contrast(page)
    snap(page, "team")

    # The logs tell the story in words, by email, with how long ago.
    page.get_by_role("link", name="Logs").click()
    rows = page.locator("table.log tbody tr")
    expect(rows.first).to_contain_text("Administrator invitation revoked")
    expect(rows.first).to_contain_text("changed.mind@example.com")
    expect(rows.first).to_contain_text("lead@example.com")
    expect(rows.first.locator("time")).to_have_attribute("datetime", re.compile(r"\+00:00$"))
    expect(rows.first).to_contain_text(re.compile(r"UTC.*(now|second|minute)", re.S))
    expect(page.locator("table.log")).to_contain_text("Administrator invitation resent")
    snap(page, "logs")


def test_team_and_logs_fit_a_phone(phone, mailoutbox):
    account = make_account(name="Initech", email="lead@example.com")
    sign_in(phone, administrator_of(account).email, DEFAULT_PASSWORD)
    phone.goto("/team/")
    invite(phone, "a.rather.long.address.for.a.phone@example.com")
    invite(phone, INVITEE)
    expect(phone.get_by_text("The last administrator cannot be removed")).to_be_visible()
    expect(phone.get_by_role("button", name="Remove")).to_be_disabled()
    assert_fits_the_screen(phone)
    snap(phone, "team")

    pending_row(phone, INVITEE).get_by_role("button", name="Revoke").click()
    dialog = phone.locator("dialog[open]")
    expect(dialog).to_be_visible()
    assert_fits_the_screen(phone)
    dialog.get_by_role("button", name="Revoke").click()
    expect(phone.get_by_text(f"The invitation for {INVITEE} was revoked.")).to_be_visible()
    pending_row(phone, "a.rather.long.address").get_by_role("button", name="Resend").click()
    expect(phone.get_by_text("A new invitation was sent to")).to_be_visible()
    assert len(mailoutbox) == 3
    assert_fits_the_screen(phone)

    phone.goto("/logs/")
    expect(phone.locator("table.log")).to_contain_text("Administrator invitation resent")
    assert_fits_the_screen(phone)
    assert_text_contrast(phone)
    snap(phone, "logs")
