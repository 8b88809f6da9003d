"""The administrator's guest pages through Django's test client: the guest sidebar of a
space's page and the environment's Guests page. Each action works and is recorded (by its
service), is refused across accounts with 404, answers bad input with 400 and changes
nothing; the copied magic link is shown once, works once and is never in an address; and
the pages' query counts are pinned and do not grow with guests, grants or workbooks."""

import logging
import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import Event, GuestAuthentication
from guests import links, selectors, services
from guests.models import Guest, MagicLink, SharedLink, SpaceGrant, WorkbookGrant
from tests.factories import (
    SpaceFactory,
    WorkbookFactory,
    administrator_of,
    development,
    production,
)
from tests.guests.conftest import make_guest, token_in


def text(response) -> str:
    return response.content.decode()


def topics() -> list[str]:
    return list(Event.objects.order_by("created_at", "id").values_list("topic", flat=True))


def state() -> tuple:
    """Everything the sidebar's actions could change."""
    return (
        sorted(Guest.objects.values_list("id", "name", "email")),
        sorted(SpaceGrant.objects.values_list("guest_id", "space_id", "all_workbooks")),
        sorted(WorkbookGrant.objects.values_list("guest_id", "workbook_id")),
        sorted(MagicLink.objects.values_list("id", "used_at", "revoked_at")),
        sorted(SharedLink.objects.values_list("id", "token_digest", "expires_at", "disabled_at")),
        Event.objects.count(),
    )


def nonce_of(response) -> str:
    return re.search(r'name="nonce" value="([^"]+)"', text(response)).group(1)


def guest_items(page: str) -> list[str]:
    """The sidebar's guests, each as its part of the page."""
    guests = re.split(r"<section|</aside>", page.split('data-testid="guest-sidebar"')[1])[0]
    return guests.split('<li class="guest-item"')[1:]


def page_url(space) -> str:
    return f"/spaces/{space.id}/"


@pytest.fixture
def mails(django_capture_on_commit_callbacks):
    """Run a request's on-commit callbacks (the invitation mail goes out on commit)."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def invited(guest, space, admin_user, django_capture_on_commit_callbacks):
    """The guest's pending invitation to the space, as an administrator sends it."""
    with django_capture_on_commit_callbacks(execute=True):
        return services.guest_invite(guest=guest, space=space, actor=admin_user)


# The sidebar ------------------------------------------------------------------------------------


def test_the_space_page_lists_its_guests_and_how_they_got_in(
    admin_client, environment, space, other_space, workbooks, guest
):
    limited = make_guest(
        environment, email="limited@example.com", name="Lim Ited", spaces=[(space, workbooks[:1])]
    )
    invitee = services.guest_invite_guest(
        inviter=limited, space=space, email="friend@example.com", name="Friend"
    )
    SpaceGrant.objects.filter(guest=guest, space=space).update(
        last_accessed_at=timezone.now().replace(year=2030, month=1, day=2, hour=3, minute=4)
    )
    make_guest(environment, email="elsewhere@example.com", spaces=[other_space])

    response = admin_client.get(page_url(space))
    assert response.status_code == 200
    page = text(response)
    mr_guest, lim, friend = guest_items(page)
    assert "Mr. Guest" in mr_guest and "guest@example.com" in mr_guest
    assert "Added by an administrator" in mr_guest
    assert "All workbooks" in mr_guest
    assert "2030-01-02 03:04" in mr_guest
    assert "Lim Ited" in lim and "Contacts" in lim and "Deals" not in lim and "Never" in lim
    assert invitee.email in friend and "Invited by Lim Ited" in friend and "Contacts" in friend
    assert "elsewhere@example.com" not in page  # a guest of another space only
    # Deleting names every space the guest loses; the switch is near, and says its state.
    delete_dialog = re.search(r'id="delete-guest-' + guest.id + '".*?</dialog>', page, re.S)[0]
    assert "Onboarding" in delete_dialog and "Billing" in delete_dialog
    assert "Guests can invite other guests to this space." in page
    assert 'href="#id_guests_can_invite"' in page and 'id="id_guests_can_invite"' in page


