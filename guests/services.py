"""Every write about guests: one function per operation, atomic, audited. A link's raw
token is returned once by the function that makes it (or only mailed) and never stored or
put in an event.

`spaces`, where a service takes it, is `[{"space": Space, "workbooks": [Workbook] | None}]`
(guests.access.space_choices_within makes it from the API's ids): no workbooks, or an empty
list, grants the whole space; otherwise only those workbooks, each of which must be in its
space, as each space must be in the guest's environment.

Who acts (`actor`) is anything with an `id`, as the audit trail records actors: a user, an
API key's principal, a guest (a Guest, or a guest principal of the API)."""

import logging
from datetime import datetime, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import DatabaseError, IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from accounts.audit import Actor, record_event
from accounts.models import (
    NAME_MAX_LENGTH,
    AuditScope,
    Environment,
    GuestAuthentication,
    Space,
    Workbook,
    normalize_email,
)
from accounts.services import clean_name
from guests import links
from guests.models import (
    Guest,
    MagicLink,
    SharedLink,
    SharedLinkConfirmation,
    SpaceGrant,
    WorkbookGrant,
)
from portal.mail import send_after_commit
from tokens import access_tokens, encryption

logger = logging.getLogger(__name__)

LIFETIMES = {
    MagicLink.Purpose.INVITATION: timedelta(hours=72),
    MagicLink.Purpose.SIGN_IN: timedelta(minutes=15),
}
EMAIL_MAX_LENGTH = 254  # Django's EmailField
MESSAGE_MAX_LENGTH = 2000
GUEST_ID_PREFIX = "us_g_"

NO_ACCESS = "This guest has no access to that space."
LINK_GONE = "This link is invalid, expired, revoked or already used."
GUESTS_CANNOT_INVITE = "Guests of this space may not invite other guests."
METHOD_OFF = {
    GuestAuthentication.MAGIC_LINK: "This environment does not let guests in by magic link.",
    GuestAuthentication.SHARED_LINK: "This environment does not let guests in by shared link.",
}


# Checks -----------------------------------------------------------------------------------


def clean_guest_email(email) -> str:
    """The address as it is stored and looked up (accounts.models.normalize_email), if it is
    one."""
    email = normalize_email(email)
    try:
        if len(email) > EMAIL_MAX_LENGTH:
            raise ValidationError("too long")
        validate_email(email)
    except ValidationError as error:
        raise ValidationError({"email": "Enter a valid email address."}) from error
    return email


def _clean_line(value, *, field: str, what: str, max_length: int = NAME_MAX_LENGTH) -> str:
    """Optional text on one line (it goes into a mail): "" when absent."""
    text = (value or "").strip()
    if len(text) > max_length:
        raise ValidationError({field: f"{what} must be at most {max_length} characters."})
    if any(not character.isprintable() for character in text):
        raise ValidationError({field: f"{what} must be one line of text."})
    return text


def _one_line(text: str) -> str:
    return " ".join("".join(c if c.isprintable() else " " for c in text).split())


def _clean_message(value) -> str:
    text = (value or "").strip()
    if len(text) > MESSAGE_MAX_LENGTH:
        raise ValidationError(
            {"message": f"The message must be at most {MESSAGE_MAX_LENGTH} characters."}
        )
    if "\x00" in text:
        raise ValidationError({"message": "The message cannot hold NUL characters."})
    return text


def _clean_spaces(environment: Environment, spaces) -> list[tuple[Space, list[Workbook] | None]]:
    """(space, workbooks or None for the whole space) for each space asked for, checked:
    each space in the guest's environment, each workbook in its space, no space twice."""
    chosen, seen = [], set()
    for item in spaces or ():
        space, workbooks = item["space"], item.get("workbooks") or None
        if space.environment_id != environment.id:
            raise ValidationError(
                {"spaces": f"Space {space.id} is not in this guest's environment."}
            )
        if space.id in seen:
            raise ValidationError({"spaces": f"Space {space.id} is given more than once."})
        seen.add(space.id)
        if workbooks is not None:
            for workbook in workbooks:
                if workbook.space_id != space.id:
                    raise ValidationError(
                        {"spaces": f"Workbook {workbook.id} is not in space {space.id}."}
                    )
            workbooks = list({workbook.id: workbook for workbook in workbooks}.values())
        chosen.append((space, workbooks))
    return chosen


def _require_method(environment: Environment, method: str) -> None:
    if method not in environment.guest_authentication:
        raise ValidationError(METHOD_OFF[method])


