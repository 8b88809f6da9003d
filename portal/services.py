"""Helpers every app's services share."""

import logging
from datetime import datetime, timedelta

from django.db import DatabaseError, models, transaction
from django.db.models import Q

from portal.ratelimit import client_ip

logger = logging.getLogger(__name__)

# A use (a credential's, a guest's opening of a space) is noted at most this often: a
# caller's every request would otherwise write the same row.
USE_RESOLUTION = timedelta(minutes=1)


def model_update(*, instance: models.Model, data: dict) -> list[str]:
    """Set the fields of `data` whose value differs and save only those (with `updated_at`
    where the model has one): one UPDATE, or none when nothing changed. Returns the names of
    the fields that changed, sorted, for the change's event. HackSoft's `model_update`, less
    its full_clean: our services check what they are given themselves, in fewer queries."""
    changed = sorted(field for field, value in data.items() if getattr(instance, field) != value)
    for field in changed:
        setattr(instance, field, data[field])
    if changed:
        stamped = ["updated_at"] if hasattr(type(instance), "updated_at") else []
        instance.save(update_fields=[*changed, *stamped])
    return changed


def record_use(
    *,
    model: type[models.Model],
    pk: str,
    field: str,
    now: datetime,
    where_from: dict | None = None,
) -> None:
    """Set `field` of row `pk` to `now` unless it already says a time within USE_RESOLUTION:
    the UPDATE is conditional (another process may have just done it), skips a row another
    transaction holds rather than waiting for it, and never fails the request (a failure is
    logged). Not an audit event: a use, not a change. `where_from` (used_from's fields) is
    written in the same UPDATE."""
    stale = Q(**{f"{field}__isnull": True}) | Q(**{f"{field}__lt": now - USE_RESOLUTION})
    try:
        with transaction.atomic():
            unlocked = model.objects.filter(stale, pk=pk).select_for_update(skip_locked=True)
            model.objects.filter(pk__in=unlocked.values("pk")).update(
                **{field: now}, **(where_from or {})
            )
    except DatabaseError:
        logger.warning("Could not record last use of %s %s", model.__name__, pk, exc_info=True)


# As tokens.models.CLIENT_MAX_LENGTH: a User-Agent is kept to this many characters.
CLIENT_MAX_LENGTH = 200


def used_from(request) -> dict:
    """Where a credential used by `request` was used from, as tokens.models.CredentialUse
    keeps it: the client's address (portal.ratelimit.client_ip) and its User-Agent, trimmed."""
    client = request.META.get("HTTP_USER_AGENT", "")[:CLIENT_MAX_LENGTH]
    # PostgreSQL refuses a NUL in text.
    return {"last_used_address": client_ip(request), "last_used_client": client.replace("\x00", "")}
