"""Reads that a page and an endpoint both make, written once (HackSoft's selectors): each
takes the caller's reach and the filters asked for and returns an ordered QuerySet, so the
page pages it with Django's Paginator and the API with portal.pagination.Pagination."""

from datetime import datetime

from django.db.models import Count, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce

from accounts.access import Reach
from accounts.models import Event, Space

# How deep the trail's pages reach by number, on the Logs page and GET /v1/events. A page
# is read off an index, but the rows before it are walked one by one: 10,000 deep is as
# quick as the first page, a million deep a hundred times slower. Past it, `before` (a
# cursor: events_filtered) pages on as quickly at any depth.
EVENTS_MAX_DEPTH = 10_000


def events_page(page: QuerySet) -> QuerySet:
    """A page of the trail (a slice of events_filtered) as its rows: the slice is read for
    its ids alone (an index-only scan past the rows it skips), then only its rows are."""
    return Event.objects.filter(pk__in=page.values("pk"))


def events_filtered(
    *,
    reach: Reach,
    environment_id: str | None = None,
    space_id: str | None = None,
    domain: str | None = None,
    topic: str | None = None,
    since: datetime | None = None,
    before: str | None = None,
) -> QuerySet:
    """The audit trail within the caller's reach, newest first (an administrator's: the whole
    account's; a secret key's: its environment's), narrowed to the filters given (None or
    empty: not filtered).

    Environment and space ids are matched as text, never looked up: the events of a deleted
    environment or space can still be found, and an id outside the reach simply matches
    nothing, exactly like an unknown one. `since` keeps the events at or after that moment;
    `before`, an event's id, the events older than that event (after it, newest first: the
    cursor that walks past the deepest page); an event outside the reach is as unknown as
    one that never was, and an unknown one matches nothing.
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
    if before:
        # (created_at, id) below the cursor's, in the order's index: the range reaches from
        # its moment down, and of the events at its very moment only the smaller ids remain.
        moment = Subquery(reach.events().filter(pk=before).values("created_at"))
        events = events.filter(created_at__lte=moment).exclude(created_at=moment, id__gte=before)
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
