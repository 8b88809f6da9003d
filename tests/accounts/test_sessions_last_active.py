"""A session's "last active" is true to the minute and costs no write on the requests in
between: a signed-in request saves the session (django-qsessions then moves updated_at)
only when it was last seen a minute ago or more (accounts.sessions.SessionMiddleware)."""

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from qsessions.models import Session

from accounts.sessions import SEEN_AT_KEY
from tests.accounts.sessions_helpers import browser, key_of

pytestmark = pytest.mark.django_db

SESSIONS_TABLE = Session._meta.db_table


def at(monkeypatch, moment: datetime) -> None:
    monkeypatch.setattr(timezone, "now", lambda: moment)


def session_writes(client, url="/profile/") -> list[str]:
    """What a request wrote to the sessions' table (the statements' verbs)."""
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    verbs = [
        query["sql"].split()[0].upper()
        for query in queries.captured_queries
        if SESSIONS_TABLE in query["sql"]
    ]
    assert verbs, "the session was not even read"
    return [verb for verb in verbs if verb != "SELECT"]


def last_active(client) -> datetime:
    return Session.objects.get(pk=key_of(client)).updated_at


def signed_in(user):
    """Signed in, and past the first page (which records the current environment in the
    session, a write of its own)."""
    client = browser(user)
    client.get("/profile/")
    return client


def test_signing_in_marks_the_session_seen_so_the_next_pages_write_nothing(
    admin_user, django_assert_num_queries
):
    client = browser(admin_user)
    assert SEEN_AT_KEY in Session.objects.get(pk=key_of(client)).get_decoded()
    client.get("/profile/")
    signed_in_at = last_active(client)

    for url in ("/profile/", "/profile/sessions/", "/profile/"):
        assert session_writes(client, url) == [], url
    # The profile: the session, the user, the membership with its account, the switcher's
    # environments.
    with django_assert_num_queries(4):
        client.get("/profile/")
    assert last_active(client) == signed_in_at


def test_the_sessions_page_costs_one_query_more_however_many_sessions(
    admin_user, django_assert_num_queries
):
    client = signed_in(admin_user)
    for count in (1, 6):
        while Session.objects.filter(user=admin_user).count() < count:
            browser(admin_user)
        # The profile's four, and the person's sessions.
        with django_assert_num_queries(5):
            page = client.get("/profile/sessions/").content.decode()
        assert page.count('data-testid="session"') == count


def test_a_request_a_minute_after_the_last_one_seen_moves_last_active(admin_user, monkeypatch):
    start = datetime.now(UTC)
    at(monkeypatch, start)
    client = signed_in(admin_user)

    at(monkeypatch, start + timedelta(seconds=59))
    assert session_writes(client) == []
    assert last_active(client) == start

    at(monkeypatch, start + timedelta(seconds=60))
    assert session_writes(client) == ["UPDATE"]
    assert last_active(client) == start + timedelta(seconds=60)

    # Seen again: the minute counts from this request.
    at(monkeypatch, start + timedelta(seconds=119))
    assert session_writes(client) == []
    at(monkeypatch, start + timedelta(seconds=121))
    assert session_writes(client) == ["UPDATE"]
    assert last_active(client) == start + timedelta(seconds=121)


def test_a_session_never_marked_is_marked_on_its_next_request(admin_user, client):
    # force_login saves the session outside any request, with no mark.
    client.force_login(admin_user)
    assert SEEN_AT_KEY not in Session.objects.get(pk=key_of(client)).get_decoded()
    client.get("/profile/")
    assert SEEN_AT_KEY in Session.objects.get(pk=key_of(client)).get_decoded()
    assert session_writes(client) == []
    assert session_writes(client, "/profile/sessions/") == []


def test_requests_that_never_read_the_session_never_touch_it(admin_user, monkeypatch):
    start = datetime.now(UTC)
    at(monkeypatch, start)
    client = browser(admin_user)
    at(monkeypatch, start + timedelta(minutes=5))
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/healthz").status_code == 200
    assert not any(SESSIONS_TABLE in query["sql"] for query in queries.captured_queries)
    assert last_active(client) == start


def test_a_signed_out_visitors_session_is_not_marked(db, client):
    client.get("/login/")  # the sign-in page reads the session, and keeps none
    assert not Session.objects.exists()
