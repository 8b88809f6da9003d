"""Credential lookups when nothing watches queries: they run on the driver's own cursor
(prepared once per connection on PostgreSQL), still as exactly one statement, still seen
by execute wrappers, and with driver errors arriving as Django's."""

import pytest
from django.db import DatabaseError, connection

from tokens import services
from tokens.lookups import execute_directly
from tokens.verification import verify


@pytest.fixture
def used_pat(admin_user):
    token, raw = services.personal_access_token_create(user=admin_user, name="CI")
    assert verify(raw) is not None  # first use: its time is recorded, no write after this
    return token, raw


def test_an_unwatched_verification_runs_one_statement(used_pat, admin_user):
    if connection.vendor != "sqlite":
        pytest.skip("counts statements with sqlite3's trace callback")
    _, raw = used_pat
    statements = []
    connection.connection.set_trace_callback(statements.append)
    try:
        principal = verify(raw)
    finally:
        connection.connection.set_trace_callback(None)
    assert principal.user == admin_user
    assert len(statements) == 1
    assert statements[0].startswith("SELECT") and "tokens_personalaccesstoken" in statements[0]


@pytest.mark.postgres
def test_postgresql_prepares_the_lookup_once_per_connection(used_pat, admin_user):
    _, raw = used_pat

    def prepared_lookups() -> list[str]:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT name FROM pg_prepared_statements WHERE statement LIKE %s",
                ["%tokens_personalaccesstoken%"],
            )
            return [name for (name,) in cursor.fetchall()]

    assert verify(raw).user == admin_user
    prepared = prepared_lookups()
    assert prepared  # the server holds the lookup as a prepared statement
    for _ in range(3):
        assert verify(raw).user == admin_user
    assert prepared_lookups() == prepared  # reused, not prepared again per request


def test_execute_wrappers_see_the_lookup(used_pat):
    _, raw = used_pat
    seen = []

    def wrapper(execute, sql, params, many, context):
        seen.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(wrapper):
        assert verify(raw) is not None
    assert len(seen) == 1 and "tokens_personalaccesstoken" in seen[0]


@pytest.mark.django_db
def test_driver_errors_arrive_as_django_database_errors():
    with pytest.raises(DatabaseError):
        execute_directly(connection, "SELECT missing FROM no_such_table", [])
