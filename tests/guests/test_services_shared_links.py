"""The shared link services: making, regenerating and disabling a space's shared link, and
joining by it (only a confirmation is mailed; the email's owner confirming makes the grant)."""

import json
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts.models import Event, GuestAuthentication, Space
from guests import links, selectors, services
from guests.models import Guest, SharedLink, SharedLinkConfirmation, SpaceGrant
from tests.guests.conftest import confirmation_token_in, make_guest
from tests.guests.service_helpers import grants_of

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
