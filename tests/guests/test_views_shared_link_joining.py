"""Joining a space by its shared link, through the test client: nothing changes until the
email's owner confirms from its inbox, the form answers the same for a guest's email and a
stranger's, and joining is rate limited."""

from accounts.models import Event
from guests import sessions
from guests.models import Guest, SpaceGrant
from tests.guests.conftest import confirmation_link_in, make_guest
from tests.guests.guest_page_helpers import (
    HOME,
    INVALID,
    JOIN,
    JOIN_CONFIRM,
    NEW_LINK,
    SENT,
    _used,
    confirm_from_mail,
    follow,
    follow_shared,
    shared_token,
    sign_in,
    space_page,
    without_csrf_token,
)


def join(client, *, name="Ann", email="ann@example.com", **extra):
    return client.post(JOIN, {"name": name, "email": email}, **extra)


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
