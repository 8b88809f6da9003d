"""A space's shared link through the test client: following it, the join form and its bad
input, a link that cannot be used, and the answer where the environment has shared links
turned off."""

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import Event, GuestAuthentication
from guests import links, services, sessions
from guests.models import Guest, SharedLink
from tests.guests.guest_page_helpers import (
    INVALID,
    JOIN,
    SENT,
    confirm_from_mail,
    follow_shared,
    shared_token,
    space_page,
    unknown_token,
)

# Methods the environment allows ---------------------------------------------------------------


def test_shared_links_turned_off_answer_a_refusal(client, environment, space):
    token = shared_token(space)
    environment.guest_authentication = [GuestAuthentication.MAGIC_LINK]
    environment.save()

    follow_shared(client, token)
    for response in (
        client.get(JOIN),
        client.post(JOIN, {"name": "Ann", "email": "ann@example.com"}),
    ):
        assert response.status_code == 403
        assert "Shared links are turned off" in response.content.decode()

    assert not Guest.objects.filter(email="ann@example.com").exists()


# Shared links ---------------------------------------------------------------------------------


def test_a_shared_link_moves_its_token_out_of_the_address(client, space):
    token = shared_token(space)

    response = follow_shared(client, token)

    assert response.status_code == 302
    assert response["Location"] == JOIN
    page = client.get(JOIN)
    assert page.status_code == 200
    assert "Join Onboarding" in page.content.decode()
    assert token not in page.content.decode()


def test_two_people_joining_by_one_shared_link_are_two_guests(
    client, space, mailoutbox, django_capture_on_commit_callbacks
):
    from django.test import Client

    token = shared_token(space)
    other = Client()
    for person, (name, email) in ((client, ("Ann", "ann@x.com")), (other, ("Ben", "ben@x.com"))):
        follow_shared(person, token)
        with django_capture_on_commit_callbacks(execute=True):
            assert person.post(JOIN, {"name": name, "email": email}).status_code == 302
        assert confirm_from_mail(person, mailoutbox[-1]).status_code == 302

    ann, ben = Guest.objects.get(email="ann@x.com"), Guest.objects.get(email="ben@x.com")
    assert client.session[sessions.GUEST_ID_KEY] == ann.id
    assert other.session[sessions.GUEST_ID_KEY] == ben.id


def test_joining_needs_no_magic_links(
    client, environment, guest, space, mailoutbox, django_capture_on_commit_callbacks
):
    # The confirmation mailed is the shared link's own, so an environment that lets guests in
    # by shared link only still confirms emails (and signs in the guests who confirm).
    environment.guest_authentication = [GuestAuthentication.SHARED_LINK]
    environment.save()
    follow_shared(client, shared_token(space))

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(JOIN, {"name": "Ann", "email": guest.email})

    assert response["Location"] == SENT
    assert confirm_from_mail(client, mailoutbox[-1])["Location"] == space_page(space.id)
    assert client.session[sessions.GUEST_ID_KEY] == guest.id


def _disabled(space):
    token = shared_token(space)
    services.shared_link_disable(space=space, actor=None)
    return token


def _regenerated_away(space):
    token = shared_token(space)
    shared_token(space)
    return token


def _expired_shared(space):
    token = shared_token(space)
    SharedLink.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    return token


@pytest.mark.parametrize(
    "make",
    [
        _disabled,
        _regenerated_away,
        _expired_shared,
        lambda space: unknown_token(links.SHARED_LINK),
        lambda space: "nonsense",
    ],
    ids=["disabled", "regenerated", "expired", "unknown", "nonsense"],
)
def test_a_shared_link_that_cannot_be_used_says_so(client, space, make):
    token = make(space)

    follow_shared(client, token)
    for response in (
        client.get(JOIN),
        client.post(JOIN, {"name": "Ann", "email": "ann@example.com"}),
    ):
        assert response.status_code == 404
        content = response.content.decode()
        assert INVALID in content
        assert "shared link" in content

    assert not Guest.objects.filter(email="ann@example.com").exists()


def test_a_shared_link_regenerated_while_the_form_is_open_is_refused(client, space):
    follow_shared(client, shared_token(space))
    assert client.get(JOIN).status_code == 200
    shared_token(space)

    response = client.post(JOIN, {"name": "Ann", "email": "ann@example.com"})

    assert response.status_code == 404
    assert not Guest.objects.filter(email="ann@example.com").exists()


@pytest.mark.parametrize(
    ("data", "field_error"),
    [
        ({"name": "", "email": "ann@example.com"}, "Name cannot be empty."),
        ({"name": "   ", "email": "ann@example.com"}, "Name cannot be empty."),
        ({"name": "A" * 256, "email": "ann@example.com"}, "Name must be at most 255 characters."),
        ({"name": "Ann", "email": "not-an-email"}, "Enter a valid email address."),
        ({"name": "Ann", "email": ""}, "Enter a valid email address."),
        ({"name": "Ann"}, "Enter a valid email address."),
    ],
)
def test_bad_input_on_a_shared_link_is_a_400_form_and_changes_nothing(
    client, space, data, field_error
):
    follow_shared(client, shared_token(space))
    guests_before, events_before = Guest.objects.count(), Event.objects.count()

    response = client.post(JOIN, data)

    assert response.status_code == 400
    assert field_error in response.content.decode()
    assert (Guest.objects.count(), Event.objects.count()) == (guests_before, events_before)
    assert sessions.GUEST_ID_KEY not in client.session


def test_both_fields_errors_show_at_once(client, space):
    follow_shared(client, shared_token(space))

    content = client.post(JOIN, {"name": "", "email": "nope"}).content.decode()

    assert "Name cannot be empty." in content
    assert "Enter a valid email address." in content