def test_the_sidebar_shows_no_magic_link_actions_when_the_environment_allows_none(
    admin_client, environment, space, guest
):
    environment.guest_authentication = [GuestAuthentication.SHARED_LINK]
    environment.save(update_fields=["guest_authentication"])
    page = text(admin_client.get(page_url(space)))
    assert "Remove from this space" in page
    assert "Copy magic link" not in page and "Resend invitation" not in page


# Add guest ---------------------------------------------------------------------------------------


def test_add_a_guest_limited_to_workbooks_and_invite_them(
    admin_client, admin_user, environment, space, workbooks, mailoutbox, mails
):
    with mails():
        response = admin_client.post(
            f"/spaces/{space.id}/guests/",
            {"name": "Nia New", "email": "Nia@Example.com", "workbooks": [workbooks[1].id]},
        )
    assert response.status_code == 302 and response["Location"] == page_url(space)
    guest = Guest.objects.get(email="nia@example.com")
    assert (guest.name, guest.environment) == ("Nia New", environment)
    grant = SpaceGrant.objects.get(guest=guest)
    assert (grant.space, grant.all_workbooks, grant.via) == (space, False, "administrator")
    assert list(WorkbookGrant.objects.filter(guest=guest).values_list("workbook", flat=True)) == [
        workbooks[1].id
    ]
    (mail,) = mailoutbox
    assert mail.to == ["nia@example.com"]
    assert selectors.magic_link_pending(token_in(mail)).guest == guest
    assert topics()[-4:] == [
        "guest:created",
        "guest:space-granted",
        "magic-link:created",
        "guest:invited",
    ]
    assert Event.objects.filter(topic="guest:created").get().actor_id == admin_user.id
    page = text(admin_client.get(page_url(space)))
    assert "nia@example.com can now open this space. An invitation was sent." in page
    assert re.search(r'data-testid="pending-invitation">\s*<p><strong>nia@example.com', page)


def test_adding_someone_already_a_guest_reuses_them(
    admin_client, environment, space, other_space, mailoutbox, mails
):
    existing = make_guest(
        environment, email="known@example.com", name="Known", spaces=[other_space]
    )
    with mails():
        admin_client.post(
            f"/spaces/{space.id}/guests/", {"name": "Other Name", "email": "KNOWN@example.com"}
        )
    assert list(Guest.objects.all()) == [existing]
    existing.refresh_from_db()
    assert existing.name == "Known"
    assert set(SpaceGrant.objects.filter(guest=existing).values_list("space", flat=True)) == {
        space.id,
        other_space.id,
    }
    assert len(mailoutbox) == 1


def test_adding_a_guest_without_magic_links_mails_nothing(
    admin_client, environment, space, mailoutbox, mails
):
    environment.guest_authentication = [GuestAuthentication.SHARED_LINK]
    environment.save(update_fields=["guest_authentication"])
    with mails():
        response = admin_client.post(
            f"/spaces/{space.id}/guests/", {"name": "S", "email": "s@example.com"}, follow=True
        )
    assert "no invitation was mailed" in text(response)
    assert SpaceGrant.objects.filter(guest__email="s@example.com", space=space).exists()
    assert mailoutbox == []
    assert "guest:invited" not in topics()


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"name": "", "email": "a@example.com"}, "Name cannot be empty."),
        ({"name": "A", "email": "not an email"}, "Enter a valid email address."),
        ({"name": "A" * 256, "email": "a@example.com"}, "Name must be at most 255 characters."),
        ({"name": "A", "email": "a@example.com", "workbooks": ["us_wb_nope"]}, "valid choice"),
        ({}, "Name cannot be empty."),
    ],
)
def test_bad_input_to_add_guest_is_a_400_with_the_form_and_changes_nothing(
    admin_client, space, workbooks, guest, mailoutbox, mails, data, error
):
    before = state()
    with mails():
        response = admin_client.post(f"/spaces/{space.id}/guests/", data)
    assert response.status_code == 400
    page = text(response)
    assert error in page
    # The dialog opens with what was typed, and the page is the space's, sidebar included.
    assert re.search(r'<dialog id="add-guest" data-open-on-load>', page)
    if data.get("email"):
        assert f'value="{data["email"]}"' in page
    assert 'data-testid="guest-sidebar"' in page and "guest@example.com" in page
    assert state() == before and mailoutbox == []


