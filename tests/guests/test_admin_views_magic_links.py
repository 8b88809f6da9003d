"""The guest sidebar's magic links, through Django's test client: resending an invitation,
the pending invitations and their revoking, and "Copy magic link", whose link is shown
once, works once and is never in an address."""

import logging
import re

import pytest

from guests import links, selectors, services
from guests.models import MagicLink
from tests.guests.admin_page_helpers import nonce_of, page_url, state, topics
from tests.guests.conftest import make_guest, token_in
from tests.pages import text

# Resend, pending invitations, revoke -----------------------------------------------------------


def test_resend_mails_a_new_invitation_and_the_earlier_one_stops(
    admin_client, guest, space, invited, mailoutbox, mails
):
    first = token_in(mailoutbox[0])
    with mails():
        response = admin_client.post(f"/spaces/{space.id}/guests/{guest.id}/invite/")
    assert response.status_code == 302
    assert len(mailoutbox) == 2
    second = token_in(mailoutbox[1])
    assert selectors.magic_link_pending(first) is None
    assert selectors.magic_link_pending(second).guest == guest
    assert topics()[-3:] == ["magic-link:revoked", "magic-link:created", "guest:invited"]
    page = text(admin_client.get(page_url(space)))
    assert "earlier invitation links no longer work" in page
    assert page.count('data-testid="pending-invitation"') == 1


def test_resending_is_rate_limited_with_adding(admin_client, guest, space, settings, mails):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "invitations": (1, 3600)}
    with mails():
        admin_client.post(f"/spaces/{space.id}/guests/{guest.id}/invite/")
    before = state()
    response = admin_client.post(f"/spaces/{space.id}/guests/{guest.id}/invite/")
    assert response.status_code == 429 and "Too many invitations" in text(response)
    assert 1 <= int(response["Retry-After"]) <= 3601
    assert state() == before


def test_resend_keeps_the_sign_in_links_a_guest_asked_for(
    admin_client, guest, space, invited, mails
):
    asked, _token = services.magic_link_create(
        guest=guest, space=space, purpose=MagicLink.Purpose.SIGN_IN, actor=guest
    )
    with mails():
        admin_client.post(f"/spaces/{space.id}/guests/{guest.id}/invite/")
    asked.refresh_from_db()
    assert asked.is_pending


def test_resend_to_a_guest_without_the_space_is_refused_with_the_reason(
    admin_client, environment, space, other_space, mailoutbox, mails
):
    elsewhere = make_guest(environment, email="e@example.com", spaces=[other_space])
    before = state()
    with mails():
        response = admin_client.post(f"/spaces/{space.id}/guests/{elsewhere.id}/invite/")
    assert response.status_code == 400
    assert services.NO_ACCESS in text(response)
    assert state() == before and mailoutbox == []


def test_pending_invitations_are_listed_and_revoked(admin_client, guest, space, invited):
    page = text(admin_client.get(page_url(space)))
    assert f'id="revoke-link-{invited.id}"' in page
    response = admin_client.post(f"/spaces/{space.id}/invitations/{invited.id}/revoke/")
    assert response.status_code == 302
    invited.refresh_from_db()
    assert invited.revoked_at is not None
    assert topics()[-1] == "magic-link:revoked"
    page = text(admin_client.get(page_url(space)))
    assert "The link sent to guest@example.com was revoked." in page
    assert 'data-testid="pending-invitation"' not in page

    before = state()
    again = admin_client.post(f"/spaces/{space.id}/invitations/{invited.id}/revoke/")
    assert again.status_code == 400
    assert "This link was already used or revoked." in text(again)
    assert state() == before


def test_a_link_of_another_space_is_not_revoked_from_this_one(
    admin_client, guest, space, other_space, admin_user, mails
):
    with mails():
        elsewhere = services.guest_invite(guest=guest, space=other_space, actor=admin_user)
    before = state()
    response = admin_client.post(f"/spaces/{space.id}/invitations/{elsewhere.id}/revoke/")
    assert response.status_code == 404
    assert state() == before


# Copy magic link ---------------------------------------------------------------------------------


def test_copy_magic_link_shows_a_fresh_link_once_that_works_once(
    admin_client, admin_user, guest, space, mailoutbox, caplog, settings
):
    nonce = nonce_of(admin_client.get(page_url(space)))
    with caplog.at_level(logging.DEBUG):
        response = admin_client.post(
            f"/spaces/{space.id}/guests/{guest.id}/magic-link/", {"nonce": nonce}
        )
    assert response.status_code == 200
    page = text(response)
    shown = re.search(r'id="magic-link" class="secret-value" value="([^"]+)"', page)[1]
    assert shown.startswith(settings.SITE_URL + "/guest/magic/ml_")  # never the Host header
    token = shown.rstrip("/").rsplit("/", 1)[1]
    assert links.magic_link_url(token) == shown
    assert 'id="show-once" data-open-on-load' in page
    link = selectors.magic_link_pending(token)
    assert (link.guest, link.space, link.purpose) == (guest, space, "invitation")
    assert link.created_by_id == admin_user.id
    assert topics()[-1] == "magic-link:created"
    assert mailoutbox == []  # the administrator delivers it
    # Never in an address of ours, nor in the log.
    assert token not in response.request["PATH_INFO"]
    assert token not in caplog.text
    # It works once.
    assert services.magic_link_spend(token=token).guest == guest
    with pytest.raises(services.ValidationError):
        services.magic_link_spend(token=token)


def test_a_reload_of_copy_magic_link_mints_no_second_link(admin_client, guest, space):
    nonce = nonce_of(admin_client.get(page_url(space)))
    url = f"/spaces/{space.id}/guests/{guest.id}/magic-link/"
    first = admin_client.post(url, {"nonce": nonce})
    assert first.status_code == 200
    before = state()
    again = admin_client.post(url, {"nonce": nonce})  # the browser re-sends the POST
    assert again.status_code == 302 and again["Location"] == page_url(space)
    assert state() == before
    assert "No new magic link was made." in text(admin_client.get(page_url(space)))
    # Without a nonce, or with one of another shape, nothing is made either.
    for data in [{}, {"nonce": "x"}, {"nonce": "a" * 22}]:
        assert admin_client.post(url, data).status_code == 302
    assert state() == before
    # The answer carries a fresh nonce: the next copy works.
    assert admin_client.post(url, {"nonce": nonce_of(first)}).status_code == 200


def test_a_get_of_an_action_lands_on_the_space_page(admin_client, guest, space):
    before = state()
    for action in ["magic-link", "invite", "remove", "delete"]:
        response = admin_client.get(f"/spaces/{space.id}/guests/{guest.id}/{action}/")
        assert response.status_code == 302 and response["Location"] == page_url(space)
    assert state() == before


def test_copy_magic_link_for_a_guest_without_the_space_is_refused(
    admin_client, environment, space, other_space, guest
):
    elsewhere = make_guest(environment, email="e@example.com", spaces=[other_space])
    nonce = nonce_of(admin_client.get(page_url(space)))
    before = state()
    response = admin_client.post(
        f"/spaces/{space.id}/guests/{elsewhere.id}/magic-link/", {"nonce": nonce}
    )
    assert response.status_code == 400
    assert services.NO_ACCESS in text(response)
    assert state() == before
