"""The guest's own pages, through the test client: following links (a GET never spends one),
confirming, asking for a new link, shared links, the guest session, the space page and
what a guest session may never reach."""

import re
import secrets
import time
from datetime import UTC, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from accounts.models import Event, GuestAuthentication
from guests import links, services, sessions
from guests.models import Guest, MagicLink, SharedLink, SpaceGrant, WorkbookGrant
from tests.factories import (
    DEFAULT_PASSWORD,
    SpaceFactory,
    WorkbookFactory,
    administrator_of,
    production,
)
from tests.guests.conftest import confirmation_link_in, make_guest, token_in

CONFIRM = reverse("guests:magic-link-confirm")
NEW_LINK = reverse("guests:magic-link-request")
JOIN = reverse("guests:shared-link-join")
SENT = reverse("guests:shared-link-sent")
JOIN_CONFIRM = reverse("guests:shared-link-confirm")
HOME = reverse("guests:guest-home")
SIGN_OUT = reverse("guests:guest-sign-out")
INVALID = "This link can't be used"
ENDED = "You're not signed in"


def invitation(guest, space) -> str:
    _, token = services.magic_link_create(
        guest=guest,
        space=space,
        purpose=MagicLink.Purpose.INVITATION,
        actor=administrator_of(guest.environment.account),
    )
    return token


def follow(client, token: str):
    return client.get(links.magic_link_url(token).removeprefix("http://testserver"))


def space_page(space_id: str) -> str:
    return reverse("guests:guest-space", args=[space_id])


def sign_in(client, guest, space):
    """Through the mailed link, as the guest does: follow it, then confirm."""
    follow(client, invitation(guest, space))
    response = client.post(CONFIRM)
    assert response.status_code == 302, response.content
    return response


def unknown_token(prefix=links.MAGIC_LINK) -> str:
    return links.generate(prefix)


def without_csrf_token(response) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", response.content.decode())


def shared_token(space, admin=None) -> str:
    _, token = services.shared_link_regenerate(
        space=space, actor=admin or administrator_of(space.environment.account)
    )
    return token


def follow_shared(client, token: str):
    return client.get(reverse("guests:shared-link", args=[token]))


def join(client, *, name="Ann", email="ann@example.com", **extra):
    return client.post(JOIN, {"name": name, "email": email}, **extra)


def confirm_from_mail(browser, mail):
    """Open the mailed confirmation link, as the email's owner does, and confirm."""
    response = browser.get(confirmation_link_in(mail).removeprefix("http://testserver"))
    assert response.status_code == 302
    assert response["Location"] == JOIN_CONFIRM
    page = browser.get(JOIN_CONFIRM)
    assert page.status_code == 200, page.content
    return browser.post(JOIN_CONFIRM)


def later(monkeypatch, delta: timedelta):
    """The clock, `delta` from the real now (not from an earlier patched moment)."""
    moment = datetime.now(UTC) + delta
    monkeypatch.setattr(timezone, "now", lambda: moment)


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


def _used(guest, space):
    token = invitation(guest, space)
    services.magic_link_spend(token=token)
    return token


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


# Joining by a shared link: nothing changes until the email's owner confirms from its inbox ----


