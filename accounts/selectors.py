"""Reads that a page and an endpoint both make, written once (HackSoft's selectors): each
takes the caller's reach and the filters asked for and returns an ordered QuerySet, so the
page pages it with Django's Paginator and the API with portal.pagination.Pagination."""

from datetime import datetime

from django.db.models import Count, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce

from accounts.access import Reach
from accounts.models import Space


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


def spaces_counted(*, reach: Reach, spaces: QuerySet[Space]) -> QuerySet[Space]:
    """`spaces` with what a list shows of each: its environment and its number of workbooks
    the caller may see (`workbooks_count`), in the same query. The count is a subquery per
    row, so a list counts only its page's rows (page_counted): on a deep page the OFFSET
    would otherwise have the workbooks of every row it skips counted too."""
    # A guest's are narrowed to their grants, and so are the workbooks they count: a guest
    # granted some of a space's workbooks counts those.
    workbooks = reach.workbooks().filter(space=OuterRef("pk"))
    counted = workbooks.order_by().values("space").annotate(count=Count("pk")).values("count")
    return spaces.select_related("environment").annotate(
        workbooks_count=Coalesce(Subquery(counted), 0)
    )


def page_counted(*, reach: Reach, spaces: QuerySet[Space], page: QuerySet[Space]) -> QuerySet:
    """The rows of `page` (a slice of the ordered `spaces`) with their counts
    (spaces_counted), in one query: the slice is a subquery of ids, so only its rows are
    counted, and the deep page's sort handles ids rather than whole rows."""
    return spaces_counted(reach=reach, spaces=spaces.filter(pk__in=page.values("pk")))
