"""Spaces and their workbooks: made, changed, deleted."""

from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.access import Reach
from accounts.audit import Actor, record_event
from accounts.models import Environment, Space, Workbook
from accounts.services.common import clean_metadata, clean_name
from portal.services import model_update


@transaction.atomic
def space_create(
    *,
    environment: Environment,
    actor: Actor,
    name: str,
    metadata: dict | None = None,
    guests_can_invite: bool = True,
) -> Space:
    space = Space.objects.create(
        environment=environment,
        name=clean_name(name),
        metadata=clean_metadata(metadata),
        guests_can_invite=bool(guests_can_invite),
    )
    record_event("space:created", on=space, actor=actor, name=space.name)
    return space


@transaction.atomic
def space_create_for(
    *,
    reach: Reach,
    actor: Actor,
    environment: Environment,
    name: str,
    metadata: dict | None = None,
    guests_can_invite: bool = True,
) -> tuple[Space, str | None]:
    """A space the API's caller (`reach`, who is also the `actor`) creates, with the
    access token that reach issues for it (a publishable key's; None for the others). One
    transaction: no space is left behind without the token its creator asked for."""
    space = space_create(
        environment=environment,
        actor=actor,
        name=name,
        metadata=metadata,
        guests_can_invite=guests_can_invite,
    )
    return space, reach.space_access_token_for(space)


@transaction.atomic
def space_update(
    *,
    space: Space,
    actor: Actor,
    name: str | None = None,
    guests_can_invite: bool | None = None,
    metadata: dict | None = None,
) -> Space:
    changes = {}
    if name is not None:
        changes["name"] = clean_name(name)
    if guests_can_invite is not None:
        changes["guests_can_invite"] = bool(guests_can_invite)
    if metadata is not None:
        changes["metadata"] = clean_metadata(metadata)
    changed = model_update(instance=space, data=changes)
    if not changed:
        return space
    record_event("space:updated", on=space, actor=actor, changed=changed)
    return space


@transaction.atomic
def space_delete(*, space: Space, actor: Actor) -> None:
    record_event("space:deleted", on=space, actor=actor, name=space.name)
    space.delete()


def clean_labels(labels) -> list[str]:
    if labels is None:
        return []
    if not isinstance(labels, list | tuple) or not all(isinstance(label, str) for label in labels):
        raise ValidationError({"labels": "Labels must be a list of text."})
    return [clean_name(label, field="labels", what="A label") for label in labels]


@transaction.atomic
def workbook_create(
    *, space: Space, actor: Actor, name: str, labels: list[str] | None = None
) -> Workbook:
    workbook = Workbook.objects.create(
        space=space, name=clean_name(name), labels=clean_labels(labels)
    )
    record_event(
        "workbook:created", on=workbook, actor=actor, workbookId=workbook.id, name=workbook.name
    )
    return workbook


@transaction.atomic
def workbook_update(
    *, workbook: Workbook, actor: Actor, name: str | None = None, labels: list[str] | None = None
) -> Workbook:
    changes = {}
    if name is not None:
        changes["name"] = clean_name(name)
    if labels is not None:
        changes["labels"] = clean_labels(labels)
    changed = model_update(instance=workbook, data=changes)
    if not changed:
        return workbook
    record_event(
        "workbook:updated", on=workbook, actor=actor, workbookId=workbook.id, changed=changed
    )
    return workbook


@transaction.atomic
def workbook_delete(*, workbook: Workbook, actor: Actor) -> None:
    record_event(
        "workbook:deleted", on=workbook, actor=actor, workbookId=workbook.id, name=workbook.name
    )
    workbook.delete()
