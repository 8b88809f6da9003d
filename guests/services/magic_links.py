"""Magic links: made, mailed as invitations or as sign-in links asked for, revoked and
spent. A link's raw token is returned once (or only mailed) and never stored."""

from typing import NotRequired, TypedDict

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from accounts.audit import Actor
from accounts.models import GuestAuthentication, Space
from guests import links
from guests.models import Guest, MagicLink, SpaceGrant
from guests.services.common import (
    GUESTS_CANNOT_INVITE,
    LIFETIMES,
    LINK_GONE,
    NO_ACCESS,
    actor_id,
    clean_guest_email,
    clean_line,
    clean_message,
    is_guest,
    iso,
    record_guest_event,
    require_method,
)
from portal.mail import send_after_commit


@transaction.atomic
def magic_link_create(
    *, guest: Guest, space: Space, purpose: str, actor: Actor | None
) -> tuple[MagicLink, str]:
    """A fresh single-use link that signs the guest in to `space` (invitations live 72
    hours, sign-in links 15 minutes). Returns the link and its raw token, once: the URL is
    guests.links.magic_link_url(token). Links made before stay good until used or expired."""
    if purpose not in LIFETIMES:
        raise ValidationError({"purpose": "Choose invitation or sign_in."})
    require_method(space.environment, GuestAuthentication.MAGIC_LINK)
    if not SpaceGrant.objects.filter(guest=guest, space=space).exists():
        raise ValidationError({"space_id": NO_ACCESS})
    token = links.generate(links.MAGIC_LINK)
    link = MagicLink.objects.create(
        guest=guest,
        space=space,
        purpose=purpose,
        token_digest=links.digest(token),
        last_four=token[-4:],
        created_by_id=actor_id(actor),
        expires_at=timezone.now() + LIFETIMES[purpose],
    )
    record_guest_event(
        "magic-link:created",
        guest=guest,
        actor=actor,
        space_id=space.id,
        magicLinkId=link.id,
        purpose=purpose,
        expiresAt=iso(link.expires_at),
    )
    return link, token


@transaction.atomic
def guest_invite(
    *,
    guest: Guest,
    space: Space,
    actor: Actor | None,
    from_name: str | None = None,
    message: str | None = None,
) -> MagicLink:
    """Mail the guest an invitation to `space`: a magic link that lives 72 hours, sent once
    the transaction commits. The environment must let guests in by magic link, and the
    guest must have access to the space. A guest inviting needs the space's "guests can
    invite" on and a grant of their own to it (PermissionDenied otherwise)."""
    if is_guest(actor):
        if not space.guests_can_invite:
            raise PermissionDenied(GUESTS_CANNOT_INVITE)
        if not SpaceGrant.objects.filter(guest_id=actor.id, space=space).exists():
            raise PermissionDenied(NO_ACCESS)
    require_method(space.environment, GuestAuthentication.MAGIC_LINK)
    from_name = clean_line(from_name, field="from_name", what="The sender's name")
    message = clean_message(message)
    link, token = magic_link_create(
        guest=guest, space=space, purpose=MagicLink.Purpose.INVITATION, actor=actor
    )
    context = {
        "inviter": from_name or space.environment.account.name,
        "message": message,
        "space": space,
        "url": links.magic_link_url(token),
    }
    send_after_commit(
        subject=f"You are invited to {space.name}",
        body=render_to_string("guests/mail/invitation.txt", context),
        to=guest.email,
    )
    record_guest_event(
        "guest:invited",
        guest=guest,
        actor=actor,
        space_id=space.id,
        magicLinkId=link.id,
        fromName=from_name or None,
    )
    return link


class Invitation(TypedDict):
    """One invitation of guests_invite: guest_invite's arguments but the actor."""

    guest: Guest
    space: Space
    from_name: NotRequired[str | None]
    message: NotRequired[str | None]


@transaction.atomic
def guests_invite(*, actor: Actor | None, invitations: list[Invitation]) -> list[MagicLink]:
    """Each invitation sent as guest_invite sends it, in the order given; all or nothing
    (the API's list of invitations): one refused and no mail leaves."""
    return [guest_invite(actor=actor, **invitation) for invitation in invitations]


