"""Legacy client credentials (a client id and secret): made (the secret shown once), deleted."""

from django.db import transaction

from accounts.audit import Actor, record_event
from accounts.models import User
from tokens import credentials
from tokens.models import ClientCredential
from tokens.services.common import account_of_user


@transaction.atomic
def client_credential_create(*, user: User) -> tuple[ClientCredential, str]:
    secret = credentials.generate(credentials.CLIENT_SECRET)
    credential = ClientCredential.objects.create(
        user=user, secret_digest=credentials.digest(secret), last_four=secret[-4:]
    )
    record_event(
        "client-credential:created", on=account_of_user(user), actor=user, clientId=credential.id
    )
    return credential, secret


@transaction.atomic
def client_credential_delete(*, credential: ClientCredential, actor: Actor) -> None:
    record_event(
        "client-credential:deleted",
        on=account_of_user(credential.user),
        actor=actor,
        clientId=credential.id,
    )
    credential.delete()
