"""The guest sidebar of a space's page, through Django's test client: what it lists,
adding a guest (bad input is a 400 with the form and changes nothing), removing a guest from
the space and deleting one."""

import re

import pytest
from django.utils import timezone

from accounts.models import Event, GuestAuthentication
from guests import selectors, services
from guests.models import Guest, SpaceGrant, WorkbookGrant
from tests.factories import SpaceFactory, WorkbookFactory, production
from tests.guests.admin_page_helpers import page_url, state, topics
from tests.guests.conftest import make_guest, token_in
from tests.pages import text


def guest_items(page: str) -> list[str]:
    """The sidebar's guests, each as its part of the page."""
    guests = re.split(r"<section|</aside>", page.split('data-testid="guest-sidebar"')[1])[0]
    return guests.split('<li class="guest-item"')[1:]


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


def test_the_sidebar_pages_its_guests_and_names_an_inviter_on_another_page(
    admin_client, environment, space
):
    inviter = make_guest(environment, email="inviter@example.com", name="In Viter", spaces=[space])
    for number in range(50):
        make_guest(environment, email=f"g{number:02}@example.com", spaces=[space])
    invitee = services.guest_invite_guest(
        inviter=inviter, space=space, email="friend@example.com", name="Friend"
    )
    first = text(admin_client.get(page_url(space)))
    listed = guest_items(first)
    assert len(listed) == 50  # oldest first: the inviter, g00 … g48
    assert "inviter@example.com" in listed[0] and "g48@example.com" in listed[-1]
    assert "Page 1 of 2" in first and 'href="?page=2"' in first
    (friend,) = guest_items(text(admin_client.get(f"{page_url(space)}?page=2")))[1:]
    assert invitee.email in friend and "Invited by In Viter" in friend


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
