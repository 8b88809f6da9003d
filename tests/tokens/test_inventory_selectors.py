"""tokens.inventory: what the credentials inventory lists, filtered how, in how many queries,
and which one an administrator may fetch by id."""

from datetime import timedelta

import pytest
from django.http import Http404
from django.utils import timezone

from accounts.access import Reach
from tests.factories import (
    AdministratorFactory,
    ClientCredentialFactory,
    PersonalAccessTokenFactory,
    administrator_of,
    make_account,
    production,
)
from tokens import inventory, services
from tokens.inventory import Filters
from tokens.models import ClientCredential, PersonalAccessToken


@pytest.fixture
def reach(account):
    return Reach(account=account)


def listed(reach, **filters) -> list[str]:
    rows = inventory.credentials_within(reach, Filters(**filters))
    return [credential.id for credential in rows[0:1000]]


def used(credential, days_ago: int) -> None:
    type(credential).objects.filter(pk=credential.pk).update(
        last_used_at=timezone.now() - timedelta(days=days_ago)
    )


def test_both_kinds_of_every_administrator_newest_first_and_no_other_accounts(
    reach, account, admin_user
):
    colleague = AdministratorFactory(account=account)
    first = PersonalAccessTokenFactory(user=admin_user)
    second = ClientCredentialFactory(user=colleague)
    third = PersonalAccessTokenFactory(user=colleague)
    stranger = administrator_of(make_account(name="Other"))
    PersonalAccessTokenFactory(user=stranger)
    ClientCredentialFactory(user=stranger)
    assert listed(reach) == [third.id, second.id, first.id]
    assert inventory.credentials_within(reach).count() == 3


def test_filtered_by_owner(reach, account, admin_user):
    colleague = AdministratorFactory(account=account)
    PersonalAccessTokenFactory(user=admin_user)
    theirs = [PersonalAccessTokenFactory(user=colleague), ClientCredentialFactory(user=colleague)]
    assert listed(reach, owner_id=colleague.id) == [theirs[1].id, theirs[0].id]
    # Another account's person owns nothing here.
    stranger = administrator_of(make_account(name="Other"))
    PersonalAccessTokenFactory(user=stranger)
    assert listed(reach, owner_id=stranger.id) == []


def test_filtered_by_status(reach, account, admin_user, monkeypatch):
    active = PersonalAccessTokenFactory(user=admin_user, expires_in_days=30)
    expiring = PersonalAccessTokenFactory(user=admin_user, expires_in_days=7)
    revoked = PersonalAccessTokenFactory(user=admin_user)
    services.personal_access_token_revoke(token=revoked, actor=admin_user)
    client = ClientCredentialFactory(user=admin_user)
    revoked_client = ClientCredentialFactory(user=admin_user)
    services.client_credential_revoke(credential=revoked_client, actor=admin_user)
    # Made before the account's maximum, to live for ever: it exceeds it, and works on.
    exceeding = PersonalAccessTokenFactory(user=admin_user)
    PersonalAccessToken.objects.filter(pk=exceeding.pk).update(
        policy_expires_at=timezone.now() + timedelta(days=20)
    )
    # Ended by the maximum: expired, though its own lifetime never ends.
    ended = PersonalAccessTokenFactory(user=admin_user)
    PersonalAccessToken.objects.filter(pk=ended.pk).update(
        policy_expires_at=timezone.now() - timedelta(minutes=1)
    )
    later = timezone.now() + timedelta(days=8)
    monkeypatch.setattr("django.utils.timezone.now", lambda: later)

    assert set(listed(reach, status=inventory.ACTIVE)) == {active.id, client.id, exceeding.id}
    assert set(listed(reach, status=inventory.EXPIRED)) == {expiring.id, ended.id}
    assert set(listed(reach, status=inventory.REVOKED)) == {revoked.id, revoked_client.id}
    monkeypatch.undo()
    assert set(listed(reach, status=inventory.EXCEEDS_POLICY)) == {exceeding.id}
    rows = inventory.credentials_within(reach)[0:50]
    statuses = {row.id: inventory.status_of(row) for row in rows}
    assert statuses[revoked.id] == statuses[revoked_client.id] == inventory.REVOKED
    assert statuses[ended.id] == inventory.EXPIRED
    assert statuses[client.id] == statuses[exceeding.id] == inventory.ACTIVE


