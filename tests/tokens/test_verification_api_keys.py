"""Verifying environment keys: a secret key reaches only its environment, a publishable key
carries its operations, and a key of the wrong type, rolled past its grace period or deleted
is refused."""

from datetime import timedelta

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.factories import development
from tests.tokens.verification_helpers import rolled_key, statement_kinds
from tokens import services
from tokens.models import ApiKey
from tokens.principal import Principal
from tokens.verification import verify


def test_secret_key_reaches_only_its_environment(account, admin_user, django_assert_num_queries):
    environment = development(account)
    key, raw = rolled_key(environment, admin_user)
    with CaptureQueriesContext(connection) as queries:
        principal = verify(raw)
    assert statement_kinds(queries) == ["SELECT", "UPDATE"]  # lookup, then first use
    assert principal.kind == Principal.SECRET_KEY
    assert principal.environment == environment
    assert principal.account == account
    assert principal.id == key.id
    assert principal.credential == key
    assert principal.credential.environment is principal.environment
    assert principal.user is None  # a key is nobody's
    assert not principal.is_administrator
    with django_assert_num_queries(1):
        assert verify(raw) is not None


def test_publishable_key_carries_its_operations(account, admin_user):
    _, raw = rolled_key(development(account), admin_user, ApiKey.Type.PUBLISHABLE)
    principal = verify(raw)
    assert principal.kind == Principal.PUBLISHABLE_KEY
    assert principal.operations == (("POST", "/v1/spaces"),)


def test_key_of_the_wrong_type_for_its_prefix_is_refused(account, admin_user):
    key, raw = rolled_key(development(account), admin_user)
    ApiKey.objects.filter(pk=key.pk).update(type=ApiKey.Type.PUBLISHABLE)
    assert verify(raw) is None


def test_rolled_key_keeps_working_until_its_grace_period_ends(account, admin_user):
    environment = development(account)
    old_key, old_raw = rolled_key(environment, admin_user)
    new_key, new_raw = rolled_key(environment, admin_user, keep_old_for=timedelta(hours=1))
    assert verify(old_raw) is not None
    assert verify(new_raw) is not None
    ApiKey.objects.filter(pk=old_key.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert verify(old_raw) is None
    assert verify(new_raw) is not None


def test_rolling_now_refuses_the_old_key_at_once(account, admin_user):
    environment = development(account)
    _, old_raw = rolled_key(environment, admin_user)
    rolled_key(environment, admin_user)
    assert verify(old_raw) is None


def test_deleted_key_is_refused(account, admin_user):
    key, raw = rolled_key(development(account), admin_user)
    services.api_key_delete(api_key=key, actor=admin_user)
    assert verify(raw) is None