def test_a_new_email_on_a_shared_link_is_no_guest_until_confirmed_from_its_inbox(
    client, space, mailoutbox, django_capture_on_commit_callbacks
):
    follow_shared(client, shared_token(space))

    with django_capture_on_commit_callbacks(execute=True):
        response = join(client, email="Ann@Example.com")

    assert response.status_code == 302
    assert response["Location"] == SENT
    assert not Guest.objects.exists()
    assert sessions.GUEST_ID_KEY not in client.session
    page = client.get(SENT).content.decode()
    assert "Check your email" in page
    assert "ann@example.com" in page
    # Every page of the join names the account, as the guest's pages do.
    account_name = space.environment.account.name
    assert account_name in page
    assert account_name in client.get(JOIN).content.decode()
    (mail,) = mailoutbox
    assert mail.to == ["ann@example.com"]
    assert "Onboarding" in mail.subject

    for _ in range(2):  # opening the mailed link spends nothing: mail scanners open links
        client.get(confirmation_link_in(mail).removeprefix("http://testserver"))
        assert client.get(JOIN_CONFIRM).status_code == 200
    assert not Guest.objects.exists()

    response = confirm_from_mail(client, mail)

    assert response.status_code == 302
    assert response["Location"] == space_page(space.id)
    ann = Guest.objects.get(email="ann@example.com")
    assert ann.name == "Ann"
    assert SpaceGrant.objects.get(guest=ann).via == SpaceGrant.Via.SHARED_LINK
    assert client.session[sessions.GUEST_ID_KEY] == ann.id
    assert client.get(space_page(space.id)).status_code == 200
    assert Event.objects.get(topic="shared-link:redeemed").payload["newGuest"] is True


def test_a_confirmation_link_works_once(
    client, space, mailoutbox, django_capture_on_commit_callbacks
):
    from django.test import Client

    follow_shared(client, shared_token(space))
    with django_capture_on_commit_callbacks(execute=True):
        join(client)
    assert confirm_from_mail(client, mailoutbox[0]).status_code == 302

    elsewhere = Client()
    elsewhere.get(confirmation_link_in(mailoutbox[0]).removeprefix("http://testserver"))
    for response in (elsewhere.get(JOIN_CONFIRM), elsewhere.post(JOIN_CONFIRM)):
        assert response.status_code == 404
        assert INVALID in response.content.decode()
    assert sessions.GUEST_ID_KEY not in elsewhere.session
    assert Guest.objects.count() == 1


def test_an_existing_guests_email_changes_nothing_until_they_confirm_from_their_inbox(
    client, environment, space, other_space, mailoutbox, django_capture_on_commit_callbacks
):
    from django.test import Client

    gail = make_guest(environment, email="gail@example.com", name="Gail", spaces=[other_space])
    follow_shared(client, shared_token(space))

    with django_capture_on_commit_callbacks(execute=True):
        response = join(client, name="Impostor", email="gail@example.com")

    assert response.status_code == 302
    assert response["Location"] == SENT
    assert not SpaceGrant.objects.filter(guest=gail, space=space).exists()
    assert sessions.GUEST_ID_KEY not in client.session
    (mail,) = mailoutbox
    assert mail.to == ["gail@example.com"]

    gails_browser = Client()
    response = confirm_from_mail(gails_browser, mail)

    assert response.status_code == 302
    assert response["Location"] == space_page(space.id)
    assert SpaceGrant.objects.get(guest=gail, space=space).via == SpaceGrant.Via.SHARED_LINK
    assert gails_browser.session[sessions.GUEST_ID_KEY] == gail.id
    assert Guest.objects.get(pk=gail.pk).name == "Gail"  # the name typed changes nothing
    assert Guest.objects.count() == 1
    assert sessions.GUEST_ID_KEY not in client.session  # the browser that typed it: never
    assert Event.objects.get(topic="shared-link:redeemed").payload["newGuest"] is False


def test_the_join_form_answers_the_same_for_a_guests_email_and_a_strangers(
    environment, space, other_space
):
    from django.test import Client

    make_guest(environment, email="gail@example.com", spaces=[other_space])
    token = shared_token(space)
    answers = []
    for email in ("gail@example.com", "stranger@example.com"):
        browser = Client()
        follow_shared(browser, token)
        posted = join(browser, email=email)
        page = browser.get(posted["Location"])
        answers.append(
            (
                posted.status_code,
                posted["Location"],
                page.status_code,
                without_csrf_token(page).replace(email, "EMAIL"),
            )
        )

    assert answers[0] == answers[1]


