"""An account's environments: made (with their API keys, tokens.services), changed, deleted."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.module_loading import import_string

from accounts.audit import Actor, record_event
from accounts.models import Account, Environment, GuestAuthentication, Space
from accounts.services.common import clean_guest_authentication, clean_metadata, clean_name
from portal.services import model_update


def _environment_name_taken(account: Account, name: str, exclude_id: str | None = None) -> bool:
    others = Environment.objects.filter(account=account, name__iexact=name)
    if exclude_id:
        others = others.exclude(pk=exclude_id)
    return others.exists()


DUPLICATE_ENVIRONMENT = "An environment with this name already exists in this account."


@transaction.atomic
def environment_create(
    *,
    account: Account,
    actor: Actor,
    name: str,
    is_prod: bool = False,
    guest_authentication: list[str] | None = None,
    metadata: dict | None = None,
) -> Environment:
    name = clean_name(name)
    if _environment_name_taken(account, name):
        raise ValidationError({"name": DUPLICATE_ENVIRONMENT})
    try:
        with transaction.atomic():  # a concurrent twin loses at the unique constraint
            environment = Environment.objects.create(
                account=account,
                name=name,
                is_prod=bool(is_prod),
                guest_authentication=clean_guest_authentication(
                    guest_authentication
                    if guest_authentication is not None
                    else [GuestAuthentication.MAGIC_LINK]
                ),
                metadata=clean_metadata(metadata),
            )
    except IntegrityError as error:
        raise ValidationError({"name": DUPLICATE_ENVIRONMENT}) from error
    record_event(
        "environment:created",
        on=environment,
        actor=actor,
        name=environment.name,
        isProd=environment.is_prod,
    )
    # What apps above accounts make with every environment (tokens: its API keys), named in
    # settings.ENVIRONMENT_CREATED, in this transaction: if one fails, nothing is made.
    for made_with_it in settings.ENVIRONMENT_CREATED:
        import_string(made_with_it)(environment=environment, actor=actor)
    return environment


@transaction.atomic
def environment_update(
    *,
    environment: Environment,
    actor: Actor,
    name: str | None = None,
    is_prod: bool | None = None,
    guest_authentication: list[str] | None = None,
    metadata: dict | None = None,
) -> Environment:
    changes = {}
    if name is not None:
        name = clean_name(name)
        if _environment_name_taken(environment.account, name, exclude_id=environment.id):
            raise ValidationError({"name": DUPLICATE_ENVIRONMENT})
        changes["name"] = name
    if is_prod is not None:
        changes["is_prod"] = bool(is_prod)
    if guest_authentication is not None:
        changes["guest_authentication"] = clean_guest_authentication(guest_authentication)
    if metadata is not None:
        changes["metadata"] = clean_metadata(metadata)
    try:
        with transaction.atomic():  # a concurrent twin loses at the unique constraint
            changed = model_update(instance=environment, data=changes)
    except IntegrityError as error:
        environment.refresh_from_db()  # as saved, for the page that shows the refusal
        raise ValidationError({"name": DUPLICATE_ENVIRONMENT}) from error
    if not changed:
        return environment
    record_event("environment:updated", on=environment, actor=actor, changed=changed)
    return environment


@transaction.atomic
def environment_delete(*, environment: Environment, actor: Actor) -> None:
    space_count = Space.objects.filter(environment=environment).count()
    if space_count:
        raise ValidationError(
            f"“{environment.name}” still has {space_count} space{'s' if space_count != 1 else ''}: "
            "delete them first."
        )
    record_event("environment:deleted", on=environment, actor=actor, name=environment.name)
    environment.delete()