def is_guest(actor: Actor | None) -> bool:
    """Whether a guest is acting (a Guest, or a guest principal of the API: its id is the
    guest's)."""
    return actor is not None and (isinstance(actor, Guest) or actor.id.startswith(GUEST_ID_PREFIX))


def _actor_id(actor: Actor | None) -> str:
    return actor.id if actor is not None else ""


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def _record(topic: str, *, guest: Guest, actor: Actor | None, space_id: str = "", **payload):
    """An event about the guest (their id and email first in its details), in one of their
    spaces when `space_id` is given."""
    scope = AuditScope(guest.environment.account, guest.environment_id, space_id)
    record_event(topic, on=scope, actor=actor, guestId=guest.id, email=guest.email, **payload)


# Grants -----------------------------------------------------------------------------------


def _lock(guest: Guest) -> None:
    """Hold the guest's row until the transaction ends, so that two changes of their grants
    at once (two administrators adding the same space) take turns rather than both
    inserting the same grant."""
    Guest.objects.select_for_update().filter(pk=guest.pk).values_list("pk").first()


def _grant(
    guest: Guest,
    chosen: list[tuple[Space, list[Workbook] | None]],
    *,
    actor: Actor | None,
    via: str,
) -> None:
    """Grant each chosen space with its workbook limits; a space granted already keeps its
    grant (how it was given, when last opened) and takes the limits given now."""
    if not chosen:
        return
    _lock(guest)
    space_ids = [space.id for space, _ in chosen]
    existing = {
        grant.space_id: grant
        for grant in SpaceGrant.objects.filter(guest=guest, space_id__in=space_ids)
    }
    limits_before: dict[str, set[str]] = {}
    for space_id, workbook_id in WorkbookGrant.objects.filter(
        guest=guest, space_id__in=existing.keys()
    ).values_list("space_id", "workbook_id"):
        limits_before.setdefault(space_id, set()).add(workbook_id)
    SpaceGrant.objects.bulk_create(
        [
            SpaceGrant(
                guest=guest,
                space=space,
                all_workbooks=workbooks is None,
                via=via,
                granted_by_id=_actor_id(actor),
            )
            for space, workbooks in chosen
            if space.id not in existing
        ]
    )
    changed = [
        (space, workbooks)
        for space, workbooks in chosen
        if space.id in existing
        and (
            existing[space.id].all_workbooks != (workbooks is None)
            or limits_before.get(space.id, set()) != {workbook.id for workbook in workbooks or ()}
        )
    ]
    for whole in (True, False):
        SpaceGrant.objects.filter(
            guest=guest,
            space_id__in=[space.id for space, workbooks in changed if (workbooks is None) is whole],
        ).update(all_workbooks=whole)
    replaced = [space.id for space, _ in changed]
    if replaced:
        WorkbookGrant.objects.filter(guest=guest, space_id__in=replaced).delete()
    WorkbookGrant.objects.bulk_create(
        [
            WorkbookGrant(guest=guest, space=space, workbook=workbook)
            for space, workbooks in chosen
            if space.id not in existing or space.id in replaced
            for workbook in workbooks or ()
        ]
    )
    for space, workbooks in chosen:
        workbook_ids = [workbook.id for workbook in workbooks] if workbooks is not None else None
        if space.id not in existing:
            _record(
                "guest:space-granted",
                guest=guest,
                actor=actor,
                space_id=space.id,
                via=via,
                workbookIds=workbook_ids,
            )
        elif space.id in replaced:
            _record(
                "guest:workbooks-changed",
                guest=guest,
                actor=actor,
                space_id=space.id,
                workbookIds=workbook_ids,
            )


def _remove_grants(guest: Guest, space_ids: list[str], *, actor: Actor | None) -> None:
    """End the guest's access to these spaces: their grants and workbook grants go and
    their outstanding magic links there are revoked. Three statements however many."""
    if not space_ids:
        return
    _lock(guest)
    SpaceGrant.objects.filter(guest=guest, space_id__in=space_ids).delete()
    WorkbookGrant.objects.filter(guest=guest, space_id__in=space_ids).delete()
    MagicLink.objects.filter(
        guest=guest, space_id__in=space_ids, used_at__isnull=True, revoked_at__isnull=True
    ).update(revoked_at=timezone.now())
    for space_id in space_ids:
        _record("guest:space-removed", guest=guest, actor=actor, space_id=space_id)


ACCESS_RESOLUTION = timedelta(minutes=1)


