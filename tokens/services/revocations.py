"""Revoking a personal access token or legacy client credential: refused from the next
request on and kept, so that its owner's list and the credentials inventory say it was
revoked, when and by whom. An administrator revokes anyone's of their account here (the
inventory); a report of a leaked value revokes it with nobody named (tokens.revocation).

Revoking is a conditional UPDATE of a row not revoked yet (`credential_mark_revoked`): of
two revocations at once, one changes the row and the other nothing, so the credential is
audited and its owner mailed once."""

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from accounts.audit import record_event
from accounts.models import User
from portal.mail import send_after_commit
from tokens.models import ClientCredential, PersonalAccessToken
from tokens.services.common import account_of_user

Revocable = PersonalAccessToken | ClientCredential


def credential_mark_revoked(credential: Revocable, *, by: User | None) -> bool:
    """Mark `credential` revoked now by `by` (None: reported as leaked), unless it already
    is: True when this call revoked it. `credential` then holds what the row holds."""
    now = timezone.now()
    changed = (
        type(credential)
        .objects.filter(pk=credential.pk, revoked_at__isnull=True)
        .update(revoked_at=now, revoked_by=by)
    )
    if changed:
        credential.revoked_at, credential.revoked_by = now, by
    else:
        credential.refresh_from_db(fields=["revoked_at", "revoked_by"])
    return bool(changed)


def _by_whom(actor: User) -> str:
    return f"{actor.name} ({actor.email})" if actor.name else actor.email


def _mail_owner(*, owner: User, what: str, actor: User, page: str) -> None:
    account = account_of_user(owner)
    send_after_commit(
        subject="A credential of yours was revoked by an administrator",
        body=(
            f"{what} was revoked by {_by_whom(actor)}, an administrator of {account.name!r}. "
            "Anyone holding it can no longer use it.\n\n"
            "If you still need one, make a new one and replace it wherever it was used:\n"
            f"{settings.SITE_URL}{page}\n"
        ),
        to=owner.email,
    )


def _owner(credential: Revocable) -> dict:
    return {"ownerId": credential.user.id, "ownerEmail": credential.user.email}


@transaction.atomic
def personal_access_token_revoke(*, token: PersonalAccessToken, actor: User) -> bool:
    """An administrator revokes `token` (any member's of their account, fetched through
    tokens.inventory): audited with both people and its owner mailed. Idempotent: a token
    already revoked is left as it is, neither audited nor mailed again (False)."""
    if not credential_mark_revoked(token, by=actor):
        return False
    record_event(
        "personal-access-token:revoked",
        on=account_of_user(token.user),
        actor=actor,
        tokenId=token.id,
        name=token.name,
        **_owner(token),
    )
    _mail_owner(
        owner=token.user,
        what=f"Your personal access token {token.name!r} (ending in {token.last_four})",
        actor=actor,
        page=reverse("tokens:personal-access-tokens"),
    )
    return True


@transaction.atomic
def client_credential_revoke(*, credential: ClientCredential, actor: User) -> bool:
    """As personal_access_token_revoke, for legacy client credentials: the secret is refused
    at POST /v1/auth and the access tokens it made are refused too."""
    if not credential_mark_revoked(credential, by=actor):
        return False
    record_event(
        "client-credential:revoked",
        on=account_of_user(credential.user),
        actor=actor,
        clientId=credential.id,
        **_owner(credential),
    )
    _mail_owner(
        owner=credential.user,
        what=f"Your client credentials {credential.id} (secret ending in {credential.last_four})",
        actor=actor,
        page=reverse("tokens:client-credentials"),
    )
    return True


def credential_revoke(*, credential: Revocable, actor: User) -> bool:
    """An administrator revokes a credential of either kind, as the inventory lists them
    (its page and its API): personal_access_token_revoke or client_credential_revoke."""
    if isinstance(credential, PersonalAccessToken):
        return personal_access_token_revoke(token=credential, actor=actor)
    return client_credential_revoke(credential=credential, actor=actor)
