"""The guest's pages when what they read no longer holds by the time the service decides
(a link spent, a shared link regenerated, inviting turned off, the service refusing), and
a deleted guest opening home."""

from django.core.exceptions import ValidationError

from guests import services, sessions
from guests.models import Guest
from tests.guests.conftest import make_guest
from tests.guests.guest_page_helpers import (
    CONFIRM,
    ENDED,
    HOME,
    INVALID,
    JOIN,
    follow,
    follow_shared,
    invitation,
    invite,
    shared_token,
    sign_in,
)

# What a page looked up a moment before the service decided ------------------------------------
# The page reads the link (or the space) and then calls the service, which decides again
# inside its transaction. These make the page's read stale on purpose.


def test_a_link_spent_between_the_page_reading_it_and_the_post_is_refused(
    client, guest, space, monkeypatch
):
    from guests import selectors

    token = invitation(guest, space)
    follow(client, token)
    seen = selectors.magic_link_pending(token)
    services.magic_link_spend(token=token)
    monkeypatch.setattr(selectors, "magic_link_pending", lambda token: seen)

    response = client.post(CONFIRM)

    assert response.status_code == 404
    assert INVALID in response.content.decode()
    assert sessions.GUEST_ID_KEY not in client.session


def test_a_shared_link_regenerated_between_the_page_reading_it_and_the_post_is_refused(
    client, space, monkeypatch
):
    from guests import selectors

    token = shared_token(space)
    follow_shared(client, token)
    seen = selectors.shared_link_active(token)
    shared_token(space)
    monkeypatch.setattr(selectors, "shared_link_active", lambda token: seen)

    response = client.post(JOIN, {"name": "Ann", "email": "ann@example.com"})

    assert response.status_code == 404
    assert not Guest.objects.filter(email="ann@example.com").exists()


def test_inviting_turned_off_between_the_page_reading_it_and_the_service_is_refused(
    client, guest, space, monkeypatch, mailoutbox
):
    from guests.views import guest as guest_views

    sign_in(client, guest, space)
    space.guests_can_invite = False
    space.save()
    monkeypatch.setattr(guest_views, "_can_invite", lambda space: None)

    response = invite(client, space, name="Nina", email="nina@example.com")

    assert response.status_code == 403
    assert services.GUESTS_CANNOT_INVITE in response.content.decode()
    assert not Guest.objects.filter(email="nina@example.com").exists()


def test_a_refusal_of_the_invitation_service_shows_on_the_form(
    client, environment, space, monkeypatch
):
    # What the form cannot know (the service's own rules) comes back on the form, as a 400.
    def refuse(**kwargs):
        raise ValidationError({"email": "This address cannot be invited here."})

    monkeypatch.setattr(services, "guest_invite_guest", refuse)
    inviter = make_guest(environment, email="ann@example.com", name="Ann", spaces=[space])
    sign_in(client, inviter, space)

    response = invite(client, space, name="Nina", email="nina@example.com")

    assert response.status_code == 400
    assert "This address cannot be invited here." in response.content.decode()
    assert not Guest.objects.filter(email="nina@example.com").exists()


def test_a_deleted_guest_opening_home_is_signed_out(client, guest, space):
    sign_in(client, guest, space)
    services.guest_delete(guest=guest, actor=None)

    response = client.get(HOME)

    assert response.status_code == 403
    assert ENDED in response.content.decode()
    assert sessions.GUEST_ID_KEY not in client.session
