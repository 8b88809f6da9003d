"""Reads that a page and an endpoint both make, written once (HackSoft's selectors): each
takes the caller's reach and the filters asked for and returns an ordered QuerySet, so the
page pages it with Django's Paginator and the API with portal.pagination.Pagination."""

from datetime import datetime

from django.db.models import QuerySet

from accounts.access import Reach


def events_filtered(
    *,
    reach: Reach,
    environment_id: str | None = None,
    space_id: str | None = None,
    domain: str | None = None,
    topic: str | None = None,
    since: datetime | None = None,
) -> QuerySet:
    """The audit trail within the caller's reach, newest first (an administrator's: the whole
    account's; a secret key's: its environment's), narrowed to the filters given (None or
    empty: not filtered).

    Environment and space ids are matched as text, never looked up: the events of a deleted
    environment or space can still be found, and an id outside the reach simply matches
    nothing, exactly like an unknown one. `since` keeps the events at or after that moment.
    """
    events = reach.events()
    if environment_id:
        events = events.filter(environment_id=environment_id)
    if space_id:
        events = events.filter(space_id=space_id)
    if domain:
        events = events.filter(domain=domain)
    if topic:
        events = events.filter(topic=topic)
    if since is not None:
        events = events.filter(created_at__gte=since)
    return events
