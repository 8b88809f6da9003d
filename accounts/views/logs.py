"""The audit log's page."""

from django.core.paginator import Paginator
from django.shortcuts import render

from accounts import event_log, selectors
from accounts.forms import LogFilterForm
from accounts.views.common import administrator_page

EVENTS_PER_PAGE = 50


@administrator_page
def logs(request, account):
    form = LogFilterForm(request.GET or None)
    form.is_valid()
    wanted = form.cleaned_data if form.is_bound else {}
    # The same filtered log as GET /v1/events (the environment as text: the events of a
    # deleted environment can still be filtered).
    events = selectors.events_filtered(
        reach=request.reach, environment_id=wanted.get("environment"), topic=wanted.get("topic")
    )
    page = Paginator(events, EVENTS_PER_PAGE).get_page(request.GET.get("page"))
    environment_names = event_log.environment_names(account)
    event_log.describe(account, page, environment_names)
    topics = request.reach.events().values_list("topic", flat=True).distinct().order_by("topic")
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "accounts/logs.html",
        {
            "page": page,
            "topics": [(topic, event_log.topic_words(topic)) for topic in topics],
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
        },
    )
