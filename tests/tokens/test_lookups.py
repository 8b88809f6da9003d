"""Credential lookups run through Django's own cursor: exactly one statement, seen by query
logging and execute wrappers, reading every column as the ORM does, and surviving a kept
connection that broke between requests (Django's own health check, CONN_HEALTH_CHECKS)."""

import threading

import pytest
from django.conf import settings
from django.db import close_old_connections, connection

from accounts.models import Account, Membership, User
from tests.factories import administrator_of, development, make_account
from tokens import services
from tokens.lookups import model_instance
from tokens.models import ApiKey, PersonalAccessToken
from tokens.verification import verify


@pytest.fixture
def used_pat(admin_user):
    token, raw = services.personal_access_token_create(user=admin_user, name="CI")
    assert verify(raw) is not None  # first use: its time is recorded, no write after this
    return token, raw


def test_a_verification_sends_the_database_one_statement(used_pat, admin_user):
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
    options = settings.DATABASES["default"].get("OPTIONS", {})
    if not options.get("server_side_binding") or options.get("prepare_threshold") is None:
        pytest.skip("only server-side binding with a prepare_threshold prepares statements")
    _, raw = used_pat

    def prepared_lookups() -> list[str]:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT name FROM pg_prepared_statements WHERE statement LIKE %s",
                ["%tokens_personalaccesstoken%"],
            )
            return [name for (name,) in cursor.fetchall()]

    for _ in range(options["prepare_threshold"] + 1):
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


def model_values(instance) -> dict:
    return {f.attname: getattr(instance, f.attname) for f in instance._meta.concrete_fields}


def test_the_lookup_reads_every_column_as_the_orm_does(admin_user, account):
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
    rolled = services.api_key_roll(
        environment=development(account), actor=admin_user, key_type=ApiKey.Type.PUBLISHABLE
    )
    key, key_raw = rolled.key, rolled.raw
    assert verify(key_raw).credential.operations == ApiKey.objects.get(pk=key.pk).operations


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_kept_connection_broken_between_requests_is_replaced_and_the_lookup_answers():
    account = make_account(email="health@example.com")
    user = administrator_of(account)
    _, raw = services.personal_access_token_create(user=user, name="CI")
    assert verify(raw) is not None
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
    close_old_connections()  # what request_started does: the next request begins
    assert verify(raw).user == user
    assert connection.connection.info.backend_pid != broken


def test_postgresql_binds_on_the_server_and_prepares_unless_told_not_to():
    from tests.portal.test_settings import database_settings

    url = "postgres://portal@db.example.com:5432/portal"
    options = database_settings(DATABASE_URL=url)["OPTIONS"]
    assert options["server_side_binding"] is True
    assert options["prepare_threshold"] == 5
    off = database_settings(DATABASE_URL=url, DATABASE_PREPARED_STATEMENTS="false")
    assert "server_side_binding" not in off.get("OPTIONS", {})
    assert "prepare_threshold" not in off.get("OPTIONS", {})


def test_a_built_instance_loads_the_given_values_in_any_order_and_defers_the_rest(account):
    built = model_instance(Account, {"name": "Acme", "id": account.pk})
    assert (built.pk, built.name) == (account.pk, "Acme")
    assert built.get_deferred_fields() == {
        f.attname for f in Account._meta.concrete_fields if f.attname not in ("id", "name")
    }


def test_verifying_again_does_not_walk_the_models_fields(used_pat, admin_user, monkeypatch):
    _, raw = used_pat
    assert verify(raw).user == admin_user  # every model the lookup builds has been seen
    for model in (PersonalAccessToken, User, Membership, Account):
        monkeypatch.setattr(model._meta, "get_fields", walked)
    assert verify(raw).user == admin_user


def walked(*args, **kwargs):
    raise AssertionError("a model's fields were walked on the request path")
