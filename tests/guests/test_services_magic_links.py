"""The magic link services: a link's lifetime and digest, looking one up without spending
it, spending it once, what refuses it, and the sign-in link a guest asks for by email."""

import json
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import Event, GuestAuthentication, Space
from guests import links, selectors, services
from guests.models import MagicLink, SpaceGrant
from tests.factories import SpaceFactory
from tests.guests.conftest import token_in
from tests.guests.service_helpers import invitation

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
