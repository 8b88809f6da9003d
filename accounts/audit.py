"""The one way to write the audit trail. Every service calls it for every change, inside
the change's transaction, so an event exists exactly when its change does."""

from typing import Any, Protocol

from accounts.models import AuditScope, Event

# Every topic the services record, across the apps (the audit trail is one vocabulary): the
# Logs page offers these as its topic filter instead of reading a million events to find
# them. A test reads every record_event call in the code and holds this list to them.
TOPICS = (
    "access-token:created",
    "account:created",
    "account:updated",
    "administrator:added",
    "administrator:invitation-resent",
    "administrator:invitation-revoked",
    "administrator:invited",
    "administrator:removed",
    "api-key:created",
    "api-key:deleted",
    "api-key:revealed",
    "api-key:revoked-as-leaked",
    "api-key:rolled",
    "client-credential:created",
    "client-credential:deleted",
    "client-credential:revoked",
    "client-credential:revoked-as-leaked",
    "environment:created",
    "environment:deleted",
    "environment:updated",
    "guest:created",
    "guest:deleted",
    "guest:invited",
    "guest:space-granted",
    "guest:space-removed",
    "guest:updated",
    "guest:workbooks-changed",
    "magic-link:created",
    "magic-link:revoked",
    "magic-link:used",
    "personal-access-token:created",
    "personal-access-token:deleted",
    "personal-access-token:regenerated",
    "personal-access-token:revoked",
    "personal-access-token:revoked-as-leaked",
    "secret:created",
    "secret:deleted",
    "secret:updated",
    "shared-link:disabled",
    "shared-link:redeemed",
    "shared-link:regenerated",
    "space:created",
    "space:deleted",
    "space:updated",
    "user:authenticator-app-added",
    "user:authenticator-app-removed",
    "user:passkey-added",
    "user:passkey-removed",
    "user:passkey-renamed",
    "user:password-changed",
    "user:password-reset",
    "user:recovery-code-used",
    "user:recovery-codes-generated",
    "user:second-factors-reset",
    "user:session-ended",
    "user:updated",
    "workbook:created",
    "workbook:deleted",
    "workbook:updated",
)


class Actor(Protocol):
    """Whoever made a change: a user, an API key, a guest. Only its public id is kept."""

    id: str


class Audited(Protocol):
    """What a change is about: an account, an environment, a space, a workbook, a secret, a
    guest… Each knows where its events belong (its account, environment and space ids)."""

    def audit_scope(self) -> AuditScope: ...


def record_event(
    topic: str, *, on: Audited | AuditScope, actor: Actor | None, **payload: Any
) -> Event:
    """Record `topic` (`domain:verb`) about `on` by `actor`, with `payload` as its details
    (never a secret value)."""
    scope = on if isinstance(on, AuditScope) else on.audit_scope()
    return Event.objects.create(
        account=scope.account,
        topic=topic,
        domain=topic.split(":", 1)[0],
        environment_id=scope.environment_id,
        space_id=scope.space_id,
        actor_id=actor.id if actor is not None else "",
        payload=payload,
    )
