"""A guest's magic links through the test client: following one (a GET never spends it),
confirming, what a link that cannot be used says, asking for a new link by email, and the
answer where the environment has magic links turned off."""

import time
from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import Event, GuestAuthentication
from guests import links, services, sessions
from guests.models import MagicLink
from tests.guests.conftest import make_guest, token_in
from tests.guests.guest_page_helpers import (
    CONFIRM,
    HOME,
    INVALID,
    NEW_LINK,
    _used,
    follow,
    invitation,
    sign_in,
    space_page,
    unknown_token,
    without_csrf_token,
)

# Magic links: following and confirming --------------------------------------------------------


def test_following_a_magic_link_moves_its_token_out_of_the_address(client, guest, space):
    token = invitation(guest, space)

    response = follow(client, token)

    assert response.status_code == 302
    assert response["Location"] == CONFIRM
    assert token not in response["Location"]
    page = client.get(CONFIRM)
    assert page.status_code == 200
    assert "Continue to Onboarding" in page.content.decode()
    assert guest.email in page.content.decode()
    assert token not in page.content.decode()


def test_a_get_never_spends_the_link(client, guest, space):
    token = invitation(guest, space)

    for _ in range(3):
        follow(client, token)
        assert client.get(CONFIRM).status_code == 200

    assert MagicLink.objects.get().used_at is None
    assert sessions.GUEST_ID_KEY not in client.session


def test_confirming_spends_the_link_and_signs_the_guest_in(client, guest, space):
    follow(client, invitation(guest, space))

    response = client.post(CONFIRM)

    assert response.status_code == 302
    assert response["Location"] == space_page(space.id)
    assert MagicLink.objects.get().used_at is not None
    assert client.session[sessions.GUEST_ID_KEY] == guest.id
    assert client.session[sessions.ENVIRONMENT_ID_KEY] == guest.environment_id
    assert client.session.get_expiry_age() == 3600
    assert Event.objects.filter(topic="magic-link:used").count() == 1
    page = client.get(space_page(space.id))
    assert page.status_code == 200
    assert "Onboarding" in page.content.decode()


def test_a_link_spends_once_whoever_holds_it(client, guest, space):
    from django.test import Client

    token = invitation(guest, space)
    scanner = Client()
    follow(client, token)
    follow(scanner, token)

    assert client.post(CONFIRM).status_code == 302
    second = scanner.post(CONFIRM)

    assert second.status_code == 404
    assert INVALID in second.content.decode()
    assert sessions.GUEST_ID_KEY not in scanner.session
    assert Event.objects.filter(topic="magic-link:used").count() == 1


def test_coming_back_to_the_confirmation_after_signing_in_goes_to_the_space(client, guest, space):
    sign_in(client, guest, space)

    response = client.get(CONFIRM)

    assert response.status_code == 302
    assert response["Location"] == HOME
    assert client.get(HOME)["Location"] == space_page(space.id)


def _expired(guest, space):
    token = invitation(guest, space)
    MagicLink.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    return token


def _revoked(guest, space):
    token = invitation(guest, space)
    services.magic_link_revoke(link=MagicLink.objects.get(), actor=None)
    return token


def _of_a_removed_grant(guest, space):
    token = invitation(guest, space)
    services.guest_remove_from_space(guest=guest, space=space, actor=None)
    return token


@pytest.mark.parametrize("make", [_used, _expired, _revoked, _of_a_removed_grant])
def test_a_known_link_that_cannot_be_used_offers_a_new_one(client, guest, space, make):
    token = make(guest, space)
    used_before = MagicLink.objects.get().used_at

    follow(client, token)
    for response in (client.get(CONFIRM), client.post(CONFIRM)):
        content = response.content.decode()
        assert response.status_code == 404
        assert INVALID in content
        assert "Email me a new link" in content
        assert "Onboarding" in content

    assert MagicLink.objects.get().used_at == used_before
    assert sessions.GUEST_ID_KEY not in client.session


def _deleted_guest(guest, space):
    token = invitation(guest, space)
    services.guest_delete(guest=guest, actor=None)
    return token


@pytest.mark.parametrize(
    "make",
    [
        _deleted_guest,
        lambda guest, space: unknown_token(),
        lambda guest, space: "ml_" + "a" * 36,  # a bad checksum
        lambda guest, space: "nonsense",
        lambda guest, space: unknown_token(links.SHARED_LINK),
    ],
    ids=["deleted-guest", "unknown", "bad-checksum", "nonsense", "shared-link-token"],
)
def test_an_unknown_link_says_to_ask_whoever_invited_you(client, guest, space, make):
    token = make(guest, space)

    follow(client, token)
    for response in (client.get(CONFIRM), client.post(CONFIRM), client.post(NEW_LINK)):
        content = response.content.decode()
        assert response.status_code == 404
        assert INVALID in content
        assert "ask whoever invited you" in content
        assert "Email me a new link" not in content

    assert sessions.GUEST_ID_KEY not in client.session


