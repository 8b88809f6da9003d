"""The administrator's guest pages' query counts: pinned, and not growing with guests,
grants or workbooks."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from guests import services
from guests.models import MagicLink
from tests.factories import WorkbookFactory, administrator_of
from tests.guests.admin_page_helpers import page_url
from tests.guests.conftest import make_guest
from tests.pages import text

# Query counts -----------------------------------------------------------------------------------


def _grow(environment, space, other_space, count: int, start: int = 0) -> None:
    """`count` more guests, each in both spaces, limited to a workbook of each, with a
    pending invitation, and a workbook more in each space."""
    admin = administrator_of(environment.account)
    for number in range(start, start + count):
        workbook, other_workbook = WorkbookFactory(space=space), WorkbookFactory(space=other_space)
        guest = make_guest(
            environment,
            email=f"g{number}@example.com",
            spaces=[(space, [workbook]), (other_space, [other_workbook])],
        )
        services.magic_link_create(
            guest=guest, space=space, purpose=MagicLink.Purpose.INVITATION, actor=admin
        )


def _count(client, url) -> int:
    client.get(url)  # a first visit may record the current environment in the session
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


# Every signed-in page starts with: session, user, membership with its account; then the
# switcher's environments.
PINNED = {
    # + the space with its environment, its workbooks; the count of the sidebar's guests, a
    # page of them, their grants with spaces, their workbook grants with workbooks, the
    # pending links with guests, the shared link
    "space": 12,
    # + the environment, the count of guests, a page of them, their grants with spaces,
    # their workbook grants with workbooks
    "guests": 9,
}


@pytest.mark.parametrize("rows", [1, 10])
def test_pinned_query_counts(
    admin_client, admin_user, environment, space, other_space, django_assert_num_queries, rows
):
    services.shared_link_regenerate(space=space, actor=admin_user)
    _grow(environment, space, other_space, rows)
    for name, url in [
        ("space", page_url(space)),
        ("guests", f"/environments/{environment.id}/guests/"),
    ]:
        admin_client.get(url)
        with django_assert_num_queries(PINNED[name]):
            response = admin_client.get(url)
        assert text(response).count(f"g{rows - 1}@example.com") >= 1, name  # rows really shown


def test_query_counts_do_not_grow_with_guests_grants_or_workbooks(
    admin_client, admin_user, environment, space, other_space
):
    services.shared_link_regenerate(space=space, actor=admin_user)
    urls = [page_url(space), f"/environments/{environment.id}/guests/"]
    _grow(environment, space, other_space, 1)
    small = [_count(admin_client, url) for url in urls]
    _grow(environment, space, other_space, 12, start=1)
    assert [_count(admin_client, url) for url in urls] == small
