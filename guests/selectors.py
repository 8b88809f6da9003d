"""Reads that the API and the pages both make (HackSoft's selectors). None of them writes:
following a link (a GET) looks it up here and never spends it."""

from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from guests import links
from guests.models import MagicLink, SharedLink, SpaceGrant, WorkbookGrant


def with_grants(guests: QuerySet) -> QuerySet:
    """`guests` with their space grants and workbook grants prefetched, oldest first: two
    queries more however many guests and grants there are (GuestOutput reads them)."""
    return guests.prefetch_related(
        Prefetch("space_grants", queryset=SpaceGrant.objects.order_by("created_at", "id")),
        Prefetch("workbook_grants", queryset=WorkbookGrant.objects.order_by("created_at", "id")),
    )


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
    """The turned-on, unexpired shared link this token is, with its space; None otherwise."""
    if not links.is_well_formed(token, links.SHARED_LINK):
        return None
    link = (
        SharedLink.objects.select_related("space__environment")
        .filter(token_digest=links.digest(token), disabled_at__isnull=True)
        .first()
    )
    return link if link is not None and link.is_active else None


def pending_magic_links(space) -> QuerySet:
    """The space's invitations and sign-in links not yet used, revoked or expired, newest
    first, with their guests (the pending invitations view)."""
    return MagicLink.objects.select_related("guest").filter(
        space=space, used_at__isnull=True, revoked_at__isnull=True, expires_at__gt=timezone.now()
    )