def test_a_workbook_of_another_space_cannot_be_granted(admin_client, space, other_space):
    elsewhere = WorkbookFactory(space=other_space)
    before = state()
    response = admin_client.post(
        f"/spaces/{space.id}/guests/",
        {"name": "A", "email": "a@example.com", "workbooks": [elsewhere.id]},
    )
    assert response.status_code == 400
    assert state() == before


def test_forms_of_an_answered_post_still_post_to_where_they_belong(admin_client, space):
    # The page answering a refused "Add guest" sits at the sidebar's address; the space's
    # own forms must still post to the space's page, not to "Add guest".
    page = text(admin_client.post(f"/spaces/{space.id}/guests/", {}))
    assert page.count(f'action="/spaces/{space.id}/"') == 2
    assert all('action="/' in form for form in re.findall(r"<form[^>]*>", page))


def test_a_refused_workbook_rename_keeps_the_sidebar(admin_client, space, workbooks, guest):
    # The sidebar is a section of every rendering of the space's page, not of one view.
    response = admin_client.post(f"/workbooks/{workbooks[0].id}/", {"name": " "})
    assert response.status_code == 400
    page = text(response)
    assert "Name cannot be empty." in page
    assert guest_items(page) and "guest@example.com" in guest_items(page)[0]
    assert page.count(f'action="/spaces/{space.id}/"') == 2


def test_invitations_are_rate_limited_per_administrator(admin_client, space, settings, mails):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "invitations": (1, 3600)}
    with mails():
        admin_client.post(f"/spaces/{space.id}/guests/", {"name": "A", "email": "a@example.com"})
    before = state()
    response = admin_client.post(
        f"/spaces/{space.id}/guests/", {"name": "B", "email": "b@example.com"}
    )
    assert response.status_code == 429 and response.has_header("Retry-After")
    assert "Too many invitations" in text(response)
    assert state() == before


def test_what_the_service_refuses_is_shown_on_the_form(admin_client, space, monkeypatch):
    def refuse(**_kwargs):
        raise services.ValidationError({"email": "Refused by the service."})

    monkeypatch.setattr(services, "guest_add", refuse)
    response = admin_client.post(f"/spaces/{space.id}/guests/", {"name": "A", "email": "a@b.co"})
    assert response.status_code == 400
    assert re.search(r'id="id_guest_email".*?Refused by the service\.', text(response), re.S)


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


# Remove from this space, delete guest ----------------------------------------------------------


def test_remove_from_this_space_ends_that_grant_only(
    admin_client, guest, space, other_space, invited
):
    response = admin_client.post(f"/spaces/{space.id}/guests/{guest.id}/remove/", follow=True)
    assert "guest@example.com was removed from this space." in text(response)
    assert list(SpaceGrant.objects.filter(guest=guest).values_list("space", flat=True)) == [
        other_space.id
    ]
    invited.refresh_from_db()
    assert invited.revoked_at is not None
    assert topics()[-1] == "guest:space-removed"

    before = state()
    again = admin_client.post(f"/spaces/{space.id}/guests/{guest.id}/remove/")
    assert again.status_code == 400
    assert services.NO_ACCESS in text(again)
    assert state() == before


def test_delete_guest_from_the_space_page_removes_them_everywhere(
    admin_client, guest, space, other_space
):
    response = admin_client.post(f"/spaces/{space.id}/guests/{guest.id}/delete/", follow=True)
    assert response.redirect_chain == [(page_url(space), 302)]
    assert (
        "Guest guest@example.com deleted. They no longer have access to Billing, Onboarding."
        in text(response)
    )
    assert not Guest.objects.filter(pk=guest.pk).exists()
    assert not SpaceGrant.objects.exists()
    event = Event.objects.get(topic="guest:deleted")
    assert sorted(event.payload["spaceIds"]) == sorted([space.id, other_space.id])


