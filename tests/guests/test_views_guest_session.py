"""The guest session through the test client: how signing in starts it, how it ends and is
renewed, what a deleted or removed guest meets on the next request, what a guest session may
reach (never an administrator's page), and that no guest page is kept by a cache."""

import secrets
from datetime import timedelta

import pytest
from django.urls import reverse

from accounts.models import GuestAuthentication
from guests import services, sessions
from guests.models import Guest, SpaceGrant
from tests.factories import DEFAULT_PASSWORD, SpaceFactory, production
from tests.guests.conftest import make_guest
from tests.guests.guest_page_helpers import (
    CONFIRM,
    ENDED,
    HOME,
    JOIN,
    follow,
    follow_shared,
    invitation,
    invite,
    later,
    shared_token,
    sign_in,
    space_page,
)

SIGN_OUT = reverse("guests:guest-sign-out")


# The guest session ----------------------------------------------------------------------------


def test_signing_in_starts_a_new_session_and_signs_an_administrator_out(admin_client, guest, space):
    admin_client.get("/")
    key_before = admin_client.session.session_key

    sign_in(admin_client, guest, space)

    assert admin_client.session.session_key != key_before
    assert "_auth_user_id" not in admin_client.session
    assert admin_client.get("/").status_code == 404
    assert admin_client.get(space_page(space.id)).status_code == 200


def test_an_administrator_signing_in_ends_the_guest_session(client, guest, space, admin_user):
    sign_in(client, guest, space)

    response = client.post("/login/", {"username": admin_user.email, "password": DEFAULT_PASSWORD})

    assert response.status_code == 302
    assert sessions.GUEST_ID_KEY not in client.session
    assert client.session.get_expiry_age() > 3600  # an administrator's session again
    assert client.get(space_page(space.id)).status_code == 403
    assert client.get("/").status_code == 302  # to their environment


def test_a_session_over_an_hour_old_is_refused(client, guest, space, monkeypatch):
    sign_in(client, guest, space)

    later(monkeypatch, timedelta(minutes=61))
    response = client.get(space_page(space.id))

    assert response.status_code == 403
    assert ENDED in response.content.decode()


def test_a_session_whose_last_activity_is_over_an_hour_ago_is_ended(client, guest, space):
    # The session store would still keep it (its own expiry moved on); the guest's last
    # activity, kept in the session, decides.
    sign_in(client, guest, space)
    session = client.session
    session[sessions.ACTIVE_AT_KEY] -= 3601
    session.save()

    response = client.get(space_page(space.id))

    assert response.status_code == 403
    assert sessions.GUEST_ID_KEY not in client.session
    assert client.get("/").status_code == 302  # no longer a guest: an ordinary visitor


def test_the_session_is_renewed_while_the_guest_is_active(client, guest, space, monkeypatch):
    sign_in(client, guest, space)

    for minutes in (50, 100, 150):
        later(monkeypatch, timedelta(minutes=minutes))
        assert client.get(space_page(space.id)).status_code == 200

    later(monkeypatch, timedelta(minutes=150 + 61))
    assert client.get(space_page(space.id)).status_code == 403


def test_a_session_is_written_again_at_most_once_a_minute(client, guest, space, monkeypatch):
    sign_in(client, guest, space)
    active_at = client.session[sessions.ACTIVE_AT_KEY]

    later(monkeypatch, timedelta(seconds=30))
    client.get(space_page(space.id))
    assert client.session[sessions.ACTIVE_AT_KEY] == active_at

    later(monkeypatch, timedelta(seconds=61))
    client.get(space_page(space.id))
    assert client.session[sessions.ACTIVE_AT_KEY] == pytest.approx(active_at + 61, abs=5)


def test_a_deleted_guest_is_refused_on_the_next_request(client, guest, space):
    sign_in(client, guest, space)

    services.guest_delete(guest=guest, actor=None)
    response = client.get(space_page(space.id))

    assert response.status_code == 403
    assert ENDED in response.content.decode()
    assert sessions.GUEST_ID_KEY not in client.session
    assert client.get(HOME).status_code == 403


def test_a_deleted_guest_is_refused_on_invite_too(client, guest, space, mailoutbox):
    sign_in(client, guest, space)
    services.guest_delete(guest=guest, actor=None)

    response = invite(client, space, name="Nina", email="nina@example.com")

    assert response.status_code == 403
    assert ENDED in response.content.decode()
    assert not Guest.objects.filter(email="nina@example.com").exists()
    assert mailoutbox == []


def test_a_guest_recreated_with_the_same_email_starts_with_nothing(client, guest, space):
    sign_in(client, guest, space)
    services.guest_delete(guest=guest, actor=None)
    again = make_guest(space.environment, email=guest.email, spaces=[])

    assert client.get(space_page(space.id)).status_code == 403
    assert again.id != guest.id
    assert not SpaceGrant.objects.filter(guest=again).exists()


