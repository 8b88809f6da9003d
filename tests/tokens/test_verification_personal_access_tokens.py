"""Verifying personal access tokens: the user and account they resolve to, one query to
verify and no write for a second use within a minute, malformed values refused before any
query, and every way a token stops working (deleted, expired, regenerated, its user gone)."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts import services as account_services
from tests.tokens.verification_helpers import statement_kinds
from tokens import credentials, services
from tokens.models import PersonalAccessToken
from tokens.principal import Principal
from tokens.verification import verify


@pytest.fixture
def pat(admin_user):
    token, raw = services.personal_access_token_create(user=admin_user, name="CI")
    return token, raw


def test_pat_resolves_to_its_user_with_their_whole_account(
    pat, admin_user, account, django_assert_num_queries
):
    token, raw = pat
    principal = verify(raw)
    assert principal.kind == Principal.USER
    assert principal.account_id == account.id
    with django_assert_num_queries(0):  # built from the verifying query's row
        assert principal.user == admin_user
        assert principal.account == account
        assert principal.credential == token
        assert principal.credential.user.membership.account is principal.account
        # Built on first read, once: every read gives the same linked objects.
        assert principal.user is principal.user
        assert principal.credential is principal.credential
        assert principal.credential.user is principal.user
    assert principal.environment is None  # every environment of the account
    assert principal.is_administrator


def test_pat_verification_is_one_query_and_records_first_use(pat):
    token, raw = pat
    with CaptureQueriesContext(connection) as queries:
        assert verify(raw) is not None
    assert statement_kinds(queries) == ["SELECT", "UPDATE"]
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_second_use_within_a_minute_is_exactly_one_query_and_no_write(
    pat, django_assert_num_queries
):
    token, raw = pat
    verify(raw)
    with django_assert_num_queries(1):
        assert verify(raw) is not None


def test_use_after_a_minute_records_it_again(pat):
    token, raw = pat
    verify(raw)
    earlier = timezone.now() - timedelta(minutes=2)
    PersonalAccessToken.objects.filter(pk=token.pk).update(last_used_at=earlier)
    verify(raw)
    token.refresh_from_db()
    assert token.last_used_at > earlier


def test_bad_checksum_is_rejected_before_any_query(pat, django_assert_num_queries):
    _, raw = pat
    mangled = raw[:-1] + ("A" if raw[-1] != "A" else "B")
    with django_assert_num_queries(0):
        assert verify(mangled) is None


@pytest.mark.parametrize(
    "value",
    ["", "pat_", "Bearer", "pat_short", "sk_" + "a" * 36, "not-a-token", "a.b", "cs_" + "a" * 36],
)
def test_malformed_values_never_reach_the_database(db, value, django_assert_num_queries):
    with django_assert_num_queries(0):
        assert verify(value) is None


def test_client_secret_is_not_a_bearer_token(admin_user, django_assert_num_queries):
    _, secret = services.client_credential_create(user=admin_user)
    with django_assert_num_queries(0):
        assert verify(secret) is None


def test_well_formed_but_unknown_pat_is_refused_in_one_query(db, django_assert_num_queries):
    with django_assert_num_queries(1):
        assert verify(credentials.generate("pat")) is None


def test_deleted_pat_is_refused_on_the_next_use(pat, admin_user):
    token, raw = pat
    assert verify(raw) is not None
    services.personal_access_token_delete(token=token, actor=admin_user)
    assert verify(raw) is None


def test_expired_pat_is_refused(admin_user):
    token, raw = services.personal_access_token_create(
        user=admin_user, name="short", expires_in_days=30
    )
    assert verify(raw) is not None
    PersonalAccessToken.objects.filter(pk=token.pk).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    assert verify(raw) is None


def test_expiry_and_last_use_are_compared_to_the_moment_at_whole_seconds_too(pat):
    # The lookup compares times in SQL. SQLite keeps them as text, without the fraction when
    # it is zero ("12:00:00" rather than "12:00:00.000000"): such times must compare right.
    token, raw = pat
    tokens = PersonalAccessToken.objects.filter(pk=token.pk)
    whole_second = timezone.now().replace(microsecond=0)

    tokens.update(expires_at=whole_second + timedelta(seconds=2))
    assert verify(raw) is not None
    tokens.update(expires_at=whole_second - timedelta(seconds=1))
    assert verify(raw) is None

    tokens.update(expires_at=None, last_used_at=whole_second - timedelta(seconds=20))
    verify(raw)
    assert tokens.get().last_used_at == whole_second - timedelta(seconds=20)  # within a minute
    tokens.update(last_used_at=whole_second - timedelta(seconds=61))
    verify(raw)
    assert tokens.get().last_used_at > whole_second - timedelta(seconds=1)  # recorded again


def test_regenerated_pat_refuses_the_old_value(pat, admin_user):
    token, old = pat
    _, new = services.personal_access_token_regenerate(token=token, actor=admin_user)
    assert verify(old) is None
    assert verify(new).user == admin_user


def test_deactivated_or_deleted_user_loses_their_pats(pat, admin_user):
    _, raw = pat
    admin_user.is_active = False
    admin_user.save()
    assert verify(raw) is None
    admin_user.is_active = True
    admin_user.save()
    assert verify(raw) is not None
    admin_user.delete()
    assert verify(raw) is None


def test_a_removed_administrator_pat_is_refused(account, admin_user):
    _, raw = services.personal_access_token_create(user=admin_user, name="mine")
    account_services.administrator_invite(
        account=account, actor=admin_user, email="two@example.com"
    )
    # The second administrator joins, then removes the first.
    from accounts.models import AdminInvitation

    invitation = AdminInvitation.objects.get(email="two@example.com")
    token = "inv_known"
    AdminInvitation.objects.filter(pk=invitation.pk).update(
        token_digest=account_services.invitation_digest(token)
    )
    second = account_services.invitation_accept(token=token, password="a long and fine passphrase")
    account_services.administrator_remove(account=account, actor=second, user=admin_user)
    assert verify(raw) is None
