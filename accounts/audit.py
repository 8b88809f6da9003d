"""The one way to write the audit trail. Every service calls it for every change, inside
the change's transaction, so an event exists exactly when its change does."""

from typing import Any, Protocol

from accounts.models import AuditScope, Event


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