def test_a_guest_of_another_environment_is_out_of_this_spaces_reach(admin_client, account, space):
    production_space = SpaceFactory(environment=production(account))
    elsewhere = make_guest(production_space.environment, spaces=[production_space])
    before = state()
    for action in ["invite", "remove", "delete"]:
        response = admin_client.post(f"/spaces/{space.id}/guests/{elsewhere.id}/{action}/")
        assert response.status_code == 404, action
    assert state() == before


# The shared link -------------------------------------------------------------------------------


def test_the_shared_link_section_is_shown_only_where_shared_links_are_allowed(
    admin_client, environment, space
):
    assert 'data-testid="shared-link"' in text(admin_client.get(page_url(space)))
    environment.guest_authentication = [GuestAuthentication.MAGIC_LINK]
    environment.save(update_fields=["guest_authentication"])
    page = text(admin_client.get(page_url(space)))
    assert 'data-testid="shared-link"' not in page
    assert "Shared link" not in page


def test_make_copy_regenerate_and_disable_the_shared_link(admin_client, space, admin_user):
    page = text(admin_client.get(page_url(space)))
    assert "This space has no shared link yet." in page

    response = admin_client.post(
        f"/spaces/{space.id}/shared-link/regenerate/", {"expires_in_days": "7"}, follow=True
    )
    assert "Shared link made." in text(response)
    link = SharedLink.objects.get(space=space)
    assert (
        timedelta(days=7) - timedelta(minutes=1)
        < link.expires_at - timezone.now()
        <= timedelta(days=7)
    )
    first_token = link.token
    page = text(response)
    assert first_token not in page  # masked; Copy fetches it
    assert f"sl_••••••••{link.last_four}" in page
    assert 'data-testid="shared-link-expiry">Expires' in page

    copied = admin_client.post(f"/spaces/{space.id}/shared-link/reveal/")
    assert copied.json() == {"value": links.shared_link_url(first_token)}

    response = admin_client.post(
        f"/spaces/{space.id}/shared-link/regenerate/", {"expires_in_days": ""}, follow=True
    )
    assert "New shared link made; the old one stopped working." in text(response)
    assert "Never expires" in text(response)
    assert selectors.shared_link_active(first_token) is None
    link.refresh_from_db()
    assert link.expires_at is None
    assert selectors.shared_link_active(link.token) == link

    response = admin_client.post(f"/spaces/{space.id}/shared-link/disable/", follow=True)
    assert "The shared link was turned off." in text(response)
    assert "The shared link is turned off." in text(response)
    assert selectors.shared_link_active(link.token) is None
    assert admin_client.post(f"/spaces/{space.id}/shared-link/reveal/").status_code == 404
    assert [event.actor_id for event in Event.objects.filter(topic__startswith="shared-link")] == [
        admin_user.id
    ] * 3
    assert topics()[-3:] == [
        "shared-link:regenerated",
        "shared-link:regenerated",
        "shared-link:disabled",
    ]


def test_an_expired_shared_link_says_so_and_cannot_be_copied(admin_client, space, admin_user):
    link, _token = services.shared_link_regenerate(space=space, actor=admin_user)
    SharedLink.objects.filter(pk=link.pk).update(expires_at=timezone.now() - timedelta(hours=1))
    assert "The shared link expired" in text(admin_client.get(page_url(space)))
    assert admin_client.post(f"/spaces/{space.id}/shared-link/reveal/").status_code == 404


@pytest.mark.parametrize("days", ["5", "never", "-1"])
def test_a_bad_expiry_is_a_400_and_changes_nothing(admin_client, space, admin_user, days):
    services.shared_link_regenerate(space=space, actor=admin_user)
    before = state()
    response = admin_client.post(
        f"/spaces/{space.id}/shared-link/regenerate/", {"expires_in_days": days}
    )
    assert response.status_code == 400
    assert '<dialog id="regenerate-shared-link" data-open-on-load>' in text(response)
    assert "Select a valid choice." in text(response)
    assert state() == before