def test_a_guest_removed_from_a_space_is_refused_there_on_the_next_request(
    client, guest, space, other_space
):
    sign_in(client, guest, space)

    services.guest_remove_from_space(guest=guest, space=space, actor=None)

    assert client.get(space_page(space.id)).status_code == 404
    assert client.get(space_page(other_space.id)).status_code == 200
    assert client.get(HOME)["Location"] == space_page(other_space.id)


def test_a_guest_with_no_spaces_left_is_told_so(client, guest, space, other_space):
    sign_in(client, guest, space)
    for each in (space, other_space):
        services.guest_remove_from_space(guest=guest, space=each, actor=None)

    response = client.get(HOME)

    assert response.status_code == 200
    assert "No spaces to open" in response.content.decode()


def test_signing_out_ends_the_session(client, guest, space):
    sign_in(client, guest, space)

    response = client.post(SIGN_OUT)

    assert response.status_code == 302
    assert client.get(response["Location"]).status_code == 200
    assert sessions.GUEST_ID_KEY not in client.session
    assert client.get(space_page(space.id)).status_code == 403
    assert client.get(SIGN_OUT).status_code == 405


def test_without_a_guest_session_the_guest_pages_say_so(client, space):
    for response in (
        client.get(HOME),
        client.get(space_page(space.id)),
        client.post(f"{space_page(space.id)}invite/", {"name": "A", "email": "a@example.com"}),
    ):
        assert response.status_code == 403
        assert ENDED in response.content.decode()


# What a guest may reach -----------------------------------------------------------------------


def test_a_space_the_guest_is_not_granted_is_404(client, guest, space, environment, account):
    sign_in(client, guest, space)
    ungranted = SpaceFactory(environment=environment, name="Secret plans")
    elsewhere = SpaceFactory(environment=production(account), name="Production space")
    someone_elses = make_guest(environment, email="else@example.com", spaces=[ungranted])

    for space_id in (ungranted.id, elsewhere.id, "us_sp_unknown", someone_elses.id):
        response = client.get(space_page(space_id))
        assert response.status_code == 404
        assert "Secret plans" not in response.content.decode()
        invite = client.post(
            f"{space_page(space_id)}invite/", {"name": "A", "email": "a@example.com"}
        )
        assert invite.status_code == 404

    assert not Guest.objects.filter(email="a@example.com").exists()


def test_a_guest_of_another_environment_never_sees_this_one(client, account, space):
    elsewhere = production(account)
    elsewhere.guest_authentication = [GuestAuthentication.MAGIC_LINK]
    elsewhere.save()
    their_space = SpaceFactory(environment=elsewhere)
    outsider = make_guest(elsewhere, email="guest@example.com", spaces=[their_space])

    sign_in(client, outsider, their_space)

    assert client.get(space_page(space.id)).status_code == 404


ADMINISTRATOR_PAGES = [
    "/",
    "/environments/",
    "/environments/{environment}/",
    "/environments/{environment}/settings/",
    "/environments/{environment}/api-keys/",
    "/spaces/",
    "/spaces/{space}/",
    "/team/",
    "/logs/",
    "/profile/",
    "/profile/password/",
    "/personal-access-tokens/",
    "/settings/personal-tokens/",
    "/admin/",
    "/admin/login/",
    "/no-such-page/",
]


@pytest.mark.parametrize("path", ADMINISTRATOR_PAGES)
def test_a_guest_session_reaches_no_administrator_page(client, guest, space, environment, path):
    path = path.format(environment=environment.id, space=space.id)
    assert client.get(path).status_code in (302, 404)  # signed out: the sign-in page, or none

    sign_in(client, guest, space)

    assert client.get(path).status_code == 404
    assert client.post(path).status_code == 404


def test_a_guest_session_leaves_the_open_pages_alone(client, guest, space):
    sign_in(client, guest, space)

    assert client.get("/login/").status_code == 200
    assert client.get("/password-reset/").status_code == 200
    assert client.get("/healthz").status_code == 200
    assert client.get("/v1/spaces").status_code == 401  # the API asks for its bearer token


def test_a_guest_session_does_not_sign_anyone_in(client, guest, space):
    sign_in(client, guest, space)
    response = client.get(space_page(space.id))
    assert not response.wsgi_request.user.is_authenticated


# Caching --------------------------------------------------------------------------------------


def test_every_guest_page_is_no_store(client, guest, space):
    token = invitation(guest, space)
    responses = [follow(client, token), client.get(CONFIRM), client.post(CONFIRM)]
    responses += [
        client.get(space_page(space.id)),
        client.get(HOME),
        client.post(reverse("guests:guest-space-invite", args=[space.id]), {}),
        client.post(SIGN_OUT),
        client.get(reverse("guests:guest-signed-out")),
        client.get(CONFIRM),
        client.get(space_page(space.id)),
        follow_shared(client, shared_token(space)),
        client.get(JOIN),
    ]

    for response in responses:
        assert "no-store" in response["Cache-Control"], response.wsgi_request.path


def test_a_malformed_token_is_dropped_without_a_query(db, client, django_assert_num_queries):
    token = secrets.token_urlsafe(30)
    with django_assert_num_queries(0):
        follow(client, token)
