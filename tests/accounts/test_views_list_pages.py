"""The administrator's list pages, through Django's test client: pinned query counts that do
not grow with rows, the order spaces are listed in, and paging."""

import pytest

from accounts import services
from tests.factories import AdministratorFactory, SpaceFactory, WorkbookFactory, development
from tests.pages import text

# Query counts stay flat as rows grow ------------------------------------------------------------


def _grow(account, admin_user, rows: int, start: int = 0) -> None:
    environment = development(account)
    for number in range(start, start + rows):
        space = SpaceFactory(environment=environment)
        WorkbookFactory(space=space)
        WorkbookFactory(space=environment.spaces.order_by("created_at").first())
        services.environment_create(account=account, actor=admin_user, name=f"extra {number}")
    for number in range(start, start + rows):
        services.administrator_invite(
            account=account, actor=admin_user, email=f"invitee{number}@example.com"
        )
        AdministratorFactory(
            account=account, email=f"member{number}@example.com", name=f"M {number}", password=None
        )


def _pages(account):
    environment = development(account)
    space = environment.spaces.order_by("created_at").first()
    return [
        "/environments/",
        f"/environments/{environment.id}/",
        "/spaces/",
        f"/spaces/{space.id}/",
        "/team/",
        "/logs/",
    ]


def test_list_pages_query_counts_do_not_grow_with_rows(
    admin_client, account, admin_user, django_assert_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    _grow(account, admin_user, 1)
    pages = _pages(account)
    counts_small = {}
    for url in pages:
        admin_client.get(url)  # a first visit may record the current environment in the session
        with CaptureQueriesContext(connection) as queries:
            assert admin_client.get(url).status_code == 200
        counts_small[url] = len(queries)
    _grow(account, admin_user, 9, start=1)
    for url in pages:
        admin_client.get(url)
        with django_assert_num_queries(counts_small[url]):
            assert admin_client.get(url).status_code == 200


# Every signed-in page starts with: session, user, membership with its account.
PINNED_QUERY_COUNTS = {
    # + the environments with space counts, the switcher's environments
    "/environments/": 5,
    # + the environment, the switcher's environments, the spaces' count, a page of them with
    # their workbook counts
    "environment": 7,
    # + the switcher's environments, the spaces' count, a page of them with their
    # environments and workbook counts
    "/spaces/": 6,
    # + the space with its environment, its workbooks, the switcher's environments, and the
    # guest sidebar's guests and pending links (tests/guests/test_admin_views_query_counts.py
    # pins the sidebar with guests, grants and a shared link)
    "space": 8,
    # + the switcher's environments, the administrators' count, a page of them with their
    # memberships, pending invitations
    "/team/": 7,
    # + count, environment names, the page of events, actors' emails, the switcher's
    # environments (the topics are the code's, accounts.audit.TOPICS: no query)
    "/logs/": 8,
}


@pytest.mark.parametrize("rows", [1, 10])
def test_pinned_query_counts(admin_client, account, admin_user, django_assert_num_queries, rows):
    _grow(account, admin_user, rows)
    urls = dict(
        zip(
            ["/environments/", "environment", "/spaces/", "space", "/team/", "/logs/"],
            _pages(account),
            strict=True,
        )
    )
    for name, url in urls.items():
        admin_client.get(url)  # a first visit may record the current environment in the session
        with django_assert_num_queries(PINNED_QUERY_COUNTS[name]):
            response = admin_client.get(url)
        assert response.status_code == 200
        assert text(response).count("<tr>") > rows, name  # the rows are really on the page


def test_an_environments_spaces_are_listed_newest_first(admin_client, account, admin_user):
    environment = development(account)
    names = [f"Space {letter}" for letter in "qzam"]  # ids and names in no particular order
    for name in names:
        services.space_create(environment=environment, actor=admin_user, name=name)
    page = text(admin_client.get(f"/environments/{environment.id}/"))
    assert [page.index(f">{name}<") for name in reversed(names)] == sorted(
        page.index(f">{name}<") for name in names
    )


def test_space_lists_are_paged_with_each_rows_workbook_count(admin_client, account):
    environment = development(account)
    spaces = [SpaceFactory(environment=environment, name=f"Space {n:02}") for n in range(52)]
    WorkbookFactory.create_batch(3, space=spaces[0])  # the oldest: on the last page
    for url in ("/spaces/", f"/environments/{environment.id}/"):
        first = text(admin_client.get(url))
        assert first.count(">Space ") == 50, url
        assert "Page 1 of 2" in first and 'href="?page=2"' in first
        last = admin_client.get(f"{url}?page=2")
        rows = [(space.name, space.workbooks_count) for space in last.context["page"]]
        assert rows == [("Space 01", 0), ("Space 00", 3)], url


def test_the_team_is_paged(admin_client, account):
    for number in range(50):
        AdministratorFactory(account=account, email=f"member{number:02}@example.com", password=None)
    first = text(admin_client.get("/team/"))
    assert first.count("@example.com") >= 50 and "member49@example.com" not in first
    assert "Page 1 of 2" in first
    last = text(admin_client.get("/team/?page=2"))
    assert "member49@example.com" in last and "member00@example.com" not in last
    # Removing is offered: there are 51 administrators, whatever the page shows.
    assert "The last administrator cannot be removed" not in last