def space_grant_record_access(*, grant: SpaceGrant) -> None:
    """Note that the guest opened the grant's space now (the guest's space page), at most
    once a minute: the UPDATE is conditional (another process may have just done it), skips
    a row another transaction holds rather than waiting, and never fails the page. Not an
    audit event: a view, like a credential's last use."""
    now = timezone.now()
    if grant.last_accessed_at is not None and now - grant.last_accessed_at < ACCESS_RESOLUTION:
        return
    stale = Q(last_accessed_at__isnull=True) | Q(last_accessed_at__lt=now - ACCESS_RESOLUTION)
    try:
        with transaction.atomic():
            unlocked = SpaceGrant.objects.filter(stale, pk=grant.pk).select_for_update(
                skip_locked=True
            )
            SpaceGrant.objects.filter(pk__in=unlocked.values("pk")).update(last_accessed_at=now)
    except DatabaseError:
        logger.warning("Could not record access to space grant %s", grant.pk, exc_info=True)
    grant.last_accessed_at = now


# Guests -----------------------------------------------------------------------------------


@transaction.atomic
def guest_create(
    *,
    environment: Environment,
    actor: Actor | None,
    email: str,
    name: str,
    spaces=(),
    via: str = SpaceGrant.Via.ADMINISTRATOR,
) -> Guest:
    """The environment's guest with this email, made now or reused (a reused guest keeps
    their name), granted `spaces`. Spaces granted already keep their grant and take the
    workbook limits given now; the guest's other grants stay as they are."""
    email = clean_guest_email(email)
    name = clean_name(name)
    chosen = _clean_spaces(environment, spaces)
    if via not in SpaceGrant.Via.values:
        raise ValidationError({"via": "Unknown way of granting access."})
    guest, created = _guest_get_or_create(environment, email=email, name=name)
    if created:
        _record("guest:created", guest=guest, actor=actor, name=guest.name)
    _grant(guest, chosen, actor=actor, via=via)
    return guest


def _guest_get_or_create(environment: Environment, *, email: str, name: str) -> tuple[Guest, bool]:
    """The environment's guest with this (clean) email, and whether it was made just now.
    Of two requests making the same guest at once, one makes it and the other finds it."""
    guest = Guest.objects.filter(environment=environment, email=email).first()
    if guest is not None:
        return guest, False
    try:
        with transaction.atomic():  # a concurrent twin loses at the unique constraint
            return Guest.objects.create(environment=environment, email=email, name=name), True
    except IntegrityError:
        return Guest.objects.get(environment=environment, email=email), False


DUPLICATE_EMAIL = "Another guest of this environment has this email."


@transaction.atomic
def guest_update(
    *,
    guest: Guest,
    actor: Actor | None,
    name: str | None = None,
    email: str | None = None,
    spaces=None,
) -> Guest:
    """Rename the guest, change their email, or (`spaces` given) replace their grants:
    spaces left out lose their grant at once, spaces kept keep theirs. A new email revokes
    the magic links mailed to the old one."""
    changes = {}
    if name is not None:
        changes["name"] = clean_name(name)
    if email is not None:
        changes["email"] = clean_guest_email(email)
    chosen = _clean_spaces(guest.environment, spaces) if spaces is not None else None
    changed = sorted(field for field, value in changes.items() if getattr(guest, field) != value)
    if "email" in changed and (
        Guest.objects.filter(environment_id=guest.environment_id, email=changes["email"])
        .exclude(pk=guest.pk)
        .exists()
    ):
        raise ValidationError({"email": DUPLICATE_EMAIL})
    if changed:
        for field in changed:
            setattr(guest, field, changes[field])
        try:
            with transaction.atomic():
                guest.save(update_fields=[*changed, "updated_at"])
        except IntegrityError as error:
            raise ValidationError({"email": DUPLICATE_EMAIL}) from error
        if "email" in changed:
            MagicLink.objects.filter(
                guest=guest, used_at__isnull=True, revoked_at__isnull=True
            ).update(revoked_at=timezone.now())
        _record("guest:updated", guest=guest, actor=actor, changed=changed)
    if chosen is not None:
        kept = [space.id for space, _ in chosen]
        removed = sorted(
            SpaceGrant.objects.filter(guest=guest)
            .exclude(space_id__in=kept)
            .values_list("space_id", flat=True)
        )
        _remove_grants(guest, removed, actor=actor)
        _grant(guest, chosen, actor=actor, via=SpaceGrant.Via.ADMINISTRATOR)
    return guest


@transaction.atomic
def guest_remove_from_space(*, guest: Guest, space: Space, actor: Actor | None) -> None:
    """End the guest's access to this one space, at once: its grant, its workbook grants
    and its outstanding magic links. The guest and their other spaces stay."""
    if not SpaceGrant.objects.filter(guest=guest, space=space).exists():
        raise ValidationError({"space_id": NO_ACCESS})
    _remove_grants(guest, [space.id], actor=actor)


