"""Passkeys: adding one (a WebAuthn registration py_webauthn verified, accounts.passkeys),
renaming and removing it. Adding and removing mail the person and enter the audit trail: a
passkey is a way into the account."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from accounts.access import account_administered_by
from accounts.audit import record_event
from accounts.models import Passkey, User
from accounts.passkeys import verified_registration
from accounts.services.common import clean_name
from accounts.services.second_factors import mail_second_factor_change

PASSKEY_ALREADY_ADDED = "This passkey is already added."


def _details(passkey: Passkey) -> dict:
    return {"passkeyId": passkey.id, "name": passkey.name}


@transaction.atomic
def passkey_register(
    *, user: User, name: str, response_json: str, expected_challenge: bytes | None
) -> Passkey:
    """Add the passkey in navigator.credentials.create()'s answer (`response_json`) to
    `user`, once py_webauthn verified it against the challenge the session was given."""
    name = clean_name(name)
    credential = verified_registration(response_json, expected_challenge)
    try:
        # Its own savepoint: a credential id already stored leaves the transaction usable.
        with transaction.atomic():
            passkey = Passkey.objects.create(
                user=user,
                name=name,
                credential_id=credential.credential_id,
                public_key=credential.public_key,
                sign_count=credential.sign_count,
                transports=credential.transports,
            )
    except IntegrityError as error:
        raise ValidationError({"passkey_response": PASSKEY_ALREADY_ADDED}) from error
    # A user of no account (a bare superuser) has no audit trail to write to.
    account = account_administered_by(user)
    if account is not None:
        record_event("user:passkey-added", on=account, actor=user, **_details(passkey))
    mail_second_factor_change(
        user, "A passkey was added to your account", f'The passkey "{name}" was added.'
    )
    return passkey


@transaction.atomic
def passkey_rename(*, passkey: Passkey, name: str) -> Passkey:
    passkey.name = clean_name(name)
    passkey.save(update_fields=["name"])
    # A user of no account (a bare superuser) has no audit trail to write to.
    account = account_administered_by(passkey.user)
    if account is not None:
        record_event("user:passkey-renamed", on=account, actor=passkey.user, **_details(passkey))
    return passkey


@transaction.atomic
def passkey_remove(*, passkey: Passkey) -> None:
    """Remove one of the person's passkeys: it signs nobody in from now on."""
    user = passkey.user
    # A user of no account (a bare superuser) has no audit trail to write to.
    account = account_administered_by(user)
    if account is not None:
        record_event("user:passkey-removed", on=account, actor=user, **_details(passkey))
    passkey.delete()
    mail_second_factor_change(
        user,
        "A passkey was removed from your account",
        f'The passkey "{passkey.name}" was removed: it no longer signs you in.',
    )
