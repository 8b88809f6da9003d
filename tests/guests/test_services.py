"""Every guests service: what it changes, what it refuses, and what it records."""

import json
import secrets
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import Event, GuestAuthentication, Space, Workbook
from guests import links, selectors, services
from guests.models import (
    Guest,
    MagicLink,
    SharedLink,
    SharedLinkConfirmation,
    SpaceGrant,
    WorkbookGrant,
)
from tests.factories import SpaceFactory, WorkbookFactory, administrator_of, production
from tests.guests.conftest import confirmation_token_in, make_guest, token_in
from tokens import access_tokens
from tokens.verification import verify


def topics(**filters) -> list[str]:
    return list(
        Event.objects.filter(**filters).order_by("created_at", "id").values_list("topic", flat=True)
    )


def grants_of(guest) -> dict[str, set[str] | None]:
    """space id → None (the whole space) or the ids of the workbooks granted there."""
    limited = {}
    for space_id, workbook_id in WorkbookGrant.objects.filter(guest=guest).values_list(
        "space_id", "workbook_id"
    ):
        limited.setdefault(space_id, set()).add(workbook_id)
    return {
        grant.space_id: None if grant.all_workbooks else limited.get(grant.space_id, set())
        for grant in SpaceGrant.objects.filter(guest=guest)
    }


def invitation(guest, space, *, actor=None, purpose=MagicLink.Purpose.INVITATION):
    return services.magic_link_create(
        guest=guest,
        space=space,
        purpose=purpose,
        actor=actor or administrator_of(guest.environment.account),
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


# Magic links -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("purpose", "lifetime"),
    [
        (MagicLink.Purpose.INVITATION, timedelta(hours=72)),
        (MagicLink.Purpose.SIGN_IN, timedelta(minutes=15)),
    ],
)
def test_a_magic_link_lives_as_its_purpose_says_and_is_kept_as_a_digest(
    guest, space, purpose, lifetime
):
    before = timezone.now()
    link, token = invitation(guest, space, purpose=purpose)
    assert before + lifetime <= link.expires_at <= timezone.now() + lifetime
    assert links.is_well_formed(token, links.MAGIC_LINK)
    assert link.token_digest == links.digest(token)
    assert link.last_four == token[-4:]
    stored = json.dumps(list(MagicLink.objects.values()), default=str)
    assert token not in stored
    event = Event.objects.get(topic="magic-link:created")
    assert event.payload["magicLinkId"] == link.id
    assert event.payload["purpose"] == purpose
    assert token not in json.dumps(event.payload)


def test_a_magic_link_needs_a_grant_and_magic_links_allowed(environment, guest, space):
    elsewhere = SpaceFactory(environment=environment)
    with pytest.raises(ValidationError):
        invitation(guest, elsewhere)
    with pytest.raises(ValidationError):
        invitation(guest, space, purpose="forever")
    environment.guest_authentication = [GuestAuthentication.SHARED_LINK]
    environment.save()
    space.refresh_from_db()
    with pytest.raises(ValidationError) as refused:
        invitation(guest, Space.objects.select_related("environment").get(pk=space.pk))
    assert refused.value.messages == [services.METHOD_OFF[GuestAuthentication.MAGIC_LINK]]
    assert not MagicLink.objects.exists()


def test_looking_a_link_up_never_spends_it(guest, space, django_assert_num_queries):
    link, token = invitation(guest, space)
    for _ in range(3):  # a mail scanner fetching the link, then the person
        found = selectors.magic_link_pending(token)
        assert found == link
        assert found.space.name == "Onboarding"
    link.refresh_from_db()
    assert link.used_at is None
    assert selectors.magic_link_of_token(token) == link
    mistyped = token[:-1] + ("1" if token.endswith("0") else "0")  # always another token
    with django_assert_num_queries(0):  # its checksum fails: no query
        assert selectors.magic_link_pending(mistyped) is None
        assert selectors.magic_link_of_token("nonsense") is None
    grant = services.magic_link_spend(token=token)
    assert grant.space_id == space.id
    assert selectors.magic_link_pending(token) is None
    assert selectors.magic_link_of_token(token) == link


