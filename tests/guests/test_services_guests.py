"""The guest services that make and change guests (guest_create, guest_update): what they
change, what they refuse, and what they record."""

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts.models import Event
from guests import services
from guests.models import Guest, SpaceGrant
from tests.factories import SpaceFactory, administrator_of, production
from tests.guests.conftest import make_guest
from tests.guests.service_helpers import grants_of, invitation


def topics(**filters) -> list[str]:
    return list(
        Event.objects.filter(**filters).order_by("created_at", "id").values_list("topic", flat=True)
    )


# guest_create --------------------------------------------------------------------------------


def test_a_guest_is_made_with_their_spaces_and_recorded(environment, space, other_space, workbooks):
    admin = administrator_of(environment.account)
    guest = make_guest(
        environment,
        email="  Guest@Example.COM ",
        spaces=[space, (other_space, [])],
    )
    assert guest.id.startswith("us_g_")
    assert guest.email == "guest@example.com"
    assert guest.name == "Mr. Guest"
    # No workbooks, or an empty list: the whole space.
    assert grants_of(guest) == {space.id: None, other_space.id: None}
    assert set(SpaceGrant.objects.filter(guest=guest).values_list("via", flat=True)) == {
        SpaceGrant.Via.ADMINISTRATOR
    }
    assert set(SpaceGrant.objects.values_list("granted_by_id", flat=True)) == {admin.id}
    assert topics(topic__startswith="guest:") == [
        "guest:created",
        "guest:space-granted",
        "guest:space-granted",
    ]
    created = Event.objects.get(topic="guest:created")
    assert created.actor_id == admin.id
    assert created.environment_id == environment.id
    assert created.payload == {"guestId": guest.id, "email": guest.email, "name": "Mr. Guest"}
    granted = Event.objects.filter(topic="guest:space-granted", space_id=space.id).get()
    assert granted.payload["workbookIds"] is None
    assert granted.payload["via"] == "administrator"


def test_a_grant_may_be_limited_to_some_workbooks(environment, space, workbooks):
    guest = make_guest(environment, spaces=[(space, [workbooks[0]])])
    assert grants_of(guest) == {space.id: {workbooks[0].id}}
    assert SpaceGrant.objects.get(guest=guest).all_workbooks is False


def test_the_same_email_reuses_the_guest_keeping_their_name(environment, space, other_space):
    first = make_guest(environment, email="guest@example.com", name="Robert", spaces=[space])
    again = make_guest(environment, email="GUEST@example.com", name="Bob", spaces=[other_space])
    assert again.pk == first.pk
    assert again.name == "Robert"
    assert Guest.objects.count() == 1
    assert grants_of(first) == {space.id: None, other_space.id: None}
    assert topics(topic="guest:created") == ["guest:created"]


def test_granting_a_granted_space_again_takes_the_new_limits_and_keeps_the_grant(
    environment, space, workbooks
):
    guest = make_guest(environment, spaces=[space])
    grant = SpaceGrant.objects.get(guest=guest)
    SpaceGrant.objects.filter(pk=grant.pk).update(last_accessed_at=timezone.now())
    make_guest(environment, spaces=[(space, [workbooks[1]])])
    assert grants_of(guest) == {space.id: {workbooks[1].id}}
    kept = SpaceGrant.objects.get(guest=guest)
    assert kept.pk == grant.pk and kept.last_accessed_at is not None
    assert topics(topic="guest:workbooks-changed") == ["guest:workbooks-changed"]
    make_guest(environment, spaces=[space])  # the whole space again
    assert grants_of(guest) == {space.id: None}
    make_guest(environment, spaces=[space])  # nothing changes: nothing recorded
    assert len(topics(topic="guest:workbooks-changed")) == 2


def test_a_space_of_another_environment_is_refused(account, environment, space):
    elsewhere = SpaceFactory(environment=production(account))
    with pytest.raises(ValidationError) as refused:
        make_guest(environment, spaces=[space, elsewhere])
    assert "not in this guest's environment" in str(refused.value)
    assert not Guest.objects.exists()


def test_a_workbook_outside_its_space_is_refused(environment, space, other_space, workbooks):
    with pytest.raises(ValidationError) as refused:
        make_guest(environment, spaces=[(other_space, [workbooks[0]])])
    assert f"Workbook {workbooks[0].id} is not in space {other_space.id}" in str(refused.value)
    assert not Guest.objects.exists()


def test_a_space_given_twice_is_refused(environment, space):
    with pytest.raises(ValidationError):
        make_guest(environment, spaces=[space, space])