def test_shared_link_actions_are_refused_where_shared_links_are_not_allowed(
    admin_client, environment, space, admin_user
):
    services.shared_link_regenerate(space=space, actor=admin_user)
    environment.guest_authentication = [GuestAuthentication.MAGIC_LINK]
    environment.save(update_fields=["guest_authentication"])
    before = state()
    response = admin_client.post(f"/spaces/{space.id}/shared-link/regenerate/", {})
    assert response.status_code == 400
    assert services.METHOD_OFF[GuestAuthentication.SHARED_LINK] in text(response)
    assert admin_client.post(f"/spaces/{space.id}/shared-link/reveal/").status_code == 404
    assert state() == before


def test_disabling_a_shared_link_that_is_off_says_why(admin_client, space):
    response = admin_client.post(f"/spaces/{space.id}/shared-link/disable/")
    assert response.status_code == 400
    assert "This space has no shared link turned on." in text(response)


# The environment's Guests page ----------------------------------------------------------------


def test_the_guests_page_lists_every_guest_with_their_spaces(
    admin_client, environment, space, other_space, workbooks, guest, other_account
):
    make_guest(
        environment, email="limited@example.com", name="Lim", spaces=[(space, workbooks[1:])]
    )
    make_guest(environment, email="nowhere@example.com", name="No One")
    stranger = make_guest(development(other_account), email="stranger@example.com")
    in_production = make_guest(production(environment.account), email="prod@example.com")
    response = admin_client.get(f"/environments/{environment.id}/guests/")
    assert response.status_code == 200
    page = text(response)
    rows = re.findall(r'<tr data-testid="guest-row">.*?</tr>', page, re.S)
    assert len(rows) == 3
    assert "guest@example.com" in rows[0] and "Onboarding" in rows[0] and "Billing" in rows[0]
    assert "All workbooks" in rows[0]
    assert "limited@example.com" in rows[1] and "Deals" in rows[1] and "Contacts" not in rows[1]
    assert "No spaces" in rows[2]
    assert stranger.email not in page and in_production.email not in page
    # The navigation marks it, beside Spaces.
    assert re.search(r'href="/environments/[^"]+/guests/" aria-current="page">Guests</a>', page)


def test_delete_guest_from_the_guests_page(admin_client, environment, guest):
    response = admin_client.post(
        f"/environments/{environment.id}/guests/{guest.id}/delete/", follow=True
    )
    assert response.redirect_chain == [(f"/environments/{environment.id}/guests/", 302)]
    assert "They no longer have access to Billing, Onboarding." in text(response)
    assert not Guest.objects.exists()
    assert topics()[-1] == "guest:deleted"
    # A GET deletes nothing.
    other = make_guest(environment, email="other@example.com")
    admin_client.get(f"/environments/{environment.id}/guests/{other.id}/delete/")
    assert Guest.objects.filter(pk=other.pk).exists()


def test_the_guests_page_pages_through_many_guests(admin_client, environment):
    for number in range(51):
        Guest.objects.create(environment=environment, email=f"g{number}@example.com", name="G")
    first = text(admin_client.get(f"/environments/{environment.id}/guests/"))
    assert first.count('data-testid="guest-row"') == 50 and "Page 1 of 2" in first
    second = text(admin_client.get(f"/environments/{environment.id}/guests/?page=2"))
    assert second.count('data-testid="guest-row"') == 1


# Reach ------------------------------------------------------------------------------------------


