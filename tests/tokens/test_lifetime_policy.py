"""The account's maximum lifetime of personal access tokens (tokens.services.lifetime_policy):
each maximum stamps every token of the account with when it ends it (on SQLite and
PostgreSQL alike), a bad value changes nothing, removing it gives tokens back, the change is
audited; creating over it is refused naming it, regenerating is cut to it, and a token made
for longer works until its age passes the maximum and is refused on the very next request
(the clock patched)."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts.models import Account
from tests.factories import AdministratorFactory, PersonalAccessTokenFactory, make_account
from tests.tokens.api_helpers import errors
from tests.tokens.conftest import bearer
from tests.tokens.service_helpers import events
from tokens import services
from tokens.models import PersonalAccessToken
from tokens.verification import verify


def made_days_ago(token: PersonalAccessToken, days: int) -> PersonalAccessToken:
    """`token` as if made `days` ago, keeping the lifetime it was made with."""
    shift = timedelta(days=days)
    token.created_at -= shift
    if token.expires_at:
        token.expires_at -= shift
    token.save(update_fields=["created_at", "expires_at"])
    return token


@pytest.fixture
def clock(monkeypatch):
    """The clock, moved by setting `.now` (django.utils.timezone.now, which verification,
    the services and auto_now_add all read)."""

    class Clock:
        now = timezone.now()

    monkeypatch.setattr(timezone, "now", lambda: Clock.now)
    return Clock


@pytest.mark.parametrize("days", [7, 30, 60, 90, 365])
def test_each_maximum_stamps_every_token_of_the_account_with_its_end(account, admin_user, days):
    colleague = AdministratorFactory(account=account)
    forever = made_days_ago(PersonalAccessTokenFactory(user=admin_user), 3)
    week = PersonalAccessTokenFactory(user=colleague, expires_in_days=7)
    outsider = PersonalAccessTokenFactory(user=make_account(name="Globex").memberships.get().user)

    change = services.token_max_lifetime_set(account=account, days=days, actor=admin_user)

    assert Account.objects.get(pk=account.pk).token_max_lifetime_days == days
    for token in (forever, week):
        token.refresh_from_db()
        # Computed by the database from each token's own creation, to the microsecond.
        assert token.policy_expires_at == token.created_at + timedelta(days=days)
    outsider.refresh_from_db()
    assert outsider.policy_expires_at is None
    forever.refresh_from_db()
    week.refresh_from_db()
    assert forever.exceeds_policy and not forever.is_refused_by_policy
    assert week.exceeds_policy is (days < 7)
    assert change == services.TokenLifetimePolicyChange(
        previous_days=None, days=days, tokens_exceeding=1, tokens_refused_now=0
    )


@pytest.mark.parametrize("bad", [14, 0, -30, "30", 30.0, True, 366, "never"])
def test_a_bad_maximum_is_refused_and_changes_nothing(account, admin_user, bad):
    token = PersonalAccessTokenFactory(user=admin_user)
    with pytest.raises(ValidationError) as refused:
        services.token_max_lifetime_set(account=account, days=bad, actor=admin_user)
    assert "token_max_lifetime_days" in refused.value.message_dict
    assert Account.objects.get(pk=account.pk).token_max_lifetime_days is None
    token.refresh_from_db()
    assert token.policy_expires_at is None
    assert events("account:updated") == []


def test_the_change_is_audited_with_from_to_and_the_tokens_it_catches(account, admin_user):
    made_days_ago(PersonalAccessTokenFactory(user=admin_user), 40)
    PersonalAccessTokenFactory(user=admin_user, expires_in_days=90)
    PersonalAccessTokenFactory(user=admin_user, expires_in_days=7)

    change = services.token_max_lifetime_set(account=account, days=30, actor=admin_user)
    assert (change.tokens_exceeding, change.tokens_refused_now) == (2, 1)
    services.token_max_lifetime_set(account=account, days=30, actor=admin_user)  # the same
    services.token_max_lifetime_set(account=account, days=None, actor=admin_user)

    first, removed = events("account:updated")
    assert first.actor_id == admin_user.id and first.account_id == account.id
    assert first.payload == {
        "changed": ["token_max_lifetime_days"],
        "tokenMaxLifetimeDays": {"from": None, "to": 30},
        "tokensExceedingPolicy": 2,
    }
    assert removed.payload["tokenMaxLifetimeDays"] == {"from": 30, "to": None}
    assert removed.payload["tokensExceedingPolicy"] == 0


def test_revoked_and_expired_tokens_are_not_counted(account, admin_user):
    revoked = PersonalAccessTokenFactory(user=admin_user)
    PersonalAccessToken.objects.filter(pk=revoked.pk).update(revoked_at=timezone.now())
    made_days_ago(PersonalAccessTokenFactory(user=admin_user, expires_in_days=90), 100)
    change = services.token_max_lifetime_set(account=account, days=30, actor=admin_user)
    assert (change.tokens_exceeding, change.tokens_refused_now) == (0, 0)


def test_removing_the_maximum_gives_refused_tokens_back(account, admin_user):
    old = made_days_ago(PersonalAccessTokenFactory(user=admin_user), 40)
    services.token_max_lifetime_set(account=account, days=30, actor=admin_user)
    assert verify(old.raw) is None
    services.token_max_lifetime_set(account=account, days=None, actor=admin_user)
    old.refresh_from_db()
    assert old.policy_expires_at is None and not old.exceeds_policy
    assert verify(old.raw).credential == old


def test_a_token_older_than_a_new_maximum_is_refused_at_once(account, admin_user):
    old = made_days_ago(PersonalAccessTokenFactory(user=admin_user, expires_in_days=365), 31)
    assert verify(old.raw) is not None
    change = services.token_max_lifetime_set(account=account, days=30, actor=admin_user)
    assert change.tokens_refused_now == 1
    assert verify(old.raw) is None


def test_a_never_expiring_token_works_until_its_age_passes_the_maximum(
    account, admin_user, clock, api
):
    made = clock.now
    clock.now = made - timedelta(days=10)
    token = PersonalAccessTokenFactory(user=admin_user)  # never expires, made 10 days ago
    clock.now = made
    services.token_max_lifetime_set(account=account, days=30, actor=admin_user)
    bearer(api, token.raw)
    assert api.get("/v1/auth/personal-access-tokens").status_code == 200

    clock.now = token.created_at + timedelta(days=30) - timedelta(seconds=1)
    assert api.get("/v1/auth/personal-access-tokens").status_code == 200
    clock.now = token.created_at + timedelta(days=30)
    refused = api.get("/v1/auth/personal-access-tokens")
    assert refused.status_code == 401
    assert 'error="invalid_token"' in refused["WWW-Authenticate"]


def test_a_token_made_under_the_policy_for_its_whole_maximum_does_not_exceed_it(
    account, admin_user
):
    services.token_max_lifetime_set(account=account, days=30, actor=admin_user)
    token = PersonalAccessTokenFactory(user=admin_user, expires_in_days=30)
    assert token.policy_expires_at == token.expires_at
    assert not token.exceeds_policy


def test_creating_over_the_maximum_through_the_api_is_refused_naming_it(
    account, admin_user, pat_api
):
    services.token_max_lifetime_set(account=account, days=30, actor=admin_user)
    before = PersonalAccessToken.objects.count()
    for days in (365, None):
        response = pat_api.post(
            "/v1/auth/personal-access-tokens",
            {"name": "long", "expiresInDays": days},
            format="json",
        )
        assert response.status_code == 400
        (error,) = errors(response)
        assert error["key"] == "expiresInDays"
        assert "at most 30 days" in error["message"]
    assert PersonalAccessToken.objects.count() == before


@pytest.mark.parametrize(
    ("made_for", "maximum", "kept"),
    [(None, 90, 90), (365, 90, 90), (30, 90, 30), (None, None, None)],
)
def test_regenerating_cuts_the_lifetime_to_the_maximum(
    account, admin_user, clock, made_for, maximum, kept
):
    token = PersonalAccessTokenFactory(user=admin_user, expires_in_days=made_for)
    services.token_max_lifetime_set(account=account, days=maximum, actor=admin_user)
    clock.now += timedelta(days=5)
    token, raw = services.personal_access_token_regenerate(token=token, actor=admin_user)
    token.refresh_from_db()
    assert token.created_at == clock.now
    assert token.expires_at == (clock.now + timedelta(days=kept) if kept else None)
    assert token.policy_expires_at == (clock.now + timedelta(days=maximum) if maximum else None)
    assert not token.exceeds_policy
    assert verify(raw).credential == token


def test_the_api_reads_the_maximum_and_cannot_change_it(account, admin_user, pat_api):
    assert pat_api.get("/v1/accounts/current").json()["data"]["tokenMaxLifetimeDays"] is None
    services.token_max_lifetime_set(account=account, days=90, actor=admin_user)
    assert pat_api.get("/v1/accounts/current").json()["data"]["tokenMaxLifetimeDays"] == 90
    # Setting it asks a person to prove who they are, which only pages can: not writable here.
    response = pat_api.patch(
        "/v1/accounts/current", {"tokenMaxLifetimeDays": None, "name": "Acme"}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["data"]["tokenMaxLifetimeDays"] == 90
    assert Account.objects.get(pk=account.pk).token_max_lifetime_days == 90
