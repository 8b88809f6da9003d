"""Revoking one credential twice at the same moment, with real transactions on PostgreSQL:
one revocation changes the row, the other nothing, so it is audited and mailed once."""

import pytest
from django.core import mail

from accounts.models import Event
from tests.factories import (
    AdministratorFactory,
    ClientCredentialFactory,
    PersonalAccessTokenFactory,
    administrator_of,
    make_account,
)
from tests.races import behind_a_transaction
from tokens import services
from tokens.models import ClientCredential, PersonalAccessToken
from tokens.revocation import Reporter, credentials_revoke_reported

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def people():
    account = make_account()
    return administrator_of(account), AdministratorFactory(account=account)


def test_two_administrators_revoking_one_token_at_once_audit_it_once():
    alice, bob = people()
    owner = AdministratorFactory(account=alice.membership.account)
    token = PersonalAccessTokenFactory(user=owner)
    mail.outbox.clear()

    kind, second = behind_a_transaction(
        lambda: services.personal_access_token_revoke(token=token, actor=alice),
        lambda: services.personal_access_token_revoke(
            token=PersonalAccessToken.objects.get(pk=token.pk), actor=bob
        ),
    )

    assert (kind, second) == ("ok", False)
    assert Event.objects.filter(topic="personal-access-token:revoked").count() == 1
    assert Event.objects.get(topic="personal-access-token:revoked").actor_id == alice.id
    assert PersonalAccessToken.objects.get(pk=token.pk).revoked_by_id == alice.id
    assert len(mail.outbox) == 1


def test_a_leak_report_and_an_administrator_at_once_revoke_client_credentials_once():
    alice, _ = people()
    credential = ClientCredentialFactory(user=alice)
    mail.outbox.clear()

    kind, second = behind_a_transaction(
        lambda: credentials_revoke_reported(
            values=[credential.raw], reporter=Reporter(address="198.51.100.7", user_agent="x")
        ),
        lambda: services.client_credential_revoke(
            credential=ClientCredential.objects.get(pk=credential.pk), actor=alice
        ),
    )

    assert (kind, second) == ("ok", False)
    topics = list(Event.objects.filter(topic__startswith="client-credential:revoked"))
    assert [event.topic for event in topics] == ["client-credential:revoked-as-leaked"]
    revoked = ClientCredential.objects.get(pk=credential.pk)
    assert revoked.revoked_at is not None and revoked.revoked_by is None
    assert len(mail.outbox) == 1