def test_filtered_by_unused_days(reach, admin_user):
    never = PersonalAccessTokenFactory(user=admin_user)
    recent = PersonalAccessTokenFactory(user=admin_user)
    old = ClientCredentialFactory(user=admin_user)
    used(recent, days_ago=3)
    used(old, days_ago=45)
    assert listed(reach, unused_days=30) == [old.id, never.id]
    assert listed(reach, unused_days=60) == [never.id]
    assert set(listed(reach, unused_days=1)) == {never.id, old.id, recent.id}


def test_filters_combine(reach, account, admin_user):
    colleague = AdministratorFactory(account=account)
    mine = ClientCredentialFactory(user=admin_user)
    theirs = ClientCredentialFactory(user=colleague)
    services.client_credential_revoke(credential=theirs, actor=admin_user)
    used(mine, days_ago=100)
    assert listed(reach, owner_id=colleague.id, status=inventory.REVOKED, unused_days=30) == [
        theirs.id
    ]
    assert listed(reach, owner_id=admin_user.id, status=inventory.REVOKED) == []


def make_rows(user, environment, count: int) -> None:
    for number in range(count):
        if number % 2:
            ClientCredentialFactory(user=user)
        else:
            services.personal_access_token_create(
                user=user, name=f"narrow {number}", environments=[environment], read_only=True
            )


@pytest.mark.parametrize("rows", [1, 20])
def test_a_page_takes_the_same_queries_however_many_rows(
    reach, account, admin_user, rows, django_assert_num_queries
):
    make_rows(admin_user, production(account), rows)
    revoked = ClientCredential.objects.filter(user=admin_user).first()
    if revoked:
        services.client_credential_revoke(credential=revoked, actor=admin_user)
    # The count, the page's ids, the tokens with their people, their environments, the
    # client credentials with theirs.
    expected = 5 if rows > 1 else 4
    with django_assert_num_queries(expected):
        page = inventory.credentials_within(reach)
        assert page.count() == rows
        found = page[0:100]
        labels = [row.scope_label() for row in found if isinstance(row, PersonalAccessToken)]
        people = [(row.user.email, row.revoked_by and row.revoked_by.email) for row in found]
    assert len(found) == len(people) == rows
    assert set(labels) == {"Read-only · production"}


def test_an_administrator_fetches_any_of_their_accounts_credentials_by_id(
    reach, account, admin_user
):
    colleague = AdministratorFactory(account=account)
    token = PersonalAccessTokenFactory(user=colleague)
    client = ClientCredentialFactory(user=colleague)
    assert inventory.account_credential_within(reach, token.id) == token
    assert inventory.account_credential_within(reach, client.id) == client
    services.client_credential_revoke(credential=client, actor=admin_user)
    # Revoked ones too: revoking again is answered, not a 404.
    assert inventory.account_credential_within(reach, client.id) == client


def test_another_accounts_credential_is_an_unknown_id(reach, django_assert_num_queries):
    stranger = administrator_of(make_account(name="Other"))
    token = PersonalAccessTokenFactory(user=stranger)
    client = ClientCredentialFactory(user=stranger)
    for credential_id in (token.id, client.id, "us_pat_nothing", "us_cli_nothing"):
        with pytest.raises(Http404):
            inventory.account_credential_within(reach, credential_id)
    # Ids of no inventory kind (a key, a malformed one) are unknown without a query.
    with django_assert_num_queries(0):
        for credential_id in ("us_key_abc", "us_pat_a/b", "", "us_usr_x"):
            with pytest.raises(Http404):
                inventory.account_credential_within(reach, credential_id)
