"""Credential lookups when nothing watches queries: they run on the driver's own cursor
(prepared once per connection on PostgreSQL), still as exactly one
statement, still seen by execute wrappers, reading every column as the ORM does, with
driver errors arriving as Django's, and as the request's connection health check."""

import threading

import pytest
from django.db import DatabaseError, close_old_connections, connection

from accounts.models import Account
from tests.factories import administrator_of, development, make_account
from tokens import services
from tokens.lookups import execute_directly
from tokens.models import ApiKey
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


def model_values(instance) -> dict:
    return {f.attname: getattr(instance, f.attname) for f in instance._meta.concrete_fields}


def test_the_direct_path_reads_every_column_as_the_orm_does(admin_user, account):
    Account.objects.filter(pk=account.pk).update(metadata={"plan": "pro", "seats": [1, 2]})
    token, raw = services.personal_access_token_create(
        user=admin_user, name="CI", expires_in_days=30
    )
    assert verify(raw) is not None  # records first use: last_used_at is set from here on
    principal = verify(raw)
    token.refresh_from_db()
    assert model_values(principal.account) == model_values(Account.objects.get(pk=account.pk))
    assert principal.account.metadata == {"plan": "pro", "seats": [1, 2]}
    read = principal.credential
    assert {name: getattr(read, name) for name in ("id", "name", "last_used_at", "expires_at")} == {
        name: getattr(token, name) for name in ("id", "name", "last_used_at", "expires_at")
    }
    key, key_raw = services.api_key_roll(
        environment=development(account), actor=admin_user, key_type=ApiKey.Type.PUBLISHABLE
    )
    assert verify(key_raw).credential.operations == ApiKey.objects.get(pk=key.pk).operations


# The lookup as the request's connection health check (CONN_HEALTH_CHECKS) ---------------


@pytest.fixture
def kept_connection_pat():
    """A used PAT, outside any transaction (as in a request), on a kept connection that a
    new request is about to check again."""
    account = make_account(email="health@example.com")
    user = administrator_of(account)
    _, raw = services.personal_access_token_create(user=user, name="CI")
    assert verify(raw) is not None  # first use: its time is recorded, no write after this
    close_old_connections()  # what request_started does: check the kept connection again
    assert connection.connection is not None and not connection.health_check_done
    return user, raw


def record_health_checks(monkeypatch) -> list:
    checks = []
    is_usable = connection.is_usable
    monkeypatch.setattr(connection, "is_usable", lambda: checks.append(1) or is_usable())
    return checks


@pytest.mark.django_db(transaction=True)
def test_the_lookup_is_the_requests_health_check(kept_connection_pat, monkeypatch):
    user, raw = kept_connection_pat
    checks = record_health_checks(monkeypatch)
    assert verify(raw).user == user
    assert checks == []  # no SELECT 1 round trip of its own
    assert connection.health_check_done  # nor one before the request's next query


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_broken_kept_connection_is_replaced_and_the_lookup_still_answers(kept_connection_pat):
    user, raw = kept_connection_pat
    broken = connection.connection.info.backend_pid

    def terminate():
        from django.db import connection as other

        try:
            with other.cursor() as cursor:
                cursor.execute("SELECT pg_terminate_backend(%s)", [broken])
        finally:
            other.close()

    terminator = threading.Thread(target=terminate)
    terminator.start()
    terminator.join()
    assert verify(raw).user == user
    assert connection.connection.info.backend_pid != broken


@pytest.mark.django_db(transaction=True)
def test_a_failing_statement_on_a_healthy_connection_is_raised_not_run_again(
    kept_connection_pat, monkeypatch
):
    kept = connection.connection
    checks = record_health_checks(monkeypatch)
    with pytest.raises(DatabaseError):
        execute_directly(connection, "SELECT missing FROM no_such_table", [])
    assert checks == [1]  # the connection answered: the error was the statement's
    assert connection.connection is kept


def test_in_a_transaction_django_checks_the_connection_first(used_pat, monkeypatch):
    _, raw = used_pat
    connection.health_check_done = False  # as at the start of a request
    checks = record_health_checks(monkeypatch)
    assert verify(raw) is not None
    assert checks == [1]
