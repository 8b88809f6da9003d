"""tokens.services personal_access_token_revoke and client_credential_revoke: an
administrator revokes a colleague's credential; it is refused from the next request on,
kept as revoked, audited once with both people, and its owner told who did it."""

import pytest
from rest_framework.test import APIClient

from accounts.models import Event
from tests.factories import (
    AdministratorFactory,
    ClientCredentialFactory,
    PersonalAccessTokenFactory,
)
from tests.tokens.conftest import bearer
from tokens import services


@pytest.fixture
def owner(account):
    return AdministratorFactory(account=account, name="Bob Builder", email="bob@example.com")


@pytest.fixture
def revoke(django_capture_on_commit_callbacks):
    """Revoke as the page and the API do, the mails sent once it commits."""

    def revoke(credential, actor):
        with django_capture_on_commit_callbacks(execute=True):
            if credential.id.startswith("us_pat_"):
                return services.personal_access_token_revoke(token=credential, actor=actor)
            return services.client_credential_revoke(credential=credential, actor=actor)

    return revoke


def exchange(credential):
    return APIClient().post(
        "/v1/auth",
        {"type": "apiCredentials", "clientId": credential.id, "secret": credential.raw},
        format="json",
    )


def test_a_revoked_token_is_refused_kept_audited_and_its_owner_mailed(
    revoke, account, admin_user, owner, mailoutbox
):
    token = PersonalAccessTokenFactory(user=owner, name="deploy")
    assert bearer(APIClient(), token.raw).get("/v1/spaces").status_code == 200
    assert revoke(token, admin_user) is True
    assert bearer(APIClient(), token.raw).get("/v1/spaces").status_code == 401
    token.refresh_from_db()
    assert token.revoked_at is not None and token.revoked_by == admin_user
    event = Event.objects.get(topic="personal-access-token:revoked")
    assert event.account_id == account.id
    assert event.actor_id == admin_user.id  # the administrator, with the owner in the payload
    assert event.payload == {
        "tokenId": token.id,
        "name": "deploy",
        "ownerId": owner.id,
        "ownerEmail": "bob@example.com",
    }
    (mail,) = mailoutbox
    assert mail.to == ["bob@example.com"]
    assert f"'deploy' (ending in {token.last_four})" in mail.body
    assert admin_user.email in mail.body  # who revoked it
    assert "/personal-access-tokens/" in mail.body
    assert token.raw not in mail.body and token.raw[4:] not in mail.body


def test_revoked_client_credentials_stop_with_the_access_tokens_they_made(
    revoke, admin_user, owner, mailoutbox
):
    credential = ClientCredentialFactory(user=owner)
    issued = exchange(credential)
    assert issued.status_code == 200
    access_token = issued.json()["accessToken"]
    assert revoke(credential, admin_user) is True
    assert exchange(credential).status_code == 401
    assert bearer(APIClient(), access_token).get("/v1/spaces").status_code == 401
    credential.refresh_from_db()
    assert credential.revoked_by == admin_user and credential.revoked_at is not None
    event = Event.objects.get(topic="client-credential:revoked")
    assert event.actor_id == admin_user.id
    assert event.payload == {
        "clientId": credential.id,
        "ownerId": owner.id,
        "ownerEmail": "bob@example.com",
    }
    (mail,) = mailoutbox
    assert mail.to == ["bob@example.com"] and credential.id in mail.body
    assert admin_user.email in mail.body and "/settings/personal-tokens/" in mail.body
    assert credential.raw not in mail.body


def test_the_mail_names_the_administrator_by_name_when_they_have_one(
    revoke, account, owner, mailoutbox
):
    alice = AdministratorFactory(account=account, name="Alice Admin", email="alice@example.com")
    revoke(PersonalAccessTokenFactory(user=owner), alice)
    (mail,) = mailoutbox
    assert "revoked by Alice Admin (alice@example.com), an administrator of 'Acme'" in (
        " ".join(mail.body.split())
    )


@pytest.mark.parametrize("make", [PersonalAccessTokenFactory, ClientCredentialFactory])
def test_revoking_again_changes_nothing_and_is_told_once(
    revoke, account, admin_user, owner, mailoutbox, make
):
    credential = make(user=owner)
    assert revoke(credential, admin_user) is True
    credential.refresh_from_db()
    first = credential.revoked_at
    events = Event.objects.count()
    other = AdministratorFactory(account=account)
    assert revoke(credential, other) is False
    assert Event.objects.count() == events
    assert len(mailoutbox) == 1
    # The instance is told what the row holds: the first revocation, by its administrator.
    assert (credential.revoked_at, credential.revoked_by) == (first, admin_user)
    credential.refresh_from_db()
    assert (credential.revoked_at, credential.revoked_by) == (first, admin_user)


def test_the_owners_other_credentials_keep_working(revoke, admin_user, owner):
    revoked = PersonalAccessTokenFactory(user=owner)
    kept = PersonalAccessTokenFactory(user=owner)
    revoke(revoked, admin_user)
    assert bearer(APIClient(), kept.raw).get("/v1/spaces").status_code == 200
