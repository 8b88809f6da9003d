"""Races, with real transactions and threads on PostgreSQL (under SQLite or a test-case
transaction they could not fail, so they are PostgreSQL-only)."""

import pytest

from accounts.models import GuestAuthentication
from guests import services
from guests.models import Guest, MagicLink, SharedLink, SpaceGrant
from tests.accounts.test_races import run_together
from tests.factories import SpaceFactory, administrator_of, development, make_account
from tests.guests.conftest import confirmation_token_in, make_guest

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def world():
    account = make_account(email="owner@example.com")
    environment = development(account)
    environment.guest_authentication = [
        GuestAuthentication.MAGIC_LINK,
        GuestAuthentication.SHARED_LINK,
    ]
    environment.save()
    space = SpaceFactory(environment=environment)
    return account, environment, space


def test_a_magic_link_spent_twice_at_the_same_moment_signs_in_once(world):
    account, environment, space = world
    guest = make_guest(environment, spaces=[space])
    _, token = services.magic_link_create(
        guest=guest,
        space=space,
        purpose=MagicLink.Purpose.INVITATION,
        actor=administrator_of(account),
    )

    outcomes = run_together(*[lambda: services.magic_link_spend(token=token)] * 2)

    assert sorted(kind for kind, _ in outcomes) == ["ok", "refused"]
    assert MagicLink.objects.get().used_at is not None
    (grant,) = [value for kind, value in outcomes if kind == "ok"]
    assert grant.guest_id == guest.id


def test_a_magic_link_spent_by_four_at_once_signs_in_once(world):
    account, environment, space = world
    guest = make_guest(environment, spaces=[space])
    _, token = services.magic_link_create(
        guest=guest, space=space, purpose=MagicLink.Purpose.SIGN_IN, actor=guest
    )

    outcomes = run_together(*[lambda: services.magic_link_spend(token=token)] * 4)

    assert sorted(kind for kind, _ in outcomes) == ["ok", "refused", "refused", "refused"]


def test_the_same_email_added_twice_at_once_is_one_guest_with_both_spaces(world):
    account, environment, space = world
    other = SpaceFactory(environment=environment)

    outcomes = run_together(
        lambda: make_guest(environment, email="twin@example.com", spaces=[space]),
        lambda: make_guest(environment, email="Twin@example.com", spaces=[other]),
    )

    assert [kind for kind, _ in outcomes] == ["ok", "ok"]
    guest = Guest.objects.get()
    assert set(SpaceGrant.objects.filter(guest=guest).values_list("space_id", flat=True)) == {
        space.id,
        other.id,
    }


def ask_to_join(token: str, email: str, mailoutbox) -> str:
    """The join form of a shared link, through its service: the confirmation token mailed
    (the transaction is real here, so the mail goes out as it commits)."""
    services.shared_link_join_request(token=token, name=email.split("@")[0], email=email)
    assert mailoutbox[-1].to == [email]
    return confirmation_token_in(mailoutbox[-1])


def test_a_shared_link_confirmed_by_two_people_at_once_makes_two_guests(world, mailoutbox):
    account, environment, space = world
    _, token = services.shared_link_regenerate(space=space, actor=administrator_of(account))
    ann = ask_to_join(token, "ann@example.com", mailoutbox)
    ben = ask_to_join(token, "ben@example.com", mailoutbox)

    outcomes = run_together(
        lambda: services.shared_link_join_confirm(token=ann),
        lambda: services.shared_link_join_confirm(token=ben),
    )

    assert [kind for kind, _ in outcomes] == ["ok", "ok"]
    assert sorted(Guest.objects.values_list("email", flat=True)) == [
        "ann@example.com",
        "ben@example.com",
    ]


def test_a_join_confirmation_spent_twice_at_once_signs_in_once(world, mailoutbox):
    account, environment, space = world
    _, token = services.shared_link_regenerate(space=space, actor=administrator_of(account))
    once = ask_to_join(token, "ann@example.com", mailoutbox)

    outcomes = run_together(*[lambda: services.shared_link_join_confirm(token=once)] * 2)

    assert sorted(kind for kind, _ in outcomes) == ["ok", "refused"]
    assert Guest.objects.count() == 1


def test_two_first_regenerations_at_once_leave_one_shared_link(world):
    account, environment, space = world
    admin = administrator_of(account)

    outcomes = run_together(
        *[lambda: services.shared_link_regenerate(space=space, actor=admin)] * 2
    )

    assert [kind for kind, _ in outcomes] == ["ok", "ok"]
    link = SharedLink.objects.get()
    # The later regeneration's token is the one that works; the earlier one's does not.
    tokens = [value[1] for _, value in outcomes]
    assert link.token in tokens


def test_two_guests_taking_one_email_at_once_leave_it_to_one(world):
    account, environment, space = world
    first = make_guest(environment, email="first@example.com")
    second = make_guest(environment, email="second@example.com")

    outcomes = run_together(
        lambda: services.guest_update(guest=first, actor=None, email="wanted@example.com"),
        lambda: services.guest_update(guest=second, actor=None, email="wanted@example.com"),
    )

    assert sorted(kind for kind, _ in outcomes) == ["ok", "refused"]
    assert Guest.objects.filter(email="wanted@example.com").count() == 1


def test_one_new_email_confirmed_twice_at_once_is_one_guest(world, mailoutbox):
    account, environment, space = world
    _, token = services.shared_link_regenerate(space=space, actor=administrator_of(account))
    # Asked twice, and both mails opened by the email's owner (two tabs) at the same moment.
    first, second = (ask_to_join(token, "ann@example.com", mailoutbox) for _ in range(2))

    outcomes = run_together(
        lambda: services.shared_link_join_confirm(token=first),
        lambda: services.shared_link_join_confirm(token=second),
    )

    assert [kind for kind, _ in outcomes] == ["ok", "ok"]
    assert Guest.objects.count() == 1
    assert SpaceGrant.objects.count() == 1
    assert {grant.guest_id for _, grant in outcomes} == {Guest.objects.get().id}


def test_one_space_granted_twice_at_once_is_one_grant(world):
    account, environment, space = world
    guest = make_guest(environment, email="twice@example.com")

    outcomes = run_together(
        *[lambda: make_guest(environment, email="twice@example.com", spaces=[space])] * 2
    )

    assert [kind for kind, _ in outcomes] == ["ok", "ok"]
    assert SpaceGrant.objects.filter(guest=guest).count() == 1


def test_one_confirmation_page_posted_twice_at_once_signs_in_once(world):
    # Through the view: two browsers holding the same link (the guest's, and a scanner's
    # that posts) press "Continue" at the same moment.
    from django.test import Client
    from django.urls import reverse

    from guests import links, sessions

    account, environment, space = world
    guest = make_guest(environment, spaces=[space])
    _, token = services.magic_link_create(
        guest=guest,
        space=space,
        purpose=MagicLink.Purpose.INVITATION,
        actor=administrator_of(account),
    )
    browsers = [Client(), Client()]
    for browser in browsers:
        browser.get(links.magic_link_url(token).removeprefix("http://testserver"))
    confirm = reverse("guests:magic-link-confirm")

    outcomes = run_together(*[lambda each=browser: each.post(confirm) for browser in browsers])

    assert sorted(response.status_code for _, response in outcomes) == [302, 404]
    signed_in = [browser for browser in browsers if sessions.GUEST_ID_KEY in browser.session]
    assert len(signed_in) == 1
    assert signed_in[0].session[sessions.GUEST_ID_KEY] == guest.id
    assert MagicLink.objects.get().used_at is not None