def test_pending_links_are_those_not_used_revoked_or_expired(guest, space, other_space):
    pending, _ = invitation(guest, space)
    used, used_token = invitation(guest, space)
    services.magic_link_spend(token=used_token)
    revoked, _ = invitation(guest, space)
    services.magic_link_revoke(link=revoked, actor=None)
    expired, _ = invitation(guest, space)
    MagicLink.objects.filter(pk=expired.pk).update(expires_at=timezone.now())
    invitation(guest, other_space)
    assert list(selectors.pending_magic_links(space)) == [pending]


def test_spending_a_link_signs_in_once_and_records_the_access(guest, space):
    link, token = invitation(guest, space)
    grant = services.magic_link_spend(token=token)
    assert grant.guest == guest and grant.space == space
    assert grant.last_accessed_at is not None
    link.refresh_from_db()
    assert link.used_at == grant.last_accessed_at
    event = Event.objects.get(topic="magic-link:used")
    assert event.actor_id == guest.id
    assert event.space_id == space.id
    with pytest.raises(ValidationError) as refused:
        services.magic_link_spend(token=token)
    assert refused.value.messages == [services.LINK_GONE]


def test_an_expired_revoked_or_unknown_link_is_refused(guest, space):
    expired, expired_token = invitation(guest, space)
    MagicLink.objects.filter(pk=expired.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    revoked, revoked_token = invitation(guest, space)
    services.magic_link_revoke(link=revoked, actor=None)
    assert Event.objects.filter(topic="magic-link:revoked").count() == 1
    for token in (expired_token, revoked_token, links.generate(links.MAGIC_LINK)):
        with pytest.raises(ValidationError):
            services.magic_link_spend(token=token)
    with CaptureQueriesContext(connection) as captured, pytest.raises(ValidationError):
        services.magic_link_spend(token=links.generate(links.SHARED_LINK))
    # Refused by its form: only the transaction's savepoint statements, no lookup.
    assert all("SAVEPOINT" in query["sql"] for query in captured.captured_queries)
    with pytest.raises(ValidationError):
        services.magic_link_revoke(link=revoked, actor=None)
    expired.refresh_from_db()
    assert expired.used_at is None


def test_a_link_of_a_deleted_guest_is_refused(guest, space):
    _, token = invitation(guest, space)
    services.guest_delete(guest=guest, actor=None)
    with pytest.raises(ValidationError):
        services.magic_link_spend(token=token)


def test_a_link_is_refused_and_left_unspent_once_magic_links_are_off(environment, guest, space):
    link, token = invitation(guest, space)
    environment.guest_authentication = [GuestAuthentication.SHARED_LINK]
    environment.save()
    with pytest.raises(ValidationError):
        services.magic_link_spend(token=token)
    link.refresh_from_db()
    assert link.used_at is None


def test_a_link_whose_grant_is_gone_is_refused(guest, space):
    _, token = invitation(guest, space)
    # Deleted behind the service's back (the service revokes the links as well).
    SpaceGrant.objects.filter(guest=guest, space=space).delete()
    with pytest.raises(ValidationError):
        services.magic_link_spend(token=token)


# guest_add -------------------------------------------------------------------------------------


def test_adding_a_guest_grants_the_space_narrowed_and_mails_an_invitation(
    environment, space, workbooks, mailoutbox, django_capture_on_commit_callbacks
):
    admin = administrator_of(environment.account)
    with django_capture_on_commit_callbacks(execute=True):
        guest, invited = services.guest_add(
            space=space, actor=admin, email="Nina@Example.com", name="Nina", workbooks=workbooks[:1]
        )
    assert invited
    assert guest.email == "nina@example.com"
    grant = SpaceGrant.objects.get(guest=guest)
    assert grant.space == space
    assert not grant.all_workbooks
    assert list(
        WorkbookGrant.objects.filter(guest=guest, space=space).values_list("workbook", flat=True)
    ) == [workbooks[0].id]
    (mail,) = mailoutbox
    assert mail.to == ["nina@example.com"]
    link = MagicLink.objects.get(guest=guest)
    assert link.purpose == MagicLink.Purpose.INVITATION and link.token_digest == links.digest(
        token_in(mail)
    )
    events = Event.objects.filter(topic__startswith="guest:").order_by("created_at")
    assert list(events.values_list("topic", flat=True)) == [
        "guest:created",
        "guest:space-granted",
        "guest:invited",
    ]


def test_adding_a_guest_where_magic_links_are_off_grants_without_mailing(
    environment, space, mailoutbox, django_capture_on_commit_callbacks
):
    environment.guest_authentication = [GuestAuthentication.SHARED_LINK]
    environment.save()
    space = Space.objects.select_related("environment").get(pk=space.pk)
    with django_capture_on_commit_callbacks(execute=True):
        guest, invited = services.guest_add(
            space=space, actor=None, email="nina@example.com", name="Nina"
        )
    assert not invited
    assert SpaceGrant.objects.get(guest=guest, space=space).all_workbooks
    assert mailoutbox == [] and not MagicLink.objects.exists()


def test_adding_a_guest_refused_changes_nothing(environment, space, other_space, mailoutbox):
    foreign = WorkbookFactory(space=other_space, name="Elsewhere")
    with pytest.raises(ValidationError):
        services.guest_add(
            space=space, actor=None, email="nina@example.com", name="Nina", workbooks=[foreign]
        )
    assert not Guest.objects.exists() and not MagicLink.objects.exists()
    assert mailoutbox == []


# guest_invite ----------------------------------------------------------------------------------


def test_an_invitation_mails_a_72_hour_link_built_from_the_site_url(
    guest, space, settings, mailoutbox, django_capture_on_commit_callbacks
):
    settings.SITE_URL = "https://portal.example.com"
    admin = administrator_of(guest.environment.account)
    with django_capture_on_commit_callbacks(execute=True):
        link = services.guest_invite(
            guest=guest, space=space, actor=admin, from_name="Ada", message="Welcome aboard."
        )
    (mail,) = mailoutbox
    assert mail.to == ["guest@example.com"]
    assert mail.subject == "You are invited to Onboarding"
    assert "Ada invited you to Onboarding." in mail.body
    assert "Welcome aboard." in mail.body
    assert "72 hours" in mail.body
    token = token_in(mail)
    assert f"https://portal.example.com/guest/magic/{token}/" in mail.body
    assert link.token_digest == links.digest(token)
    assert link.purpose == MagicLink.Purpose.INVITATION
    event = Event.objects.get(topic="guest:invited")
    assert event.payload["magicLinkId"] == link.id
    assert event.payload["fromName"] == "Ada"
    assert token not in json.dumps(list(Event.objects.values_list("payload", flat=True)))


def test_invitations_are_sent_together_or_none_is(
    guest, space, other_space, mailoutbox, django_capture_on_commit_callbacks
):
    admin = administrator_of(guest.environment.account)
    with django_capture_on_commit_callbacks(execute=True):
        links_sent = services.guests_invite(
            actor=admin,
            invitations=[
                {"guest": guest, "space": space, "from_name": "Ada"},
                {"guest": guest, "space": other_space},
            ],
        )
    assert [link.space_id for link in links_sent] == [space.id, other_space.id]
    assert [mail.subject for mail in mailoutbox] == [
        "You are invited to Onboarding",
        "You are invited to Billing",
    ]
    mailoutbox.clear()
    elsewhere = SpaceFactory(environment=guest.environment)
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(ValidationError):
        services.guests_invite(
            actor=admin,
            invitations=[{"guest": guest, "space": space}, {"guest": guest, "space": elsewhere}],
        )
    assert mailoutbox == []
    assert MagicLink.objects.count() == 2


def test_a_space_name_with_a_line_break_stays_in_the_subject(
    guest, space, mailoutbox, django_capture_on_commit_callbacks
):
    Space.objects.filter(pk=space.pk).update(name="Onboarding\nBcc: x@example.com")
    space.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        services.guest_invite(guest=guest, space=space, actor=None)
    (mail,) = mailoutbox
    assert mail.subject == "You are invited to Onboarding Bcc: x@example.com"
    assert mail.to == ["guest@example.com"] and not mail.bcc


def test_no_mail_leaves_when_the_invitation_is_rolled_back(
    guest, space, mailoutbox, django_capture_on_commit_callbacks
):
    from django.db import transaction

    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(RuntimeError), transaction.atomic():
            services.guest_invite(guest=guest, space=space, actor=None)
            raise RuntimeError
    assert mailoutbox == []


def test_an_invitation_needs_magic_links_allowed(environment, guest, space, mailoutbox):
    environment.guest_authentication = [GuestAuthentication.SHARED_LINK]
    environment.save()
    space = Space.objects.select_related("environment").get(pk=space.pk)
    with pytest.raises(ValidationError) as refused:
        services.guest_invite(guest=guest, space=space, actor=None)
    assert refused.value.messages == [services.METHOD_OFF[GuestAuthentication.MAGIC_LINK]]
    assert not MagicLink.objects.exists()


@pytest.mark.parametrize(
    ("from_name", "message"),
    [("Ada\nBcc: x@example.com", None), ("x" * 256, None), (None, "x" * 2001), (None, "a\x00b")],
)
def test_an_invitation_refuses_a_bad_sender_or_message(guest, space, from_name, message):
    with pytest.raises(ValidationError):
        services.guest_invite(
            guest=guest, space=space, actor=None, from_name=from_name, message=message
        )
    assert not MagicLink.objects.exists()


def test_a_guest_may_invite_only_where_guests_can_invite(environment, guest, space, other_space):
    invitee = make_guest(environment, email="invitee@example.com", spaces=[space])
    services.guest_invite(guest=invitee, space=space, actor=guest)
    assert MagicLink.objects.get().created_by_id == guest.id
    Space.objects.filter(pk=space.pk).update(guests_can_invite=False)
    space.refresh_from_db()
    with pytest.raises(PermissionDenied) as refused:
        services.guest_invite(guest=invitee, space=space, actor=guest)
    assert str(refused.value) == services.GUESTS_CANNOT_INVITE
    # An administrator still may.
    services.guest_invite(guest=invitee, space=space, actor=administrator_of(environment.account))


def test_a_guest_may_not_invite_to_a_space_of_someone_else(environment, space):
    outsider = make_guest(environment, email="outsider@example.com")
    invitee = make_guest(environment, email="invitee@example.com", spaces=[space])
    with pytest.raises(PermissionDenied):
        services.guest_invite(guest=invitee, space=space, actor=outsider)


def test_a_guest_inviting_someone_new_passes_on_their_own_workbook_limits(
    environment, space, workbooks, mailoutbox, django_capture_on_commit_callbacks
):
    inviter = make_guest(
        environment, email="inviter@example.com", name="Ivy", spaces=[(space, [workbooks[0]])]
    )
    with django_capture_on_commit_callbacks(execute=True):
        invitee = services.guest_invite_guest(
            inviter=inviter, space=space, email="friend@example.com", name="Friend"
        )
    assert grants_of(invitee) == {space.id: {workbooks[0].id}}
    grant = SpaceGrant.objects.get(guest=invitee)
    assert grant.via == SpaceGrant.Via.GUEST
    assert grant.granted_by_id == inviter.id
    (mail,) = mailoutbox
    assert mail.to == ["friend@example.com"]
    assert "Ivy invited you to Onboarding." in mail.body


def test_a_guest_whose_name_is_not_one_line_can_still_invite(
    environment, space, mailoutbox, django_capture_on_commit_callbacks
):
    # Names are stored as typed; the mail's sender line takes the inviter's as one line.
    inviter = make_guest(environment, email="inviter@example.com", name="Ivy\tvon\x07 Ada")
    services.guest_create(
        environment=environment,
        actor=None,
        email=inviter.email,
        name="x",
        spaces=[{"space": space, "workbooks": None}],
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.guest_invite_guest(
            inviter=inviter, space=space, email="friend@example.com", name="Friend"
        )
    (mail,) = mailoutbox
    assert "Ivy von Ada invited you to Onboarding." in mail.body


def test_a_guest_invitation_leaves_an_existing_grant_as_it_is(environment, space, workbooks):
    inviter = make_guest(environment, email="inviter@example.com", spaces=[space])
    invitee = make_guest(environment, email="friend@example.com", spaces=[(space, [workbooks[1]])])
    services.guest_invite_guest(inviter=inviter, space=space, email="friend@example.com", name="F")
    assert grants_of(invitee) == {space.id: {workbooks[1].id}}


def test_a_guest_cannot_invite_someone_new_where_it_is_off_or_not_theirs(
    environment, space, other_space
):
    inviter = make_guest(environment, email="inviter@example.com", spaces=[space])
    with pytest.raises(PermissionDenied):
        services.guest_invite_guest(
            inviter=inviter, space=other_space, email="f@example.com", name="F"
        )
    Space.objects.filter(pk=space.pk).update(guests_can_invite=False)
    space.refresh_from_db()
    with pytest.raises(PermissionDenied):
        services.guest_invite_guest(inviter=inviter, space=space, email="f@example.com", name="F")
    assert not Guest.objects.filter(email="f@example.com").exists()


# "Email me a new link" ------------------------------------------------------------------------


def test_a_new_sign_in_link_goes_only_to_a_guest_of_the_space(
    environment, guest, space, mailoutbox, django_capture_on_commit_callbacks
):
    stranger_space = SpaceFactory(environment=environment)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.magic_link_request(space=space, email=" GUEST@example.com") is None
        assert services.magic_link_request(space=space, email="nobody@example.com") is None
        assert services.magic_link_request(space=stranger_space, email="guest@example.com") is None
        assert services.magic_link_request(space=space, email="not an email") is None
    (mail,) = mailoutbox
    assert mail.to == ["guest@example.com"]
    assert "15 minutes" in mail.body
    link = MagicLink.objects.get()
    assert link.purpose == MagicLink.Purpose.SIGN_IN
    assert services.magic_link_spend(token=token_in(mail)).space_id == space.id


def test_no_sign_in_link_when_magic_links_are_off(environment, guest, space, mailoutbox):
    environment.guest_authentication = [GuestAuthentication.SHARED_LINK]
    environment.save()
    services.magic_link_request(space=space, email="guest@example.com")
    assert not MagicLink.objects.exists()


# Shared links ----------------------------------------------------------------------------------


def test_a_shared_link_is_made_kept_encrypted_and_copyable(space, admin_user):
    link, token = services.shared_link_regenerate(space=space, actor=admin_user)
    assert links.is_well_formed(token, links.SHARED_LINK)
    assert link.token == token
    assert token not in json.dumps(list(SharedLink.objects.values()), default=str)
    assert token not in json.dumps(list(Event.objects.values_list("payload", flat=True)))
    assert selectors.shared_link_active(token) == link
    assert Event.objects.get(topic="shared-link:regenerated").payload == {
        "sharedLinkId": link.id,
        "expiresAt": None,
    }


@pytest.fixture
def ask_to_join(mailoutbox, django_capture_on_commit_callbacks):
    """The join form of a shared link, through its service: the confirmation token mailed."""

    def ask(token: str, *, name: str = "Ann", email: str = "ann@example.com") -> str:
        with django_capture_on_commit_callbacks(execute=True):
            services.shared_link_join_request(token=token, name=name, email=email)
        assert mailoutbox[-1].to == [email.lower()]
        return confirmation_token_in(mailoutbox[-1])

    return ask


def test_regenerating_a_shared_link_stops_the_old_one_at_once(space, admin_user, ask_to_join):
    first, old = services.shared_link_regenerate(space=space, actor=admin_user)
    halfway = ask_to_join(old, email="halfway@example.com")
    second, new = services.shared_link_regenerate(space=space, actor=admin_user)
    assert second.pk == first.pk and old != new
    assert selectors.shared_link_active(old) is None
    with pytest.raises(ValidationError):
        services.shared_link_join_request(token=old, name="Late", email="late@example.com")
    # Someone halfway through when it was regenerated cannot finish with the old link.
    assert selectors.shared_link_confirmation_pending(halfway) is None
    with pytest.raises(ValidationError):
        services.shared_link_join_confirm(token=halfway)
    grant = services.shared_link_join_confirm(token=ask_to_join(new, email="ok@example.com"))
    assert grant.guest.email == "ok@example.com"
    assert list(Guest.objects.values_list("email", flat=True)) == ["ok@example.com"]


def test_a_disabled_or_expired_shared_link_is_refused(space, admin_user, ask_to_join):
    _, token = services.shared_link_regenerate(space=space, actor=admin_user)
    pending = ask_to_join(token)
    services.shared_link_disable(space=space, actor=admin_user)
    assert Event.objects.filter(topic="shared-link:disabled").count() == 1
    with pytest.raises(ValidationError):
        services.shared_link_join_request(token=token, name="A", email="a@example.com")
    with pytest.raises(ValidationError):
        services.shared_link_join_confirm(token=pending)
    with pytest.raises(ValidationError):
        services.shared_link_disable(space=space, actor=admin_user)
    _, token = services.shared_link_regenerate(
        space=space, actor=admin_user, expires_at=timezone.now() + timedelta(hours=1)
    )
    pending = ask_to_join(token)
    SharedLink.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    with pytest.raises(ValidationError):
        services.shared_link_join_request(token=token, name="A", email="a@example.com")
    with pytest.raises(ValidationError):
        services.shared_link_join_confirm(token=pending)
    assert selectors.shared_link_active(token) is None
    assert selectors.shared_link_active("sl_nonsense") is None
    assert not Guest.objects.exists()


def test_a_shared_link_cannot_expire_in_the_past(space, admin_user):
    with pytest.raises(ValidationError):
        services.shared_link_regenerate(
            space=space, actor=admin_user, expires_at=timezone.now() - timedelta(minutes=1)
        )


def test_shared_links_need_the_environment_to_allow_them(
    environment, space, admin_user, ask_to_join
):
    _, token = services.shared_link_regenerate(space=space, actor=admin_user)
    pending = ask_to_join(token)
    environment.guest_authentication = [GuestAuthentication.MAGIC_LINK]
    environment.save()
    space = Space.objects.select_related("environment").get(pk=space.pk)
    with pytest.raises(ValidationError) as refused:
        services.shared_link_regenerate(space=space, actor=admin_user)
    assert refused.value.messages == [services.METHOD_OFF[GuestAuthentication.SHARED_LINK]]
    with pytest.raises(ValidationError):
        services.shared_link_join_request(token=token, name="A", email="a@example.com")
    with pytest.raises(ValidationError):
        services.shared_link_join_confirm(token=pending)
    assert not Guest.objects.exists()


def test_asking_to_join_only_mails_a_confirmation_link(space, admin_user, mailoutbox, ask_to_join):
    _, token = services.shared_link_regenerate(space=space, actor=admin_user)
    events_before = Event.objects.count()

    confirmation_token = ask_to_join(token, name="Ann", email="Ann@Example.com")

    assert not Guest.objects.exists()
    assert Event.objects.count() == events_before
    (mail,) = mailoutbox
    assert mail.subject == "Confirm your email to join Onboarding"
    assert "If it was not, ignore this mail: nothing changes." in mail.body
    assert "15 minutes" in mail.body
    confirmation = SharedLinkConfirmation.objects.get()
    assert (confirmation.email, confirmation.name) == ("ann@example.com", "Ann")
    # Kept as a digest, as magic links are: the token is in the mail only.
    assert confirmation.token_digest == links.digest(confirmation_token)
    assert confirmation_token not in json.dumps(
        list(SharedLinkConfirmation.objects.values()), default=str
    )
    assert selectors.shared_link_confirmation_pending(confirmation_token) == confirmation


def test_each_person_confirming_a_shared_link_becomes_a_guest_of_their_own(
    space, admin_user, ask_to_join
):
    _, token = services.shared_link_regenerate(space=space, actor=admin_user)
    first = services.shared_link_join_confirm(token=ask_to_join(token, name="Ann"))
    second = services.shared_link_join_confirm(
        token=ask_to_join(token, name="Ben", email="ben@example.com")
    )
    assert first.guest.pk != second.guest.pk
    assert [first.guest.name, second.guest.name] == ["Ann", "Ben"]
    for grant in (first, second):
        assert grant.space_id == space.id
        assert grant.via == SpaceGrant.Via.SHARED_LINK
        assert grant.last_accessed_at is not None
    assert [
        event.payload["newGuest"] for event in Event.objects.filter(topic="shared-link:redeemed")
    ] == [True, True]


def test_a_confirmation_link_is_single_use_and_lives_15_minutes(
    space, admin_user, ask_to_join, monkeypatch
):
    _, token = services.shared_link_regenerate(space=space, actor=admin_user)
    once = ask_to_join(token)
    services.shared_link_join_confirm(token=once)
    with pytest.raises(ValidationError):
        services.shared_link_join_confirm(token=once)
    assert selectors.shared_link_confirmation_pending(once) is None

    late = ask_to_join(token, email="late@example.com")
    moment = timezone.now() + timedelta(minutes=15, seconds=1)
    monkeypatch.setattr(timezone, "now", lambda: moment)
    assert selectors.shared_link_confirmation_pending(late) is None
    with pytest.raises(ValidationError):
        services.shared_link_join_confirm(token=late)
    for unknown in (links.generate(links.MAGIC_LINK), "ml_short", ""):
        with pytest.raises(ValidationError):
            services.shared_link_join_confirm(token=unknown)
    assert list(Guest.objects.values_list("email", flat=True)) == ["ann@example.com"]


def test_an_existing_guests_email_is_granted_the_space_only_when_they_confirm(
    environment, space, other_space, admin_user, ask_to_join
):
    existing = make_guest(environment, email="vip@example.com", spaces=[other_space])
    _, token = services.shared_link_regenerate(space=space, actor=admin_user)

    confirmation_token = ask_to_join(token, name="Impostor", email="VIP@example.com")

    assert grants_of(existing) == {other_space.id: None}
    grant = services.shared_link_join_confirm(token=confirmation_token)
    assert grant.guest.pk == existing.pk
    assert grants_of(existing) == {other_space.id: None, space.id: None}
    assert grant.via == SpaceGrant.Via.SHARED_LINK
    assert Guest.objects.get().name == "Mr. Guest"
    assert Event.objects.get(topic="shared-link:redeemed").payload["newGuest"] is False


def test_a_guest_of_the_space_confirming_keeps_their_grant_as_it_was(
    environment, space, workbooks, admin_user, ask_to_join
):
    existing = make_guest(environment, email="vip@example.com", spaces=[(space, workbooks[:1])])

    _, token = services.shared_link_regenerate(space=space, actor=admin_user)
    grant = services.shared_link_join_confirm(token=ask_to_join(token, email="vip@example.com"))

    assert grant.guest.pk == existing.pk
    assert grants_of(existing) == {space.id: {workbooks[0].id}}
    assert grant.via == SpaceGrant.Via.ADMINISTRATOR


def test_asking_to_join_refuses_bad_names_and_emails(space, admin_user, mailoutbox):
    _, token = services.shared_link_regenerate(space=space, actor=admin_user)
    with pytest.raises(ValidationError):
        services.shared_link_join_request(token=token, name="A", email="not-an-email")
    with pytest.raises(ValidationError):
        services.shared_link_join_request(token=token, name=" ", email="a@example.com")
    with pytest.raises(ValidationError):
        services.shared_link_join_request(token="sl_short", name="A", email="a@example.com")
    assert not SharedLinkConfirmation.objects.exists()
    assert mailoutbox == []


# Guest access tokens ---------------------------------------------------------------------------


def test_a_guest_access_token_lives_an_hour_and_names_its_guest(guest, space):
    token, expires_at = services.guest_access_token_create(guest=guest)
    claims = access_tokens.decode(token)
    assert claims["kind"] == access_tokens.GUEST
    assert claims["sub"] == guest.id
    assert "spc" not in claims
    assert timedelta(minutes=59) < expires_at - timezone.now() <= timedelta(hours=1)
    scoped, _ = services.guest_access_token_create(guest=guest, space=space)
    assert access_tokens.decode(scoped)["spc"] == space.id
    events = Event.objects.filter(topic="access-token:created", payload__guestId=guest.id)
    assert [event.payload["via"] for event in events] == ["guest", "guest"]
    assert token not in json.dumps(list(Event.objects.values_list("payload", flat=True)))


def test_a_guest_access_token_for_a_space_needs_a_grant_there(environment, guest):
    with pytest.raises(ValidationError):
        services.guest_access_token_create(guest=guest, space=SpaceFactory(environment=environment))