def test_joining_is_limited_per_client_address(
    settings, space, mailoutbox, one_rate_limit_window, django_capture_on_commit_callbacks
):
    from django.test import Client

    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "shared-link-address": (3, 60)}
    token = shared_token(space)

    def attempt(number: int, address: str):
        browser = Client(REMOTE_ADDR=address)
        follow_shared(browser, token)
        return join(browser, email=f"person{number}@example.com")

    with django_capture_on_commit_callbacks(execute=True):
        answers = [attempt(number, "10.0.0.1") for number in range(4)]
        elsewhere = attempt(9, "10.0.0.2")

    assert [answer.status_code for answer in answers] == [302, 302, 302, 429]
    refused = answers[-1]
    assert "Too many attempts, try again in" in refused.content.decode()
    assert int(refused["Retry-After"]) > 0
    assert elsewhere.status_code == 302
    assert sorted(mail.to[0] for mail in mailoutbox) == [
        "person0@example.com",
        "person1@example.com",
        "person2@example.com",
        "person9@example.com",
    ]
    assert not Guest.objects.exists()


def test_joining_is_limited_per_shared_link(
    settings, space, other_space, mailoutbox, one_rate_limit_window
):
    from django.test import Client

    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "shared-link": (3, 60)}
    tokens = {space.id: shared_token(space), other_space.id: shared_token(other_space)}

    def attempt(space_id: str, number: int):
        browser = Client(REMOTE_ADDR=f"10.0.1.{number}")
        follow_shared(browser, tokens[space_id])
        return join(browser, email=f"person{number}@example.com").status_code

    assert [attempt(space.id, number) for number in range(4)] == [302, 302, 302, 429]
    assert attempt(other_space.id, 9) == 302


def test_join_mails_to_one_email_count_against_the_new_link_limit(
    client,
    settings,
    environment,
    space,
    other_space,
    mailoutbox,
    one_rate_limit_window,
    django_capture_on_commit_callbacks,
):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "magic-link-email": (5, 60)}
    gail = make_guest(environment, email="gail@example.com", name="Gail", spaces=[other_space])
    follow(client, _used(gail, other_space))
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(NEW_LINK, {"email": gail.email}).status_code == 200  # one of five
    follow_shared(client, shared_token(space))

    with django_capture_on_commit_callbacks(execute=True):
        statuses = [
            join(client, name="Impostor", email="Gail@Example.com").status_code for _ in range(10)
        ]

    assert statuses == [302] * 4 + [429] * 6
    assert len(mailoutbox) == 5
    assert {mail.to[0] for mail in mailoutbox} == {"gail@example.com"}
    assert not SpaceGrant.objects.filter(guest=gail, space=space).exists()


def test_back_after_joining_lands_in_the_space_not_on_a_dead_link(
    client, space, mailoutbox, django_capture_on_commit_callbacks
):
    follow_shared(client, shared_token(space))
    with django_capture_on_commit_callbacks(execute=True):
        join(client)
    assert confirm_from_mail(client, mailoutbox[0]).status_code == 302

    # Back, through every page the join went through: the session holds the guest now.
    for page in (JOIN_CONFIRM, SENT, JOIN):
        response = client.get(page)
        assert response.status_code == 302, page
        assert response["Location"] == HOME


def test_a_signed_in_guest_sent_back_to_the_join_page_goes_to_their_space(client, guest, space):
    sign_in(client, guest, space)

    response = client.get(JOIN)

    assert response.status_code == 302
    assert response["Location"] == HOME
    assert client.get(HOME)["Location"] == space_page(space.id)


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


# The space page -------------------------------------------------------------------------------


def test_the_space_page_shows_the_space_the_spaces_and_the_workbooks(
    client, guest, space, other_space, workbooks
):
    sign_in(client, guest, space)

    content = client.get(space_page(space.id)).content.decode()

    assert "<h1>Onboarding</h1>" in content
    assert 'data-testid="space-switcher"' in content
    assert f'href="{space_page(other_space.id)}"' in content
    assert "Contacts" in content and "Deals" in content
    assert guest.name in content and guest.email in content
    assert "Sign out" in content
    # None of the administrators' navigation.
    assert "API Keys" not in content and "Team" not in content and "Logs" not in content