def test_the_confirmation_page_without_a_link_is_the_unknown_link_page(client):
    response = client.get(CONFIRM)
    assert response.status_code == 404
    assert "ask whoever invited you" in response.content.decode()


# "Email me a new link" ---------------------------------------------------------------------------


def test_a_new_link_is_mailed_to_the_guest_and_works(
    client, guest, space, mailoutbox, django_capture_on_commit_callbacks
):
    follow(client, _used(guest, space))

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(NEW_LINK, {"email": " Guest@Example.com "})

    assert response.status_code == 200
    assert "Check your email" in response.content.decode()
    (mail,) = mailoutbox
    assert mail.to == [guest.email]
    assert "15 minutes" in mail.body
    link = MagicLink.objects.get(purpose=MagicLink.Purpose.SIGN_IN)
    assert link.space_id == space.id
    follow(client, token_in(mail))
    assert client.post(CONFIRM)["Location"] == space_page(space.id)


def test_a_new_link_answers_the_same_for_a_stranger_and_mails_nothing(
    client, guest, space, mailoutbox, django_capture_on_commit_callbacks
):
    follow(client, _used(guest, space))
    outsider = make_guest(guest.environment, email="outsider@example.com")  # no grant here

    answers = []
    for email in (guest.email, "stranger@example.com", outsider.email):
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(NEW_LINK, {"email": email})
        answers.append((response.status_code, response.content.decode().replace(email, "EMAIL")))

    assert answers[0] == answers[1] == answers[2]
    assert [mail.to for mail in mailoutbox] == [[guest.email]]


def test_a_new_link_for_an_invalid_email_is_a_400_form(client, guest, space, mailoutbox):
    follow(client, _used(guest, space))

    for email in ("", "not an email", "a" * 250 + "@example.com"):
        response = client.post(NEW_LINK, {"email": email})
        assert response.status_code == 400
        assert "Enter a valid email address." in response.content.decode()

    assert MagicLink.objects.count() == 1
    assert mailoutbox == []


def test_new_links_are_limited_per_email(
    client, settings, guest, space, mailoutbox, one_rate_limit_window
):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "magic-link-email": (2, 60)}
    follow(client, _used(guest, space))

    statuses = [client.post(NEW_LINK, {"email": guest.email}).status_code for _ in range(3)]
    # Another spelling of the same email counts as that email.
    refused = client.post(NEW_LINK, {"email": guest.email.upper()})

    assert statuses == [200, 200, 429]
    assert refused.status_code == 429
    assert "Too many requests for a new link" in refused.content.decode()
    assert int(refused["Retry-After"]) > 0
    assert client.post(NEW_LINK, {"email": "someone.else@example.com"}).status_code == 200


def test_new_links_are_limited_per_client_address(
    client, settings, guest, space, one_rate_limit_window
):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "magic-link-address": (2, 60)}
    follow(client, _used(guest, space))

    statuses = [
        client.post(NEW_LINK, {"email": f"person{number}@example.com"}).status_code
        for number in range(3)
    ]
    elsewhere = client.post(NEW_LINK, {"email": "person9@example.com"}, REMOTE_ADDR="10.0.0.9")

    assert statuses == [200, 200, 429]
    assert elsewhere.status_code == 200


def test_a_refused_request_for_a_new_link_is_the_same_for_a_guest_and_a_stranger(
    client, settings, guest, space, mailoutbox, one_rate_limit_window, monkeypatch
):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "magic-link-email": (0, 60)}
    follow(client, _used(guest, space))
    # The wait the page names is counted in whole seconds: the clock stands still so that
    # the two answers are not a second apart.
    now = time.time()
    monkeypatch.setattr(time, "time", lambda: now)

    answers = [
        without_csrf_token(client.post(NEW_LINK, {"email": email})).replace(email, "EMAIL")
        for email in (guest.email, "stranger@example.com")
    ]

    assert answers[0] == answers[1]
    assert mailoutbox == []


def test_a_new_link_is_asked_for_by_post_only(client, guest, space):
    follow(client, _used(guest, space))
    assert client.get(NEW_LINK).status_code == 405


# Methods the environment allows ---------------------------------------------------------------


def test_magic_links_turned_off_answer_a_refusal(client, environment, guest, space):
    token = invitation(guest, space)
    environment.guest_authentication = [GuestAuthentication.SHARED_LINK]
    environment.save()

    follow(client, token)
    for response in (client.get(CONFIRM), client.post(CONFIRM), client.post(NEW_LINK)):
        assert response.status_code == 403
        assert "Email links are turned off" in response.content.decode()

    assert MagicLink.objects.get().used_at is None
    assert sessions.GUEST_ID_KEY not in client.session


def test_a_used_link_where_magic_links_are_off_answers_the_refusal(
    client, environment, guest, space
):
    token = _used(guest, space)
    environment.guest_authentication = [GuestAuthentication.SHARED_LINK]
    environment.save()

    follow(client, token)
    response = client.get(CONFIRM)

    assert response.status_code == 403
    assert "Email me a new link" not in response.content.decode()
