"""Verifying bearer credentials: every kind, every way to be refused, and the query budget
(exactly one query to verify; no write for a second use within a minute)."""

import threading
from datetime import timedelta

import jwt
import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts import services as account_services
from accounts.models import User
from tests.factories import SpaceFactory, administrator_of, development, make_account, production
from tests.races import row_locked_elsewhere
from tests.tokens.conftest import user_access_token
from tokens import access_tokens, credentials, services
from tokens.models import ApiKey, ClientCredential, PersonalAccessToken
from tokens.principal import Principal
from tokens.verification import verify


@pytest.fixture
def pat(admin_user):
    token, raw = services.personal_access_token_create(user=admin_user, name="CI")
    return token, raw


def rolled_key(environment, actor, key_type=ApiKey.Type.SECRET, **kwargs):
    rolled = services.api_key_roll(
        environment=environment, actor=actor, key_type=key_type, **kwargs
    )
    return rolled.key, rolled.raw


# Personal access tokens -----------------------------------------------------------------


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


def statement_kinds(queries) -> list[str]:
    """SELECT/UPDATE/… per statement, leaving out the savepoints a test transaction adds."""
    kinds = [query["sql"].split(None, 1)[0].upper() for query in queries]
    return [kind for kind in kinds if kind not in ("SAVEPOINT", "RELEASE")]


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


# Environment keys ----------------------------------------------------------------------------


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


# Access tokens (JWT) --------------------------------------------------------------------------


def test_user_access_token_resolves_in_one_query(admin_user, account, django_assert_num_queries):
    token, expires_at = user_access_token(admin_user)
    assert expires_at - timezone.now() > timedelta(hours=23, minutes=59)
    with django_assert_num_queries(1):
        principal = verify(token)
    with django_assert_num_queries(0):  # built from the verifying query's row
        assert principal.user == admin_user
        assert principal.account == account
        assert principal.user.membership.account == account
        assert principal.user.membership.account is principal.account
    assert principal.account_id == account.id
    assert principal.credential is None  # an access token is not a stored credential


def test_access_token_is_refused_once_its_user_is_gone(admin_user):
    token, _ = user_access_token(admin_user)
    admin_user.is_active = False
    admin_user.save()
    assert verify(token) is None


def test_access_token_from_client_credentials_dies_with_the_credential(
    admin_user, django_assert_num_queries
):
    credential, _ = services.client_credential_create(user=admin_user)
    token, _ = user_access_token(admin_user, {"cli": credential.id})
    with django_assert_num_queries(1):
        assert verify(token).user == admin_user
    services.client_credential_delete(credential=credential, actor=admin_user)
    assert not ClientCredential.objects.exists()
    assert verify(token) is None