@transaction.atomic
def guest_delete(*, guest: Guest, actor: Actor | None) -> None:
    """Delete the guest everywhere, in one transaction: every grant and workbook grant and
    every magic link of theirs go with them (one DELETE per table, however many rows).

    Their guest access tokens and sessions name the guest's id and are checked against the
    database on every request (guests.verification), so they are refused on the very next
    request on every process: the row is gone. A guest later made with the same email is
    a new row with a new id, and starts with nothing."""
    space_ids = sorted(SpaceGrant.objects.filter(guest=guest).values_list("space_id", flat=True))
    _record("guest:deleted", guest=guest, actor=actor, name=guest.name, spaceIds=space_ids)
    guest.delete()


# Magic links ------------------------------------------------------------------------------


@transaction.atomic
def magic_link_create(
    *, guest: Guest, space: Space, purpose: str, actor: Actor | None
) -> tuple[MagicLink, str]:
    """A fresh single-use link that signs the guest in to `space` (invitations live 72
    hours, sign-in links 15 minutes). Returns the link and its raw token, once: the URL is
    guests.links.magic_link_url(token). Links made before stay good until used or expired."""
    if purpose not in LIFETIMES:
        raise ValidationError({"purpose": "Choose invitation or sign_in."})
    _require_method(space.environment, GuestAuthentication.MAGIC_LINK)
    if not SpaceGrant.objects.filter(guest=guest, space=space).exists():
        raise ValidationError({"space_id": NO_ACCESS})
    token = links.generate(links.MAGIC_LINK)
    link = MagicLink.objects.create(
        guest=guest,
        space=space,
        purpose=purpose,
        token_digest=links.digest(token),
        last_four=token[-4:],
        created_by_id=_actor_id(actor),
        expires_at=timezone.now() + LIFETIMES[purpose],
    )
    _record(
        "magic-link:created",
        guest=guest,
        actor=actor,
        space_id=space.id,
        magicLinkId=link.id,
        purpose=purpose,
        expiresAt=_iso(link.expires_at),
    )
    return link, token


def _mail_link(*, email: str, space: Space, url: str, subject: str, opening: str, hours: str):
    body = f"{opening}\n\nOpen {space.name} here (the link works once, for {hours}):\n{url}\n"
    send_after_commit(subject=subject, body=body, to=email)


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
    _require_method(space.environment, GuestAuthentication.MAGIC_LINK)
    from_name = _clean_line(from_name, field="from_name", what="The sender's name")
    message = _clean_message(message)
    link, token = magic_link_create(
        guest=guest, space=space, purpose=MagicLink.Purpose.INVITATION, actor=actor
    )
    inviter = from_name or space.environment.account.name
    opening = f"{inviter} invited you to {space.name}."
    if message:
        opening += f"\n\n{message}"
    _mail_link(
        email=guest.email,
        space=space,
        url=links.magic_link_url(token),
        subject=f"You are invited to {space.name}",
        opening=opening,
        hours="72 hours",
    )
    _record(
        "guest:invited",
        guest=guest,
        actor=actor,
        space_id=space.id,
        magicLinkId=link.id,
        fromName=from_name or None,
    )
    return link


@transaction.atomic
def guest_add(
    *, space: Space, actor: Actor, email: str, name: str, workbooks=()
) -> tuple[Guest, bool]:
    """An administrator's "Add guest" on a space's page: the guest with this email (made,
    or the environment's guest reused) granted `space`, narrowed to `workbooks` if any
    are given, and mailed an invitation to it when the environment lets guests in by magic
    link. The guest, and whether an invitation was mailed; all or nothing."""
    guest = guest_create(
        environment=space.environment,
        actor=actor,
        email=email,
        name=name,
        spaces=[{"space": space, "workbooks": workbooks}],
    )
    invited = GuestAuthentication.MAGIC_LINK in space.environment.guest_authentication
    if invited:
        guest_invite(guest=guest, space=space, actor=actor)
    return guest, invited


