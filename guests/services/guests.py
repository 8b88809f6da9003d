"""Guests: made (or reused by email), changed, removed from a space, deleted; an
administrator's "Add guest" and a guest's "Invite a guest"."""

from typing import TypedDict

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.audit import Actor
from accounts.models import Environment, GuestAuthentication, Space, Workbook
from accounts.services import clean_name
from guests.models import Guest, MagicLink, SpaceGrant
from guests.services.common import (
    GUESTS_CANNOT_INVITE,
    NO_ACCESS,
    clean_guest_email,
    clean_spaces,
    one_line,
    record_guest_event,
)
from guests.services.grants import grant_spaces, remove_grants
from guests.services.magic_links import guest_invite
from portal.services import model_update


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
    chosen = clean_spaces(environment, spaces)
    if via not in SpaceGrant.Via.values:
        raise ValidationError({"via": "Unknown way of granting access."})
    guest, created = guest_get_or_create(environment, email=email, name=name)
    if created:
        record_guest_event("guest:created", guest=guest, actor=actor, name=guest.name)
    grant_spaces(guest, chosen, actor=actor, via=via)
    return guest


class GuestToCreate(TypedDict):
    """One guest of guests_create: guest_create's arguments but the actor."""

    environment: Environment
    email: str
    name: str
    spaces: list[dict]


@transaction.atomic
def guests_create(*, actor: Actor | None, guests: list[GuestToCreate]) -> list[Guest]:
    """Each guest made or reused as guest_create does, in the order given; all or nothing
    (the API's list of guests): one refused and none is made."""
    return [guest_create(actor=actor, **guest) for guest in guests]


def guest_get_or_create(environment: Environment, *, email: str, name: str) -> tuple[Guest, bool]:
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
    chosen = clean_spaces(guest.environment, spaces) if spaces is not None else None
    changed = sorted(field for field, value in changes.items() if getattr(guest, field) != value)
    if "email" in changed and (
        Guest.objects.filter(environment_id=guest.environment_id, email=changes["email"])
        .exclude(pk=guest.pk)
        .exists()
    ):
        raise ValidationError({"email": DUPLICATE_EMAIL})
    if changed:
        try:
            with transaction.atomic():  # a concurrent twin loses at the unique constraint
                model_update(instance=guest, data=changes)
        except IntegrityError as error:
            raise ValidationError({"email": DUPLICATE_EMAIL}) from error
        if "email" in changed:
            MagicLink.objects.filter(
                guest=guest, used_at__isnull=True, revoked_at__isnull=True
            ).update(revoked_at=timezone.now())
        record_guest_event("guest:updated", guest=guest, actor=actor, changed=changed)
    if chosen is not None:
        kept = [space.id for space, _ in chosen]
        removed = sorted(
            SpaceGrant.objects.filter(guest=guest)
            .exclude(space_id__in=kept)
            .values_list("space_id", flat=True)
        )
        remove_grants(guest, removed, actor=actor)
        grant_spaces(guest, chosen, actor=actor, via=SpaceGrant.Via.ADMINISTRATOR)
    return guest


@transaction.atomic
def guest_remove_from_space(*, guest: Guest, space: Space, actor: Actor | None) -> None:
    """End the guest's access to this one space, at once: its grant, its workbook grants
    and its outstanding magic links. The guest and their other spaces stay."""
    if not SpaceGrant.objects.filter(guest=guest, space=space).exists():
        raise ValidationError({"space_id": NO_ACCESS})
    remove_grants(guest, [space.id], actor=actor)


@transaction.atomic
def guest_delete(*, guest: Guest, actor: Actor | None) -> None:
    """Delete the guest everywhere, in one transaction: every grant and workbook grant and
    every magic link of theirs go with them (one DELETE per table, however many rows).

    Their guest access tokens and sessions name the guest's id and are checked against the
    database on every request (guests.verification), so they are refused on the very next
    request on every process: the row is gone. A guest later made with the same email is
    a new row with a new id, and starts with nothing."""
    space_ids = sorted(SpaceGrant.objects.filter(guest=guest).values_list("space_id", flat=True))
    record_guest_event(
        "guest:deleted", guest=guest, actor=actor, name=guest.name, spaceIds=space_ids
    )
    guest.delete()


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
        grant_spaces(guest, [(space, workbooks)], actor=inviter, via=SpaceGrant.Via.GUEST)
    guest_invite(
        guest=guest,
        space=space,
        actor=inviter,
        # A name is stored as typed (a tab, a control character): the mail's sender line takes
        # it as one line, so a guest with such a name can still invite.
        from_name=from_name or one_line(inviter.name),
        message=message,
    )
    return guest