def test_space_access_token_lives_while_space_and_key_do(
    account, admin_user, django_assert_num_queries
):
    environment = development(account)
    key = ApiKey.objects.get(environment=environment, type=ApiKey.Type.PUBLISHABLE)
    space = SpaceFactory(environment=environment)
    token, _ = access_tokens.issue(
        kind=access_tokens.SPACE, subject=space.id, claims={"key": key.id}
    )
    with django_assert_num_queries(1):
        principal = verify(token)
    assert principal.kind == Principal.SPACE
    assert principal.space == space
    assert principal.environment == environment
    with django_assert_num_queries(1):  # the space's other fields, all at once
        assert principal.space.name == space.name
        assert principal.space.guests_can_invite == space.guests_can_invite
    # A rolled key's space tokens live through its grace period and die with it.
    ApiKey.objects.filter(pk=key.pk).update(expires_at=timezone.now() + timedelta(minutes=5))
    assert verify(token) is not None
    ApiKey.objects.filter(pk=key.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert verify(token) is None
    ApiKey.objects.filter(pk=key.pk).update(expires_at=None)
    assert verify(token) is not None
    services.api_key_delete(api_key=key, actor=admin_user)
    assert verify(token) is None


def test_space_token_naming_a_key_of_another_environment_is_refused(account, admin_user):
    space = SpaceFactory(environment=development(account))
    foreign_key = ApiKey.objects.filter(environment=production(account)).first()
    token, _ = access_tokens.issue(
        kind=access_tokens.SPACE, subject=space.id, claims={"key": foreign_key.id}
    )
    assert verify(token) is None


def _version(user_id) -> int:
    versions = User.objects.filter(pk=user_id).values_list("credentials_version", flat=True)
    return versions.first() or 0


def _claims(subject, **overrides):
    now = int(timezone.now().timestamp())
    claims = {
        "sub": subject,
        "kind": "user",
        "ver": _version(subject),
        "typ": "access",
        "iss": access_tokens.ISSUER,
        "aud": access_tokens.AUDIENCE,
        "iat": now,
        "exp": now + 3600,
    }
    claims.update(overrides)
    return {name: value for name, value in claims.items() if value is not None}


def _sign(claims, key=None, algorithm="HS256"):
    return jwt.encode(claims, key or settings.JWT_SIGNING_KEY, algorithm=algorithm)


def _tampered(token: str) -> str:
    """`token` with one character of its signature changed: one in the middle, since
    base64 decoding ignores some bits of the last one and the same signature could result."""
    header, payload, signature = token.split(".")
    middle = len(signature) // 2
    changed = "A" if signature[middle] != "A" else "B"
    return f"{header}.{payload}.{signature[:middle]}{changed}{signature[middle + 1 :]}"


def test_well_formed_hand_made_token_is_accepted(admin_user):
    # The control for the attacks below: the same construction with nothing wrong passes.
    assert verify(_sign(_claims(admin_user.id))).user == admin_user


@pytest.mark.parametrize(
    "make_token",
    [
        pytest.param(lambda uid: jwt.encode(_claims(uid), None, algorithm="none"), id="alg-none"),
        pytest.param(
            lambda uid: _sign(_claims(uid), key="another-key-" + "x" * 40), id="other-key"
        ),
        pytest.param(
            lambda uid: _sign(_claims(uid), key=settings.SECRET_KEY), id="signed-with-SECRET_KEY"
        ),
        pytest.param(lambda uid: _sign(_claims(uid), algorithm="HS512"), id="other-algorithm"),
        pytest.param(
            lambda uid: _sign(_claims(uid, exp=int(timezone.now().timestamp()) - 1)), id="expired"
        ),
        pytest.param(lambda uid: _sign(_claims(uid, exp=None)), id="no-exp"),
        pytest.param(lambda uid: _sign(_claims(uid, iat=None)), id="no-iat"),
        pytest.param(lambda uid: _sign(_claims(uid, aud="someone-else")), id="other-audience"),
        pytest.param(lambda uid: _sign(_claims(uid, iss="someone-else")), id="other-issuer"),
        pytest.param(lambda uid: _sign(_claims(uid, kind=None)), id="no-kind"),
        pytest.param(lambda uid: _sign(_claims(uid, kind="magic-link")), id="unknown-kind"),
        pytest.param(lambda uid: _sign(_claims(uid, typ="refresh")), id="other-type"),
        pytest.param(lambda uid: _sign(_claims(uid, typ=None)), id="no-type"),
        pytest.param(lambda uid: _sign(_claims(123)), id="non-text-subject"),
        pytest.param(lambda uid: _sign(_claims("us_usr_doesnotexist")), id="unknown-subject"),
        pytest.param(lambda uid: _tampered(_sign(_claims(uid))), id="tampered-signature"),
        # The credentials version is required, and must be the user's current one.
        pytest.param(lambda uid: _sign(_claims(uid, ver=None)), id="no-credentials-version"),
        pytest.param(lambda uid: _sign(_claims(uid, ver="1")), id="version-as-text"),
        pytest.param(lambda uid: _sign(_claims(uid, ver=True)), id="version-as-bool"),
        pytest.param(lambda uid: _sign(_claims(uid, ver=1.0)), id="version-as-float"),
        pytest.param(lambda uid: _sign(_claims(uid, ver=-1)), id="negative-version"),
        pytest.param(lambda uid: _sign(_claims(uid, ver=2**31)), id="version-past-the-column"),
        pytest.param(lambda uid: _sign(_claims(uid, ver=10**30)), id="version-past-any-int"),
        pytest.param(
            lambda uid: _sign(_claims(uid, ver=_version(uid) - 1)), id="an-earlier-version"
        ),
        pytest.param(lambda uid: _sign(_claims(uid, ver=_version(uid) + 1)), id="a-later-version"),
    ],
)
def test_forged_or_foreign_access_tokens_are_refused(admin_user, make_token):
    assert verify(make_token(admin_user.id)) is None


def test_guest_kind_is_refused_until_an_app_resolves_it(admin_user, monkeypatch):
    # settings.ACCESS_TOKEN_RESOLVERS names the guests app's for GUEST; without it the kind
    # is refused.
    assert access_tokens.GUEST in settings.ACCESS_TOKEN_RESOLVERS
    monkeypatch.setattr(settings, "ACCESS_TOKEN_RESOLVERS", {})
    token, expires_at = access_tokens.issue(kind=access_tokens.GUEST, subject="us_g_someone")
    assert expires_at - timezone.now() <= timedelta(hours=1)
    assert verify(token) is None


def resolve_for_test(claims):
    """Named in settings.ACCESS_TOKEN_RESOLVERS by the test below, which sets what it does."""
    return resolve_for_test.resolve(claims)


def test_the_named_resolver_decides_its_kind(admin_user, account, monkeypatch):
    seen = []

    def resolve(claims):
        seen.append(claims["sub"])
        return Principal(
            kind=Principal.GUEST, id=claims["sub"], account_id=account.id, account=account
        )

    monkeypatch.setattr(resolve_for_test, "resolve", resolve, raising=False)
    monkeypatch.setattr(
        settings, "ACCESS_TOKEN_RESOLVERS", {access_tokens.GUEST: f"{__name__}.resolve_for_test"}
    )
    token, _ = access_tokens.issue(kind=access_tokens.GUEST, subject="us_g_someone")
    assert verify(token).kind == Principal.GUEST
    assert seen == ["us_g_someone"]


# Revocation is seen by every process: two connections, real transactions --------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_locked_credential_row_neither_blocks_nor_fails_verification():
    account = make_account(email="lock@example.com")
    user = administrator_of(account)
    token, raw = services.personal_access_token_create(user=user, name="locked")
    with row_locked_elsewhere(PersonalAccessToken, token.pk):
        # Another transaction holds the row: the use is verified, and its time skipped.
        assert verify(raw).user == user
        token.refresh_from_db()
        assert token.last_used_at is None
    verify(raw)
    token.refresh_from_db()
    assert token.last_used_at is not None


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_deletion_in_one_connection_is_refused_by_another_at_once():
    account = make_account(email="revoke@example.com")
    user = administrator_of(account)
    token, raw = services.personal_access_token_create(user=user, name="revoked")
    assert verify(raw) is not None
    results = []

    def delete_elsewhere():
        from django.db import connection as thread_connection

        try:
            services.personal_access_token_delete(
                token=PersonalAccessToken.objects.get(pk=token.pk), actor=user
            )
        finally:
            thread_connection.close()

    worker = threading.Thread(target=delete_elsewhere)
    worker.start()
    worker.join()
    results.append(verify(raw))
    assert results == [None]


@pytest.mark.parametrize(
    "claims",
    [
        pytest.param({"kind": "user", "cli": 123}, id="client-id-not-text"),
        pytest.param({"kind": "space"}, id="space-token-without-key"),
        pytest.param({"kind": "space", "key": ["us_key_x"]}, id="space-key-not-text"),
    ],
)
def test_malformed_claims_are_refused(admin_user, claims):
    assert verify(_sign(_claims(admin_user.id, **claims))) is None


def test_principal_objects_come_linked_and_load_the_rest_in_one_query_each(
    account, admin_user, django_assert_num_queries
):
    environment = development(account)
    key, secret_key = rolled_key(environment, admin_user)
    token, pat = services.personal_access_token_create(user=admin_user, name="linked")
    by_key, by_pat = verify(secret_key), verify(pat)
    with django_assert_num_queries(0):  # linked from the verifying query's row
        assert by_key.credential == key
        assert by_key.credential.environment.account == account
        assert by_key.environment.account_id == account.id
        assert by_pat.credential == token
        assert by_pat.credential.user.membership.account == account
    # The lookup reads only what verification needs; an object's other fields come all
    # together on first use, not one query per field.
    with django_assert_num_queries(1):
        assert by_pat.user.email == admin_user.email
        assert by_pat.user.name == admin_user.name
        assert by_pat.user.created_at == admin_user.created_at
    with django_assert_num_queries(1):
        assert by_pat.account.name == account.name
        assert by_pat.account.metadata == account.metadata
    with django_assert_num_queries(1):
        assert by_key.environment.name == environment.name
        assert by_key.environment.is_prod == environment.is_prod
    with django_assert_num_queries(1):
        assert by_pat.credential.name == "linked"
        assert by_pat.credential.last_four == token.last_four
        assert by_pat.credential.expires_at is None
