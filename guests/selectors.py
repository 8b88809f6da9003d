"""Reads that the API and the pages both make (HackSoft's selectors). None of them writes:
following a link (a GET) looks it up here and never spends it."""

from django.db.models import Prefetch, QuerySet, prefetch_related_objects
from django.db.models.fields.json import KT
from django.utils import timezone

from accounts import access
from accounts.event_log import ActorLabel
from accounts.models import Account, GuestAuthentication
from guests import links
from guests.models import (
    Guest,
    MagicLink,
    SharedLink,
    SharedLinkConfirmation,
    SpaceGrant,
    WorkbookGrant,
)


def _grants() -> list[Prefetch]:
    return [
        Prefetch("space_grants", queryset=SpaceGrant.objects.order_by("created_at", "id")),
        Prefetch("workbook_grants", queryset=WorkbookGrant.objects.order_by("created_at", "id")),
    ]


def with_grants(guests: QuerySet) -> QuerySet:
    """`guests` with their space grants and workbook grants prefetched, oldest first: two
    queries more however many guests and grants there are (GuestOutput reads them)."""
    return guests.prefetch_related(*_grants())


def grants_loaded(guests: list[Guest]) -> list[Guest]:
    """The guests a service returned or a fetch found, their grants loaded as with_grants
    loads them (two queries however many), without reading the guests again."""
    prefetch_related_objects(guests, *_grants())
    return guests


def with_spaces(guests: QuerySet) -> QuerySet:
    """`guests` with their space grants (each with its space, by name) and workbook grants
    (each with its workbook, by name) prefetched: what the administrator's pages show of
    each guest, in two queries more however many guests, grants and workbooks."""
    return guests.prefetch_related(
        Prefetch(
            "space_grants",
            queryset=SpaceGrant.objects.select_related("space").order_by("space__name", "id"),
        ),
        Prefetch(
            "workbook_grants",
            queryset=WorkbookGrant.objects.select_related("workbook").order_by(
                "workbook__name", "id"
            ),
        ),
    )


def shared_link_of(space) -> SharedLink | None:
    """The space's shared link, whatever its state (None before the first is made)."""
    return SharedLink.objects.filter(space=space).first()


def magic_link_pending(token: str) -> MagicLink | None:
    """The unused, unrevoked, unexpired link this token opens, with its guest and space (the
    confirmation page's "Continue to <space>"); None otherwise. Looking never spends it."""
    if not links.is_well_formed(token, links.MAGIC_LINK):
        return None
    return (
        MagicLink.objects.select_related("guest__environment", "space__environment")
        .filter(
            token_digest=links.digest(token),
            used_at__isnull=True,
            revoked_at__isnull=True,
            expires_at__gt=timezone.now(),
        )
        .first()
    )


def magic_link_of_token(token: str) -> MagicLink | None:
    """The link this token is, whatever its state (a used or expired link's page offers to
    mail a new one for its space); None for a token that is no link of ours."""
    if not links.is_well_formed(token, links.MAGIC_LINK):
        return None
    return (
        MagicLink.objects.select_related("space__environment")
        .filter(token_digest=links.digest(token))
        .first()
    )


def shared_link_active(token: str) -> SharedLink | None:
    """The turned-on, unexpired shared link this token is, with its space (and the account
    the join page names); None otherwise."""
    if not links.is_well_formed(token, links.SHARED_LINK):
        return None
    link = (
        SharedLink.objects.select_related("space__environment__account")
        .filter(token_digest=links.digest(token), disabled_at__isnull=True)
        .first()
    )
    return link if link is not None and link.is_active else None


def shared_link_confirmation_pending(token: str) -> SharedLinkConfirmation | None:
    """The unused, unexpired join confirmation this token opens, with its shared link and
    space, while its shared link still works as it did when the join form was sent; None
    otherwise. Looking never spends it."""
    if not links.is_well_formed(token, links.MAGIC_LINK):
        return None
    confirmation = (
        SharedLinkConfirmation.objects.select_related("shared_link__space__environment__account")
        .filter(
            token_digest=links.digest(token), used_at__isnull=True, expires_at__gt=timezone.now()
        )
        .first()
    )
    if confirmation is None or not confirmation.shared_link_still_works:
        return None
    return confirmation


def shared_link_urls(spaces: list) -> dict[str, str]:
    """{space id: URL} of the shared links of `spaces` (each with its environment loaded)
    that work now: turned on, unexpired, in an environment that allows shared links. One
    query, none when no space's environment allows them."""
    allowed = [
        space.pk
        for space in spaces
        if GuestAuthentication.SHARED_LINK in space.environment.guest_authentication
    ]
    if not allowed:
        return {}
    found = SharedLink.objects.filter(space_id__in=allowed, disabled_at__isnull=True)
    return {link.space_id: links.shared_link_url(link.token) for link in found if link.is_active}


def pending_magic_links(space) -> QuerySet:
    """The space's invitations and sign-in links not yet used, revoked or expired, newest
    first, with their guests (the pending invitations view)."""
    return MagicLink.objects.select_related("guest").filter(
        space=space, used_at__isnull=True, revoked_at__isnull=True, expires_at__gt=timezone.now()
    )


def guest_actor_labels(account: Account, guest_ids: set[str]) -> dict[str, ActorLabel]:
    """How the log names guests who made changes (settings.ACTOR_LABELLERS): by name and
    email, and a deleted one by the email their deletion's event recorded. One query for
    the living, one for the deleted."""
    labels = {}
    for guest_id, name, email in Guest.objects.filter(
        pk__in=guest_ids, environment__account=account
    ).values_list("id", "name", "email"):
        labels[guest_id] = (
            ActorLabel(name, note="guest", title=email) if name else ActorLabel(email)
        )
    deleted = guest_ids - labels.keys()
    if deleted:
        for guest_id, email in (
            access.events_within(account)
            .filter(topic="guest:deleted", payload__guestId__in=deleted)
            .values_list(KT("payload__guestId"), KT("payload__email"))
        ):
            labels[guest_id] = ActorLabel(email, note="deleted guest", title=guest_id)
    return labels