@transaction.atomic
def guest_invite_guest(
    *,
    inviter: Guest,
    space: Space,
    email: str,
    name: str,
    from_name: str | None = None,
    message: str | None = None,
) -> Guest:
    """A guest invites someone to a space of theirs (the guest's page "Invite a guest"):
    that person's guest is made or reused and granted the space with the inviter's own
    workbook limits, then mailed an invitation. Someone who has the space already keeps
    their grant as it is (an invitation neither widens nor narrows it)."""
    if not space.guests_can_invite:
        raise PermissionDenied(GUESTS_CANNOT_INVITE)
    grant = SpaceGrant.objects.filter(guest=inviter, space=space).first()
    if grant is None:
        raise PermissionDenied(NO_ACCESS)
    guest = guest_create(environment=space.environment, actor=inviter, email=email, name=name)
    if not SpaceGrant.objects.filter(guest=guest, space=space).exists():
        workbooks = (
            None
            if grant.all_workbooks
            else list(Workbook.objects.filter(guest_grants__guest=inviter, space=space))
        )
        _grant(guest, [(space, workbooks)], actor=inviter, via=SpaceGrant.Via.GUEST)
    guest_invite(
        guest=guest,
        space=space,
        actor=inviter,
        # A name is stored as typed (a tab, a control character): the mail's sender line takes
        # it as one line, so a guest with such a name can still invite.
        from_name=from_name or _one_line(inviter.name),
        message=message,
    )
    return guest


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
        _record(
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
    _record(
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
    _require_method(link.guest.environment, GuestAuthentication.MAGIC_LINK)
    grant = (
        SpaceGrant.objects.select_related("guest__environment__account", "space__environment")
        .filter(guest_id=link.guest_id, space_id=link.space_id)
        .first()
    )
    if grant is None:
        raise ValidationError(LINK_GONE)
    grant.last_accessed_at = now
    grant.save(update_fields=["last_accessed_at"])
    _record(
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
    _mail_link(
        email=guest.email,
        space=space,
        url=links.magic_link_url(token),
        subject=f"Your sign-in link for {space.name}",
        opening="Here is the sign-in link you asked for.",
        hours="15 minutes",
    )
    return link


# Shared links -----------------------------------------------------------------------------


@transaction.atomic
def shared_link_regenerate(
    *, space: Space, actor: Actor | None, expires_at: datetime | None = None
) -> tuple[SharedLink, str]:
    """The space's shared link with a new token (made the first time): the old token stops
    working at once. Enabled again if it was disabled; `expires_at` (None: never) must be in
    the future. Returns the link and its raw token (the URL: guests.links.shared_link_url);
    administrators can copy it again later (SharedLink.token)."""
    _require_method(space.environment, GuestAuthentication.SHARED_LINK)
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
        for field, value in values.items():
            setattr(link, field, value)
        link.save(update_fields=list(values))
    record_event(
        "shared-link:regenerated",
        on=space,
        actor=actor,
        sharedLinkId=link.id,
        expiresAt=_iso(expires_at),
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
    _require_method(link.space.environment, GuestAuthentication.SHARED_LINK)
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
    _mail_link(
        email=email,
        space=space,
        url=links.shared_link_confirmation_url(confirmation_token),
        subject=f"Confirm your email to join {space.name}",
        opening=(
            f"Someone asked to join {space.name} ({space.environment.account.name}) as a guest"
            " with this email address. If it was you, confirm it with the link below."
            " If it was not, ignore this mail: nothing changes."
        ),
        hours="15 minutes",
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
    _require_method(environment, GuestAuthentication.SHARED_LINK)
    guest, created = _guest_get_or_create(
        environment, email=confirmation.email, name=confirmation.name
    )
    if created:
        _record("guest:created", guest=guest, actor=guest, name=guest.name)
    if not SpaceGrant.objects.filter(guest=guest, space=space).exists():
        _grant(guest, [(space, None)], actor=guest, via=SpaceGrant.Via.SHARED_LINK)
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


# Guest access tokens ----------------------------------------------------------------------


@transaction.atomic
def guest_access_token_create(
    *, guest: Guest, space: Space | None = None, actor: Actor | None = None
) -> tuple[str, datetime]:
    """A 1-hour access token for the guest (GET /v1/guests/{id}/token): it reaches the
    spaces and workbooks the guest is granted, or with `space` that space only, and is
    refused on the next request once the guest is deleted (or removed from that space).
    Returns the token and when it expires."""
    claims = {}
    if space is not None:
        if not SpaceGrant.objects.filter(guest=guest, space=space).exists():
            raise ValidationError({"space_id": NO_ACCESS})
        claims["spc"] = space.id
    token, expires_at = access_tokens.issue(
        kind=access_tokens.GUEST, subject=guest.id, claims=claims
    )
    _record(
        "access-token:created",
        guest=guest,
        actor=actor if actor is not None else guest,
        space_id=space.id if space is not None else "",
        via="guest",
        expiresAt=_iso(expires_at),
    )
    return token, expires_at
