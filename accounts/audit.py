"""The one way to write the audit trail. Every service calls it for every change, inside
the change's transaction, so an event exists exactly when its change does."""

from typing import Any, Protocol

from accounts.models import Account, Event


class Actor(Protocol):
    """Whoever made a change: a user, an API key, a guest. Only its public id is kept."""

    id: str


def record_event(
    *,
    topic: str,
    account: Account,
    actor: Actor | None,
    environment_id: str = "",
    space_id: str = "",
    payload: dict[str, Any] | None = None,
) -> Event:
    return Event.objects.create(
        account=account,
        topic=topic,
        domain=topic.split(":", 1)[0],
        environment_id=environment_id or "",
        space_id=space_id or "",
        actor_id=actor.id if actor is not None else "",
        payload=payload or {},
    )
