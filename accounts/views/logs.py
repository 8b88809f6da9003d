"""The audit log's page."""

from functools import cached_property

from django.core.paginator import Page, Paginator
from django.shortcuts import render

from accounts import event_log, selectors
from accounts.audit import TOPICS
from accounts.forms import LogFilterForm
from accounts.views.common import administrator_page
from portal.pagination import count_of

EVENTS_PER_PAGE = 50


class EventPaginator(Paginator):
    """Django's Paginator over the trail as GET /v1/events pages it: the total counted with
    portal.pagination.count_of, each page read with selectors.events_page, and pages
    reaching EVENTS_MAX_DEPTH events deep (a page asked for past them is the deepest; its
    "Older" link pages on with `before`)."""

    @cached_property
    def count(self) -> int:
        return count_of(self.object_list)

    @cached_property
    def deepest(self) -> int:
        """The last page a number reaches (num_pages is at least 1, even with no rows)."""
        return min(self.num_pages, selectors.EVENTS_MAX_DEPTH // self.per_page)

    def page(self, number) -> Page:
        number = min(self.validate_number(number), self.deepest)
        start = (number - 1) * self.per_page
        rows = selectors.events_page(self.object_list[start : start + self.per_page])
        return Page(list(rows), number, self)


@administrator_page
def logs(request, account):
    form = LogFilterForm(request.GET or None)
    form.is_valid()
    wanted = form.cleaned_data if form.is_bound else {}
    # The same filtered log as GET /v1/events (the environment as text: the events of a
    # deleted environment can still be filtered).
    events = selectors.events_filtered(
        reach=request.reach,
        environment_id=wanted.get("environment"),
        topic=wanted.get("topic"),
        before=wanted.get("before"),
    )
    paginator = EventPaginator(events, EVENTS_PER_PAGE)
    page = paginator.get_page(request.GET.get("page"))
    environment_names = event_log.environment_names(account)
    event_log.describe(account, page, environment_names)
    query = request.GET.copy()
    query.pop("page", None)
    older_query = None
    if page.has_next() and page.number == paginator.deepest:
        older = query.copy()
        older["before"] = page.object_list[-1].id
        older_query = older.urlencode()
    return render(
        request,
        "accounts/logs.html",
        {
            "page": page,
            # From the code, not the trail: reading a million events for their topics would
            # cost more than the page.
            "topics": [(topic, event_log.topic_words(topic)) for topic in TOPICS],
            # The living environments first, then the deleted ones, each by name.
            "environment_choices": sorted(
                (
                    (environment_id, name, deleted)
                    for environment_id, (name, deleted) in environment_names.items()
                ),
                key=lambda choice: (choice[2], choice[1].lower()),
            ),
            "selected": wanted,
            "filter_query": query.urlencode(),
            "older_query": older_query,
        },
    )
