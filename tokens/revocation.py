"""Revoking credentials reported leaked (POST /v1/credentials/revoke), the way GitHub's
credential revocation API does: anyone who finds a value (a secret scanner, a stranger)
may report it, nobody learns whether it matched, and its owners are told."""

from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from accounts.audit import record_event
from accounts.models import Environment, Membership
from portal.mail import send_after_commit
from tokens import credentials, services
from tokens.models import ApiKey, ClientCredential, PersonalAccessToken

# GitHub's limit per call; a scanner sends what it found in one push or one file.
MAX_REPORTED = 1000


# A User-Agent is the client's own text: enough of it to recognise a scanner, no more.
USER_AGENT_MAX_LENGTH = 200


@dataclass(frozen=True)
class Reporter:
    """Where a report came from, as the owners are told and the audit trail keeps it."""

    address: str
    user_agent: str

    def __post_init__(self):
        # No NUL either: PostgreSQL's JSON refuses it, and the audit payload carries this.
        user_agent = self.user_agent.replace("\x00", "")[:USER_AGENT_MAX_LENGTH]
        object.__setattr__(self, "user_agent", user_agent)

    def describe(self) -> str:
        client = repr(self.user_agent) if self.user_agent else "unknown"
        return (
            f"It was reported from the address {self.address or 'unknown'} by the client {client}."
        )

    def details(self) -> dict:
        return {
            "reason": "reported leaked",
            "reportedFrom": self.address,
            "userAgent": self.user_agent,
        }


def _digests_by_prefix(values) -> dict[str, set[str]]:
    """Digests of the well-formed values, per prefix. The checksum is checked offline, so a
    made-up or mistyped value never reaches the database."""
    digests: dict[str, set[str]] = {}
    for value in values:
        prefix = credentials.parse(value)
        if prefix is not None:
            digests.setdefault(prefix, set()).add(credentials.digest(value))
    return digests


def _mail(*, to: str, what: str, reporter: Reporter, page: str) -> None:
    send_after_commit(
        subject="A credential of yours was revoked: it was reported leaked",
        body=(
            f"{what} was revoked because its value was reported leaked, for example found "
            f"in a public repository. Anyone holding it can no longer use it.\n\n"
            f"{reporter.describe()}\n\n"
            "Replace it wherever it was used, and keep the new value out of code and logs:\n"
            f"{settings.SITE_URL}{page}\n"
        ),
        to=to,
    )


def _revoke_personal_access_tokens(digests: set[str], reporter: Reporter, now) -> None:
    tokens = (
        PersonalAccessToken.objects.select_related("user__membership__account")
        .filter(digest__in=digests, revoked_at__isnull=True)
        .filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now))
        # Audited under its owner's account, so a user in none (which no sign-in admits)
        # is left out, as the client credential exchange leaves them out.
        .exclude(user__membership=None)
    )
    for token in tokens:
        # Revoked by nobody, and kept: its owner's list says it was revoked. A report or an
        # administrator's revocation at the same moment revoked it already: told once.
        if not services.credential_mark_revoked(token, by=None):
            continue
        record_event(
            "personal-access-token:revoked-as-leaked",
            on=token.user.membership.account,
            actor=None,
            tokenId=token.id,
            name=token.name,
            **reporter.details(),
        )
        _mail(
            to=token.user.email,
            what=f"Your personal access token {token.name!r} (ending in {token.last_four})",
            reporter=reporter,
            page=reverse("tokens:personal-access-tokens"),
        )


def _revoke_client_credentials(digests: set[str], reporter: Reporter) -> None:
    found = (
        ClientCredential.objects.select_related("user__membership__account")
        .filter(secret_digest__in=digests, revoked_at__isnull=True)
        .exclude(user__membership=None)
    )
    for credential in found:
        if not services.credential_mark_revoked(credential, by=None):
            continue
        record_event(
            "client-credential:revoked-as-leaked",
            on=credential.user.membership.account,
            actor=None,
            clientId=credential.id,
            **reporter.details(),
        )
        _mail(
            to=credential.user.email,
            what=f"Your client credentials {credential.id} (secret ending in "
            f"{credential.last_four})",
            reporter=reporter,
            page=reverse("tokens:client-credentials"),
        )


def _administrators_emails(account_ids) -> dict[str, list[str]]:
    emails: dict[str, list[str]] = {}
    administrators = Membership.objects.filter(
        account_id__in=account_ids,
        role=Membership.Role.ADMINISTRATOR,
        user__is_active=True,
    ).values_list("account_id", "user__email")
    for account_id, email in administrators:
        emails.setdefault(account_id, []).append(email)
    return emails


def _revoke_secret_keys(digests: set[str], reporter: Reporter, now) -> None:
    keys = list(
        ApiKey.objects.select_related("environment__account")
        .filter(digest__in=digests, type=ApiKey.Type.SECRET)
        .filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now))
    )
    administrators = _administrators_emails({key.environment.account_id for key in keys})
    rolled: set[str] = set()
    for key in keys:
        environment: Environment = key.environment
        record_event(
            "api-key:revoked-as-leaked",
            on=environment,
            actor=None,
            keyId=key.id,
            type=key.type,
            **reporter.details(),
        )
        if key.expires_at is None and environment.id not in rolled:
            # The environment's current key: rolled with no grace, so the environment has a
            # secret key again and the leaked one (with any still retiring) stops at once.
            # A key still retiring in an environment rolled here is gone with that roll.
            services.api_key_roll(environment=environment, actor=None, key_type=key.type)
            rolled.add(environment.id)
        elif key.expires_at is not None and environment.id not in rolled:
            # Already retiring after an earlier roll: rolling again would stop the current
            # key too, which nobody reported; this one alone goes now.
            services.api_key_delete(api_key=key, actor=None)
        for email in administrators.get(environment.account_id, []):
            _mail(
                to=email,
                what=f"The secret key ending in {key.last_four} of the environment "
                f"{environment.name!r}",
                reporter=reporter,
                page=reverse("tokens:api-keys", args=[environment.id]),
            )


@transaction.atomic
def credentials_revoke_reported(*, values: list[str], reporter: Reporter) -> None:
    """Revoke every live personal access token, legacy client secret and secret key among
    `values`, at once: audited, and each owner (for a secret key, every administrator of its
    account) mailed with where the report came from. Tokens and client secrets are marked
    revoked and kept (tokens.services.revocations), as an administrator's revocation leaves
    them; secret keys are rolled. Publishable keys are public by design and never revoked.
    Returns nothing: the caller must not tell whether anything matched."""
    digests = _digests_by_prefix(values)
    now = timezone.now()
    if found := digests.get(credentials.PERSONAL_ACCESS_TOKEN):
        _revoke_personal_access_tokens(found, reporter, now)
    if found := digests.get(credentials.CLIENT_SECRET):
        _revoke_client_credentials(found, reporter)
    if found := digests.get(credentials.SECRET_KEY):
        _revoke_secret_keys(found, reporter, now)