@transaction.atomic
def guest_reinvite(*, guest: Guest, space: Space, actor: Actor | None) -> MagicLink:
    """Resend an invitation (the space page's "Resend"): a new one is mailed, and the
    guest's invitations to `space` still pending stop working at once, so one is live at a
    time, as with administrators' invitations. Sign-in links the guest asked for stay."""
    now = timezone.now()
    pending = MagicLink.objects.filter(
        guest=guest,
        space=space,
        purpose=MagicLink.Purpose.INVITATION,
        used_at__isnull=True,
        revoked_at__isnull=True,
        expires_at__gt=now,
    )
    replaced = list(pending.values_list("id", flat=True))
    MagicLink.objects.filter(pk__in=replaced, revoked_at__isnull=True).update(revoked_at=now)
    for link_id in replaced:
        record_guest_event(
            "magic-link:revoked", guest=guest, actor=actor, space_id=space.id, magicLinkId=link_id
        )
    return guest_invite(guest=guest, space=space, actor=actor)


@transaction.atomic
def magic_link_revoke(*, link: MagicLink, actor: Actor | None) -> None:
    """Withdraw a pending link (the pending invitations view): it stops working at once."""
    revoked = MagicLink.objects.filter(
        pk=link.pk, used_at__isnull=True, revoked_at__isnull=True
    ).update(revoked_at=timezone.now())
    if revoked != 1:
        raise ValidationError("This link was already used or revoked.")
    record_guest_event(
        "magic-link:revoked",
        guest=link.guest,
        actor=actor,
        space_id=link.space_id,
        magicLinkId=link.id,
    )


@transaction.atomic
def magic_link_spend(*, token: str) -> SpaceGrant:
    """Spend a magic link (the POST from its confirmation page) and answer the grant it
    signs in to, its last access recorded. Atomic: a conditional UPDATE whose row count
    must be 1, so of two requests with the same link at the same moment exactly one
    succeeds. A used, expired, revoked or unknown link, a link of a deleted guest (deleted
    with them) or of a removed grant, or an environment that no longer lets guests in by
    magic link: ValidationError, and the link is left as it was."""
    if not links.is_well_formed(token, links.MAGIC_LINK):
        raise ValidationError(LINK_GONE)
    digest = links.digest(token)
    now = timezone.now()
    spent = MagicLink.objects.filter(
        token_digest=digest, used_at__isnull=True, revoked_at__isnull=True, expires_at__gt=now
    ).update(used_at=now)
    if spent != 1:
        raise ValidationError(LINK_GONE)
    link = MagicLink.objects.select_related("guest__environment__account", "space").get(
        token_digest=digest
    )
    require_method(link.guest.environment, GuestAuthentication.MAGIC_LINK)
    grant = (
        SpaceGrant.objects.select_related("guest__environment__account", "space__environment")
        .filter(guest_id=link.guest_id, space_id=link.space_id)
        .first()
    )
    if grant is None:
        raise ValidationError(LINK_GONE)
    grant.last_accessed_at = now
    grant.save(update_fields=["last_accessed_at"])
    record_guest_event(
        "magic-link:used",
        guest=grant.guest,
        actor=grant.guest,
        space_id=link.space_id,
        magicLinkId=link.id,
        purpose=link.purpose,
    )
    return grant


@transaction.atomic
def magic_link_request(*, space: Space, email: str) -> None:
    """ "Email me a new link": mail a 15-minute sign-in link to the guest with this email if
    they have access to `space` and the environment lets guests in by magic link; do nothing
    otherwise. It answers the same either way, so it never tells whether someone is a
    guest. (The page limits how often it is asked.)"""
    try:
        email = clean_guest_email(email)
    except ValidationError:
        return
    grant = (
        SpaceGrant.objects.select_related("guest__environment__account", "space__environment")
        .filter(space=space, guest__email=email)
        .first()
    )
    if (
        grant is None
        or GuestAuthentication.MAGIC_LINK not in grant.guest.environment.guest_authentication
    ):
        return
    _send_sign_in_link(grant)


def _send_sign_in_link(grant: SpaceGrant) -> MagicLink:
    guest, space = grant.guest, grant.space
    link, token = magic_link_create(
        guest=guest, space=space, purpose=MagicLink.Purpose.SIGN_IN, actor=guest
    )
    send_after_commit(
        subject=f"Your sign-in link for {space.name}",
        body=render_to_string(
            "guests/mail/sign_in_link.txt", {"space": space, "url": links.magic_link_url(token)}
        ),
        to=guest.email,
    )
    return link