def test_the_switcher_is_shown_only_with_more_than_one_space(client, environment, space):
    single = make_guest(environment, email="single@example.com", spaces=[space])
    sign_in(client, single, space)

    assert 'data-testid="space-switcher"' not in client.get(space_page(space.id)).content.decode()


def test_a_limited_grant_shows_only_its_workbooks(client, environment, space, workbooks):
    contacts, deals = workbooks
    limited = make_guest(environment, email="limited@example.com", spaces=[(space, [deals])])
    sign_in(client, limited, space)

    content = client.get(space_page(space.id)).content.decode()

    assert "Deals" in content
    assert "Contacts" not in content


def test_the_space_page_notes_when_the_guest_opened_it_at_most_once_a_minute(
    client, guest, space, monkeypatch
):
    sign_in(client, guest, space)
    grant = SpaceGrant.objects.get(guest=guest, space=space)
    signed_in_at = grant.last_accessed_at

    later(monkeypatch, timedelta(seconds=30))
    client.get(space_page(space.id))
    assert SpaceGrant.objects.get(pk=grant.pk).last_accessed_at == signed_in_at

    later(monkeypatch, timedelta(seconds=90))
    client.get(space_page(space.id))
    assert SpaceGrant.objects.get(pk=grant.pk).last_accessed_at == timezone.now()


def test_home_opens_the_space_opened_last(client, guest, space, other_space):
    sign_in(client, guest, space)
    SpaceGrant.objects.filter(guest=guest, space=other_space).update(
        last_accessed_at=timezone.now() + timedelta(minutes=1)
    )

    assert client.get(HOME)["Location"] == space_page(other_space.id)


def _grow(environment, guest, spaces: int, workbooks_each: int):
    """More spaces, each granted to the guest (half of them limited) with workbooks, and
    other guests granted too."""
    for number in range(spaces):
        extra = SpaceFactory(environment=environment, name=f"Extra {number}")
        made = [WorkbookFactory(space=extra) for _ in range(workbooks_each)]
        services.guest_create(
            environment=environment,
            actor=None,
            email=guest.email,
            name=guest.name,
            spaces=[{"space": extra, "workbooks": made[:1] if number % 2 else None}],
        )
        make_guest(environment, email=f"other{number}@example.com", spaces=[extra])


def test_the_space_page_costs_a_fixed_number_of_queries(
    client, environment, guest, space, workbooks, django_assert_num_queries
):
    sign_in(client, guest, space)
    client.get(space_page(space.id))

    # The session, the guest's grant (joined with the guest, the space, the environment and
    # the account), the granted spaces, the visible workbooks.
    with django_assert_num_queries(4):
        small = client.get(space_page(space.id))

    _grow(environment, guest, spaces=5, workbooks_each=4)
    for _ in range(6):
        WorkbookFactory(space=space)
    with django_assert_num_queries(4):
        large = client.get(space_page(space.id))

    assert small.status_code == large.status_code == 200
    assert large.content.decode().count("Extra ") > small.content.decode().count("Extra ")


def test_opening_the_space_page_after_a_while_costs_its_writes_too(
    client, guest, space, monkeypatch, django_assert_num_queries
):
    sign_in(client, guest, space)
    later(monkeypatch, timedelta(minutes=5))

    # And: the grant's last access (a savepoint around a conditional UPDATE), the session
    # moved on (a savepoint around its UPDATE).
    with django_assert_num_queries(4 + 3 + 3):
        assert client.get(space_page(space.id)).status_code == 200


# Invite a guest -------------------------------------------------------------------------------


def invite(client, space, **data):
    return client.post(reverse("guests:guest-space-invite", args=[space.id]), data)


