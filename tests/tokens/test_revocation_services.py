"""tokens.revocation.credentials_revoke_reported: what a report of leaked values revokes,
records and mails."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from accounts.models import Event
from tests.factories import (
    AdministratorFactory,
    ApiKeyFactory,
    ClientCredentialFactory,
    PersonalAccessTokenFactory,
    development,
    production,
)
from tests.tokens.conftest import bearer
from tokens import credentials, services
from tokens.models import ApiKey, PersonalAccessToken
from tokens.revocation import Reporter, credentials_revoke_reported

REPORTER = Reporter(address="198.51.100.7", user_agent="leak-scanner/1.0")


@pytest.fixture
def report(django_capture_on_commit_callbacks):
    """Report values as the endpoint does, the mails sent once the report commits."""

    def report(*values, reporter=REPORTER):
        with django_capture_on_commit_callbacks(execute=True):
            credentials_revoke_reported(values=list(values), reporter=reporter)

    return report


def refused(value: str) -> bool:
    """Whether the API refuses `value` as a credential (401), as it refuses a revoked one."""
    return bearer(APIClient(), value).get("/v1/accounts/current").status_code == 401


def test_a_personal_access_token_is_revoked_audited_and_its_owner_mailed(
    report, admin_user, mailoutbox
):
    token = PersonalAccessTokenFactory(user=admin_user, name="deploy script")
    assert not refused(token.raw)
    report(token.raw)
    assert refused(token.raw)
    # Kept, revoked by nobody: its owner's list and the inventory say it was revoked.
    token.refresh_from_db()
    assert token.revoked_at is not None and token.revoked_by is None
    event = Event.objects.get(topic="personal-access-token:revoked-as-leaked")
    assert event.account_id == admin_user.membership.account_id
    assert event.actor_id == ""
    assert event.payload == {
        "tokenId": token.id,
        "name": "deploy script",
        "reason": "reported leaked",
        "reportedFrom": "198.51.100.7",
        "userAgent": "leak-scanner/1.0",
    }
    # Revoked, not deleted: the trail says so once, under the leak's own topic.
    assert not Event.objects.filter(topic="personal-access-token:deleted").exists()
    (mail,) = mailoutbox
    assert mail.to == [admin_user.email]
    assert "'deploy script' (ending in " + token.last_four + ")" in mail.body
    assert "198.51.100.7" in mail.body and "leak-scanner/1.0" in mail.body
    assert token.raw not in mail.body and token.raw not in mail.subject


def test_a_legacy_client_secret_is_revoked_audited_and_its_owner_mailed(
    report, admin_user, mailoutbox
):
    credential = ClientCredentialFactory(user=admin_user)
    report(credential.raw)
    credential.refresh_from_db()
    assert credential.revoked_at is not None and credential.revoked_by is None
    exchange = {"type": "apiCredentials", "clientId": credential.id, "secret": credential.raw}
    assert APIClient().post("/v1/auth", exchange, format="json").status_code == 401
    assert not Event.objects.filter(topic="client-credential:deleted").exists()
    event = Event.objects.get(topic="client-credential:revoked-as-leaked")
    assert event.payload["clientId"] == credential.id
    assert event.payload["reportedFrom"] == "198.51.100.7"
    (mail,) = mailoutbox
    assert mail.to == [admin_user.email]
    assert credential.last_four in mail.body
    assert credential.raw not in mail.body


def test_a_secret_key_is_rolled_with_no_grace_and_every_administrator_mailed(
    report, account, admin_user, mailoutbox
):
    other_administrator = AdministratorFactory(account=account)
    environment = development(account)
    key = ApiKeyFactory(environment=environment)
    report(key.raw)
    assert not ApiKey.objects.filter(pk=key.pk).exists()
    # The environment has a new secret key of its own, working at once.
    (new_key,) = ApiKey.objects.filter(environment=environment, type=ApiKey.Type.SECRET)
    assert new_key.expires_at is None
    revoked = Event.objects.get(topic="api-key:revoked-as-leaked")
    assert revoked.environment_id == environment.id
    assert revoked.payload["keyId"] == key.id
    rolled = Event.objects.filter(topic="api-key:rolled").latest("created_at")
    assert rolled.payload["retiredKeyIds"] == [key.id]
    assert rolled.payload["oldKeysExpireAt"] is None
    assert sorted(mail.to[0] for mail in mailoutbox) == sorted(
        [admin_user.email, other_administrator.email]
    )
    for mail in mailoutbox:
        assert key.last_four in mail.body and "'development'" in mail.body
        assert key.raw not in mail.body


def test_a_retiring_secret_key_goes_alone_leaving_the_current_key(report, account):
    environment = development(account)
    retiring = ApiKeyFactory(environment=environment)
    current = ApiKeyFactory(environment=environment, keep_old_for=timedelta(hours=1))
    report(retiring.raw)
    assert list(ApiKey.objects.filter(environment=environment, type=ApiKey.Type.SECRET)) == [
        current
    ]


def test_a_current_and_a_retiring_key_of_one_environment_roll_it_once(report, account):
    environment = development(account)
    retiring = ApiKeyFactory(environment=environment)
    current = ApiKeyFactory(environment=environment, keep_old_for=timedelta(hours=1))
    rolls_before = Event.objects.filter(topic="api-key:rolled").count()
    report(current.raw, retiring.raw)
    keys = ApiKey.objects.filter(environment=environment, type=ApiKey.Type.SECRET)
    assert {key.pk for key in keys}.isdisjoint({current.pk, retiring.pk})
    assert keys.count() == 1
    assert Event.objects.filter(topic="api-key:rolled").count() == rolls_before + 1
    assert Event.objects.filter(topic="api-key:revoked-as-leaked").count() == 2


def test_publishable_keys_are_public_and_never_revoked(report, account, mailoutbox):
    key = ApiKeyFactory(environment=production(account), type=ApiKey.Type.PUBLISHABLE)
    report(key.raw)
    assert ApiKey.objects.filter(pk=key.pk, expires_at=None).exists()
    assert not Event.objects.filter(topic__endswith=":revoked-as-leaked").exists()
    assert mailoutbox == []


def test_an_expired_token_is_left_alone(report, admin_user, mailoutbox, frozen_now, monkeypatch):
    token = PersonalAccessTokenFactory(user=admin_user, expires_in_days=7)
    later = frozen_now + timedelta(days=8)
    monkeypatch.setattr("django.utils.timezone.now", lambda: later)
    report(token.raw)
    assert PersonalAccessToken.objects.filter(pk=token.pk).exists()
    assert mailoutbox == []


def test_a_value_reported_again_is_a_no_op(report, admin_user, mailoutbox):
    token = PersonalAccessTokenFactory(user=admin_user)
    credential = ClientCredentialFactory(user=admin_user)
    report(token.raw, credential.raw)
    token.refresh_from_db()
    revoked_at = token.revoked_at
    events = Event.objects.count()
    mailoutbox.clear()
    report(token.raw, credential.raw)
    assert Event.objects.count() == events
    assert mailoutbox == []
    token.refresh_from_db()
    assert token.revoked_at == revoked_at  # the first revocation's time stands


def test_a_token_an_administrator_revoked_is_not_revoked_again_as_leaked(
    report, account, admin_user, mailoutbox
):
    owner = AdministratorFactory(account=account)
    token = PersonalAccessTokenFactory(user=owner)
    services.personal_access_token_revoke(token=token, actor=admin_user)
    mailoutbox.clear()
    report(token.raw)
    token.refresh_from_db()
    assert token.revoked_by == admin_user  # still who revoked it
    assert not Event.objects.filter(topic="personal-access-token:revoked-as-leaked").exists()
    assert mailoutbox == []


def test_values_failing_the_checksum_never_reach_the_database(report, admin_user):
    token = PersonalAccessTokenFactory(user=admin_user)
    # One character changed: the checksum no longer matches.
    flipped = token.raw[:-7] + ("A" if token.raw[-7] != "A" else "B") + token.raw[-6:]
    assert credentials.parse(flipped) is None
    with CaptureQueriesContext(connection) as queries:
        report(flipped, "sk_nothing", "", "pat_" + "x" * 36)
    assert not [query for query in queries if "tokens_" in query["sql"]]
    assert PersonalAccessToken.objects.filter(pk=token.pk).exists()


def test_one_lookup_per_kind_whatever_the_number_of_values(
    db, report, django_assert_max_num_queries
):
    values = [
        credentials.generate(prefix)
        for prefix in (credentials.PERSONAL_ACCESS_TOKEN, credentials.SECRET_KEY)
        for _ in range(400)
    ] + [credentials.generate(credentials.CLIENT_SECRET) for _ in range(200)]
    # A savepoint and its release, and one lookup for each of the three kinds.
    with django_assert_max_num_queries(5):
        report(*values)


def test_a_long_user_agent_is_cut_short_and_a_missing_one_said_so():
    assert Reporter(address="", user_agent="x\x00" * 5000).user_agent == "x" * 200
    assert Reporter(address="", user_agent="").describe() == (
        "It was reported from the address unknown by the client unknown."
    )
