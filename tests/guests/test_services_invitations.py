"""The services that invite (guest_add, guest_invite, guest_invite_guest): the grants they
make, the mail they send and when, and what a guest may invite to."""

import json

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from accounts.models import Event, GuestAuthentication, Space
from guests import links, services
from guests.models import Guest, MagicLink, SpaceGrant, WorkbookGrant
from tests.factories import SpaceFactory, WorkbookFactory, administrator_of
from tests.guests.conftest import make_guest, token_in
from tests.guests.service_helpers import grants_of

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
