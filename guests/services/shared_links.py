"""A space's shared link: regenerated, disabled, and joined (a join request mails a
confirmation link; confirming it makes or grants the guest)."""

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from accounts.audit import Actor, record_event
from accounts.models import GuestAuthentication, Space
from accounts.services import clean_name
from guests import links
from guests.models import MagicLink, SharedLink, SharedLinkConfirmation, SpaceGrant
from guests.services.common import (
    LIFETIMES,
    LINK_GONE,
    clean_guest_email,
    iso,
    record_guest_event,
    require_method,
)
from guests.services.grants import grant_spaces
from guests.services.guests import guest_get_or_create
from portal import encryption
from portal.mail import send_after_commit
from portal.services import model_update


@transaction.atomic
def shared_link_regenerate(
    *, space: Space, actor: Actor | None, expires_at: datetime | None = None
) -> tuple[SharedLink, str]:
    """The space's shared link with a new token (made the first time): the old token stops
    working at once. Enabled again if it was disabled; `expires_at` (None: never) must be in
    the future. Returns the link and its raw token (the URL: guests.links.shared_link_url);
    administrators can copy it again later (SharedLink.token)."""
    require_method(space.environment, GuestAuthentication.SHARED_LINK)
    now = timezone.now()
    if expires_at is not None and expires_at <= now:
        raise ValidationError({"expires_at": "Choose a moment in the future, or no expiry."})
    # The space's row is locked so two first regenerations cannot both create a link.
    Space.objects.select_for_update().filter(pk=space.pk).first()
    token = links.generate(links.SHARED_LINK)
    values = {
        "token_digest": links.digest(token),
        "encrypted_token": encryption.encrypt(token),
        "last_four": token[-4:],
        "expires_at": expires_at,
        "disabled_at": None,
        "regenerated_at": now,
    }
    link = SharedLink.objects.filter(space=space).first()
    if link is None:
        link = SharedLink.objects.create(space=space, **values)
    else:
        model_update(instance=link, data=values)
    record_event(
        "shared-link:regenerated",
        on=space,
        actor=actor,
        sharedLinkId=link.id,
        expiresAt=iso(expires_at),
    )
    return link, token


@transaction.atomic
def shared_link_disable(*, space: Space, actor: Actor | None) -> SharedLink:
    """Turn the space's shared link off: refused at once (Regenerate turns it on again, with
    a new token)."""
    link = SharedLink.objects.filter(space=space, disabled_at__isnull=True).first()
    if link is None:
        raise ValidationError("This space has no shared link turned on.")
    link.disabled_at = timezone.now()
    link.save(update_fields=["disabled_at"])
    record_event("shared-link:disabled", on=space, actor=actor, sharedLinkId=link.id)
    return link


# Whoever holds a shared link may ask to join as often as the limits allow; each ask mails
# the email given a link that confirms it, which lives as long as a sign-in link asked for.
JOIN_CONFIRMATION_LIFETIME = LIFETIMES[MagicLink.Purpose.SIGN_IN]


def _shared_link_usable(token: str) -> SharedLink:
    """The turned-on, unexpired shared link this token is, in an environment that lets
    guests in by shared link; ValidationError otherwise."""
    if not links.is_well_formed(token, links.SHARED_LINK):
        raise ValidationError(LINK_GONE)
    link = (
        SharedLink.objects.select_related("space__environment__account")
        .filter(token_digest=links.digest(token), disabled_at__isnull=True)
        .first()
    )
    if link is None or not link.is_active:
        raise ValidationError(LINK_GONE)
    require_method(link.space.environment, GuestAuthentication.SHARED_LINK)
    return link


@transaction.atomic
def shared_link_join_request(*, token: str, name: str, email: str) -> SharedLinkConfirmation:
    """Someone holding a space's shared link gives a name and email: that email is mailed a
    single-use link (15 minutes) that confirms it, and nothing else changes; the guest is
    made, or granted the space, only when the link is confirmed (shared_link_join_confirm).
    It is the same whether or not the email is a guest's already, so the join form never
    tells who is a guest. Only while the link is on and unexpired, and the environment lets
    guests in by shared link. (The page limits how often it is asked.)"""
    link = _shared_link_usable(token)
    email = clean_guest_email(email)
    name = clean_name(name)
    # A mailed single-use link: written as a magic link is, so secret scanners and the log
    # redaction (portal.logging) know it without a rule of its own.
    confirmation_token = links.generate(links.MAGIC_LINK)
    confirmation = SharedLinkConfirmation.objects.create(
        shared_link=link,
        email=email,
        name=name,
        token_digest=links.digest(confirmation_token),
        expires_at=timezone.now() + JOIN_CONFIRMATION_LIFETIME,
    )
    space = link.space
    url = links.shared_link_confirmation_url(confirmation_token)
    send_after_commit(
        subject=f"Confirm your email to join {space.name}",
        body=render_to_string("guests/mail/join_confirmation.txt", {"space": space, "url": url}),
        to=email,
    )
    return confirmation


@transaction.atomic
def shared_link_join_confirm(*, token: str) -> SpaceGrant:
    """Spend a join confirmation (the POST from the mailed link's page) and answer the grant
    it signs in to: the email's guest (made now, with the name given, or the environment's
    guest with this email, who keeps their name) granted the space by shared link unless
    they had it, its last access recorded. Atomic: a conditional UPDATE whose row count must
    be 1, so of two requests with one link exactly one succeeds. A used, expired or unknown
    link, a shared link turned off, expired or regenerated since the join form was sent, or
    an environment that no longer lets guests in by shared link: ValidationError, and the
    link is left as it was."""
    if not links.is_well_formed(token, links.MAGIC_LINK):
        raise ValidationError(LINK_GONE)
    digest = links.digest(token)
    now = timezone.now()
    spent = SharedLinkConfirmation.objects.filter(
        token_digest=digest, used_at__isnull=True, expires_at__gt=now
    ).update(used_at=now)
    if spent != 1:
        raise ValidationError(LINK_GONE)
    confirmation = SharedLinkConfirmation.objects.select_related(
        "shared_link__space__environment__account"
    ).get(token_digest=digest)
    if not confirmation.shared_link_still_works:
        raise ValidationError(LINK_GONE)
    link = confirmation.shared_link
    space = link.space
    environment = space.environment
    require_method(environment, GuestAuthentication.SHARED_LINK)
    guest, created = guest_get_or_create(
        environment, email=confirmation.email, name=confirmation.name
    )
    if created:
        record_guest_event("guest:created", guest=guest, actor=guest, name=guest.name)
    if not SpaceGrant.objects.filter(guest=guest, space=space).exists():
        grant_spaces(guest, [(space, None)], actor=guest, via=SpaceGrant.Via.SHARED_LINK)
    grant = SpaceGrant.objects.select_related(
        "guest__environment__account", "space__environment"
    ).get(guest=guest, space=space)
    grant.last_accessed_at = now
    grant.save(update_fields=["last_accessed_at"])
    record_event(
        "shared-link:redeemed",
        on=space,
        actor=guest,
        guestId=guest.id,
        email=guest.email,
        sharedLinkId=link.id,
        newGuest=created,
    )
    return grant