def test_a_guest_invites_another_to_the_space(
    client, guest, space, mailoutbox, django_capture_on_commit_callbacks
):
    sign_in(client, guest, space)

    with django_capture_on_commit_callbacks(execute=True):
        response = invite(client, space, name="Nina", email="Nina@Example.com")

    assert response.status_code == 302
    assert response["Location"] == space_page(space.id)
    shown = client.get(space_page(space.id)).content.decode()
    assert "Invitation sent to nina@example.com." in shown
    nina = Guest.objects.get(email="nina@example.com")
    grant = SpaceGrant.objects.get(guest=nina)
    assert (grant.space_id, grant.via, grant.all_workbooks) == (space.id, "guest", True)
    assert grant.granted_by_id == guest.id
    (mail,) = mailoutbox
    assert mail.to == ["nina@example.com"]
    assert "Mr. Guest invited you to Onboarding." in mail.body


def test_the_inviters_workbook_limits_carry_over(client, environment, space, workbooks):
    contacts, deals = workbooks
    limited = make_guest(environment, email="limited@example.com", spaces=[(space, [deals])])
    sign_in(client, limited, space)

    assert invite(client, space, name="Nina", email="nina@example.com").status_code == 302

    nina = Guest.objects.get(email="nina@example.com")
    assert SpaceGrant.objects.get(guest=nina).all_workbooks is False
    assert list(WorkbookGrant.objects.filter(guest=nina).values_list("workbook_id", flat=True)) == [
        deals.id
    ]


def test_inviting_is_refused_where_the_space_does_not_allow_it(
    client, guest, space, mailoutbox, django_capture_on_commit_callbacks
):
    space.guests_can_invite = False
    space.save()
    sign_in(client, guest, space)

    page = client.get(space_page(space.id)).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        forged = invite(client, space, name="Nina", email="nina@example.com")

    assert "Invite a guest" not in page
    assert forged.status_code == 403
    assert services.GUESTS_CANNOT_INVITE in forged.content.decode()
    assert not Guest.objects.filter(email="nina@example.com").exists()
    assert mailoutbox == []


def test_inviting_is_refused_where_magic_links_are_off(client, environment, guest, space):
    sign_in(client, guest, space)
    environment.guest_authentication = [GuestAuthentication.SHARED_LINK]
    environment.save()

    assert "Invite a guest" not in client.get(space_page(space.id)).content.decode()
    assert invite(client, space, name="Nina", email="nina@example.com").status_code == 403
    assert not Guest.objects.filter(email="nina@example.com").exists()


@pytest.mark.parametrize(
    ("data", "field_error"),
    [
        ({"name": "", "email": "nina@example.com"}, "Name cannot be empty."),
        ({"name": "N" * 256, "email": "nina@example.com"}, "Name must be at most 255 characters."),
        ({"name": "Nina", "email": "nina@"}, "Enter a valid email address."),
        ({}, "Enter a valid email address."),
    ],
)
def test_bad_input_on_invite_is_a_400_form_and_changes_nothing(
    client, guest, space, mailoutbox, data, field_error
):
    sign_in(client, guest, space)
    guests_before, events_before = Guest.objects.count(), Event.objects.count()

    response = invite(client, space, **data)

    assert response.status_code == 400
    content = response.content.decode()
    assert field_error in content
    assert "Invite a guest" in content and "Workbooks" in content
    assert (Guest.objects.count(), Event.objects.count()) == (guests_before, events_before)
    assert mailoutbox == []


def test_invitations_by_a_guest_are_limited(client, settings, guest, space, one_rate_limit_window):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "invitations": (1, 60)}
    sign_in(client, guest, space)

    assert invite(client, space, name="A", email="a@example.com").status_code == 302
    refused = invite(client, space, name="B", email="b@example.com")

    assert refused.status_code == 429
    assert 1 <= int(refused["Retry-After"]) <= 61
    assert "Too many invitations" in refused.content.decode()
    assert not Guest.objects.filter(email="b@example.com").exists()


def test_invite_is_post_only(client, guest, space):
    sign_in(client, guest, space)
    assert client.get(reverse("guests:guest-space-invite", args=[space.id])).status_code == 405


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
