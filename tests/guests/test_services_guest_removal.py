"""The guest services that take access away (guest_remove_from_space, guest_delete): what
ends with it, and a deletion's queries, as many for a thousand grants as for one."""

import secrets
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import Event, Space, Workbook
from guests import services
from guests.models import Guest, MagicLink, SpaceGrant, WorkbookGrant
from tests.factories import SpaceFactory, administrator_of
from tests.guests.conftest import make_guest
from tests.guests.service_helpers import grants_of, invitation
from tokens.verification import verify

# guest_remove_from_space ----------------------------------------------------------------------


def test_removal_from_one_space_revokes_that_space_only(guest, space, other_space, workbooks):
    services.guest_update(
        guest=guest,
        actor=None,
        spaces=[{"space": space, "workbooks": workbooks}, {"space": other_space}],
    )
    removed_link, removed_token = invitation(guest, space)
    kept_link, kept_token = invitation(guest, other_space)
    services.guest_remove_from_space(guest=guest, space=space, actor=None)
    assert grants_of(guest) == {other_space.id: None}
    removed_link.refresh_from_db()
    assert removed_link.revoked_at is not None
    with pytest.raises(ValidationError):
        services.magic_link_spend(token=removed_token)
    assert services.magic_link_spend(token=kept_token).space_id == other_space.id
    event = Event.objects.get(topic="guest:space-removed")
    assert event.space_id == space.id
    assert event.payload == {"guestId": guest.id, "email": guest.email}


def test_removal_from_a_space_the_guest_lacks_is_refused(environment, guest):
    elsewhere = SpaceFactory(environment=environment)
    with pytest.raises(ValidationError) as refused:
        services.guest_remove_from_space(guest=guest, space=elsewhere, actor=None)
    assert refused.value.message_dict == {"space_id": [services.NO_ACCESS]}


# guest_delete ------------------------------------------------------------------------------------


def test_deleting_a_guest_ends_every_connection_link_and_token(
    environment, guest, space, other_space, workbooks
):
    services.guest_update(
        guest=guest,
        actor=None,
        spaces=[{"space": space, "workbooks": workbooks[:1]}, {"space": other_space}],
    )
    _, token = invitation(guest, space)
    used_link, _ = invitation(guest, other_space)
    access_token, _ = services.guest_access_token_create(guest=guest)
    assert verify(access_token) is not None
    admin = administrator_of(environment.account)
    guest_id = guest.id

    services.guest_delete(guest=guest, actor=admin)

    assert not Guest.objects.filter(pk=guest_id).exists()
    assert not SpaceGrant.objects.exists()
    assert not WorkbookGrant.objects.exists()
    assert not MagicLink.objects.exists()
    with pytest.raises(ValidationError):
        services.magic_link_spend(token=token)
    assert verify(access_token) is None
    event = Event.objects.get(topic="guest:deleted")
    assert event.actor_id == admin.id
    assert event.payload == {
        "guestId": guest_id,
        "email": "guest@example.com",
        "name": "Mr. Guest",
        "spaceIds": sorted([space.id, other_space.id]),
    }


def test_a_guest_recreated_with_the_same_email_starts_with_nothing(environment, guest):
    old_id = guest.id
    services.guest_delete(guest=guest, actor=None)
    again = make_guest(environment, email="guest@example.com")
    assert again.id != old_id
    assert grants_of(again) == {}


def grant_many(guest, count: int) -> None:
    """`count` spaces of the guest's environment granted, a workbook of each too, and an
    outstanding link for each: made in bulk, since what is measured is the deletion."""
    spaces = Space.objects.bulk_create(
        [Space(environment=guest.environment, name=f"Space {n}") for n in range(count)]
    )
    workbooks = Workbook.objects.bulk_create([Workbook(space=space, name="W") for space in spaces])
    SpaceGrant.objects.bulk_create(
        [SpaceGrant(guest=guest, space=space, all_workbooks=False) for space in spaces]
    )
    WorkbookGrant.objects.bulk_create(
        [WorkbookGrant(guest=guest, space=w.space, workbook=w) for w in workbooks]
    )
    MagicLink.objects.bulk_create(
        [
            MagicLink(
                guest=guest,
                space=space,
                purpose=MagicLink.Purpose.INVITATION,
                token_digest=secrets.token_hex(32),
                last_four="abcd",
                expires_at=timezone.now() + timedelta(hours=1),
            )
            for space in spaces
        ]
    )


def deletion_queries(guest) -> list[str]:
    guest = Guest.objects.select_related("environment__account").get(pk=guest.pk)
    with CaptureQueriesContext(connection) as captured:
        services.guest_delete(guest=guest, actor=None)
    return [query["sql"] for query in captured.captured_queries]


# A savepoint; the grants' space ids (for the event); the event; one DELETE each for space
# grants, workbook grants, magic links and the guest, never reading their rows; the release.
DELETION_QUERIES = 8


def test_deleting_a_guest_with_a_thousand_grants_takes_as_many_queries_as_with_one(environment):
    one = make_guest(environment, email="one@example.com")
    grant_many(one, 1)
    many = make_guest(environment, email="many@example.com")
    grant_many(many, 1000)
    assert SpaceGrant.objects.filter(guest=many).count() == 1000

    with_one = deletion_queries(one)
    with_many = deletion_queries(many)

    assert len(with_one) == len(with_many) == DELETION_QUERIES, with_many
    assert not SpaceGrant.objects.exists()
    assert not WorkbookGrant.objects.exists()
    assert not MagicLink.objects.exists()
    assert (
        len(Event.objects.get(topic="guest:deleted", payload__guestId=many.id).payload["spaceIds"])
        == 1000
    )
