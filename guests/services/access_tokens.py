"""A guest's 1-hour access tokens (GET /v1/guests/{id}/token)."""

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.audit import Actor
from accounts.models import Space
from guests.models import Guest, SpaceGrant
from guests.services.common import NO_ACCESS, iso, record_guest_event
from tokens import access_tokens


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
    record_guest_event(
        "access-token:created",
        guest=guest,
        actor=actor if actor is not None else guest,
        space_id=space.id if space is not None else "",
        via="guest",
        expiresAt=iso(expires_at),
    )
    return token, expires_at