@pytest.mark.parametrize(
    "email",
    [
        "",
        "   ",
        "not-an-email",
        "a@",
        "@example.com",
        "a@@example.com",
        "a b@example.com",
        "a@example",
        "x" * 250 + "@example.com",
        None,
        5,
        "a\x00b@example.com",
        "\ud800@example.com",
    ],
)
def test_an_invalid_email_is_refused(environment, space, email):
    with pytest.raises(ValidationError) as refused:
        make_guest(environment, email=email, spaces=[space])
    assert refused.value.message_dict == {"email": ["Enter a valid email address."]}
    assert not Guest.objects.exists()


def test_a_name_is_required(environment, space):
    with pytest.raises(ValidationError):
        make_guest(environment, name="   ", spaces=[space])


def test_an_unknown_way_of_granting_is_refused(environment, space):
    with pytest.raises(ValidationError):
        services.guest_create(
            environment=environment, actor=None, email="a@example.com", name="A", via="magic"
        )


def test_guests_are_made_together_in_order_or_none_is(environment, space, other_space):
    admin = administrator_of(environment.account)
    made = services.guests_create(
        actor=admin,
        guests=[
            {"environment": environment, "email": "a@example.com", "name": "A", "spaces": []},
            {
                "environment": environment,
                "email": "b@example.com",
                "name": "B",
                "spaces": [{"space": other_space, "workbooks": None}],
            },
        ],
    )
    assert [guest.email for guest in made] == ["a@example.com", "b@example.com"]
    assert grants_of(made[1]) == {other_space.id: None}
    elsewhere = SpaceFactory(environment=production(environment.account))
    with pytest.raises(ValidationError):
        services.guests_create(
            actor=admin,
            guests=[
                {"environment": environment, "email": "c@example.com", "name": "C", "spaces": []},
                {
                    "environment": environment,
                    "email": "d@example.com",
                    "name": "D",
                    "spaces": [{"space": elsewhere, "workbooks": None}],
                },
            ],
        )
    assert not Guest.objects.filter(email__in=["c@example.com", "d@example.com"]).exists()


# guest_update ----------------------------------------------------------------------------------


def test_renaming_a_guest_is_recorded_and_nothing_else_changes(guest):
    services.guest_update(guest=guest, actor=None, name="Mrs. Guest")
    guest.refresh_from_db()
    assert guest.name == "Mrs. Guest"
    assert Event.objects.get(topic="guest:updated").payload["changed"] == ["name"]
    services.guest_update(guest=guest, actor=None, name="Mrs. Guest")
    assert len(topics(topic="guest:updated")) == 1


def test_a_new_email_revokes_the_links_mailed_to_the_old_one(guest, space):
    link, token = invitation(guest, space)
    services.guest_update(guest=guest, actor=None, email="New@Example.com")
    guest.refresh_from_db()
    assert guest.email == "new@example.com"
    link.refresh_from_db()
    assert link.revoked_at is not None
    with pytest.raises(ValidationError):
        services.magic_link_spend(token=token)


def test_an_email_of_another_guest_is_refused(environment, guest):
    make_guest(environment, email="other@example.com")
    with pytest.raises(ValidationError) as refused:
        services.guest_update(guest=guest, actor=None, email="OTHER@example.com")
    assert refused.value.message_dict == {"email": [services.DUPLICATE_EMAIL]}


def test_spaces_replace_the_grants(environment, guest, space, other_space, workbooks):
    third = SpaceFactory(environment=environment)
    link, token = invitation(guest, other_space)
    kept_link, _ = invitation(guest, space)
    SpaceGrant.objects.filter(guest=guest, space=space).update(last_accessed_at=timezone.now())
    services.guest_update(
        guest=guest,
        actor=None,
        spaces=[{"space": space, "workbooks": [workbooks[0]]}, {"space": third}],
    )
    assert grants_of(guest) == {space.id: {workbooks[0].id}, third.id: None}
    assert SpaceGrant.objects.get(guest=guest, space=space).last_accessed_at is not None
    link.refresh_from_db()
    kept_link.refresh_from_db()
    assert link.revoked_at is not None  # the removed space's link
    assert kept_link.revoked_at is None
    assert topics(
        topic__in=["guest:space-removed", "guest:space-granted"],
        space_id__in=[other_space.id, third.id],
    )[-2:] == [
        "guest:space-removed",
        "guest:space-granted",
    ]


def test_an_empty_list_of_spaces_removes_every_grant_but_not_the_guest(guest):
    services.guest_update(guest=guest, actor=None, spaces=[])
    assert grants_of(guest) == {}
    assert Guest.objects.filter(pk=guest.pk).exists()