def test_another_accounts_administrator_gets_404_and_changes_nothing(
    client, other_account, environment, space, guest, invited, admin_user
):
    services.shared_link_regenerate(space=space, actor=admin_user)
    client.force_login(administrator_of(other_account))
    own_space = SpaceFactory(environment=development(other_account))
    make_guest(development(other_account), spaces=[own_space])  # for its "Copy magic link"
    nonce = nonce_of(client.get(f"/spaces/{own_space.id}/"))
    before = state()
    posts = [
        (f"/spaces/{space.id}/guests/", {"name": "X", "email": "x@example.com"}),
        (f"/spaces/{space.id}/guests/{guest.id}/invite/", {}),
        (f"/spaces/{space.id}/guests/{guest.id}/magic-link/", {"nonce": nonce}),
        (f"/spaces/{space.id}/guests/{guest.id}/remove/", {}),
        (f"/spaces/{space.id}/guests/{guest.id}/delete/", {}),
        (f"/spaces/{space.id}/invitations/{invited.id}/revoke/", {}),
        (f"/spaces/{space.id}/shared-link/reveal/", {}),
        (f"/spaces/{space.id}/shared-link/regenerate/", {}),
        (f"/spaces/{space.id}/shared-link/disable/", {}),
        (f"/environments/{environment.id}/guests/{guest.id}/delete/", {}),
    ]
    for url, data in posts:
        assert client.post(url, data).status_code == 404, url
    assert client.get(f"/environments/{environment.id}/guests/").status_code == 404
    assert client.get(f"/spaces/{space.id}/").status_code == 404
    # Their own space's address with this account's guest: out of reach too.
    for action in ["invite", "remove", "delete"]:
        response = client.post(f"/spaces/{own_space.id}/guests/{guest.id}/{action}/")
        assert response.status_code == 404, action
    assert state() == before


def test_signed_out_visitors_are_sent_to_sign_in(client, environment, space, guest):
    before = state()
    for url in [
        f"/environments/{environment.id}/guests/",
        f"/spaces/{space.id}/guests/{guest.id}/delete/",
    ]:
        assert client.post(url)["Location"].startswith("/login/")
    assert state() == before


# Query counts -----------------------------------------------------------------------------------


def _grow(environment, space, other_space, count: int, start: int = 0) -> None:
    """`count` more guests, each in both spaces, limited to a workbook of each, with a
    pending invitation, and a workbook more in each space."""
    admin = administrator_of(environment.account)
    for number in range(start, start + count):
        workbook, other_workbook = WorkbookFactory(space=space), WorkbookFactory(space=other_space)
        guest = make_guest(
            environment,
            email=f"g{number}@example.com",
            spaces=[(space, [workbook]), (other_space, [other_workbook])],
        )
        services.magic_link_create(
            guest=guest, space=space, purpose=MagicLink.Purpose.INVITATION, actor=admin
        )


def _count(client, url) -> int:
    client.get(url)  # a first visit may record the current environment in the session
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


# Every signed-in page starts with: session, user, membership with its account; then the
# switcher's environments.
PINNED = {
    # + the space with its environment, its workbooks; the sidebar's guests, their grants
    # with spaces, their workbook grants with workbooks, the pending links with guests, the
    # shared link
    "space": 11,
    # + the environment, the count of guests, a page of them, their grants with spaces,
    # their workbook grants with workbooks
    "guests": 9,
}


@pytest.mark.parametrize("rows", [1, 10])
def test_pinned_query_counts(
    admin_client, admin_user, environment, space, other_space, django_assert_num_queries, rows
):
    services.shared_link_regenerate(space=space, actor=admin_user)
    _grow(environment, space, other_space, rows)
    for name, url in [
        ("space", page_url(space)),
        ("guests", f"/environments/{environment.id}/guests/"),
    ]:
        admin_client.get(url)
        with django_assert_num_queries(PINNED[name]):
            response = admin_client.get(url)
        assert text(response).count(f"g{rows - 1}@example.com") >= 1, name  # rows really shown


def test_query_counts_do_not_grow_with_guests_grants_or_workbooks(
    admin_client, admin_user, environment, space, other_space
):
    services.shared_link_regenerate(space=space, actor=admin_user)
    urls = [page_url(space), f"/environments/{environment.id}/guests/"]
    _grow(environment, space, other_space, 1)
    small = [_count(admin_client, url) for url in urls]
    _grow(environment, space, other_space, 12, start=1)
    assert [_count(admin_client, url) for url in urls] == small
