"""The account: made with its first administrator and default environments, renamed."""

from django.db import transaction

from accounts.audit import Actor, record_event
from accounts.models import Account, Membership, User
from accounts.services.common import clean_metadata, clean_name
from accounts.services.environments import environment_create
from portal.services import model_update

DEFAULT_ENVIRONMENTS = (("development", False), ("production", True))


@transaction.atomic
def account_create(*, name: str, email: str, password: str, user_name: str = "") -> Account:
    """A new account with its first administrator and the default environments."""
    account = Account.objects.create(name=clean_name(name))
    user = User.objects.create_user(email=email, password=password, name=user_name.strip())
    Membership.objects.create(user=user, account=account)
    record_event("account:created", on=account, actor=user, name=account.name)
    for env_name, is_prod in DEFAULT_ENVIRONMENTS:
        environment_create(account=account, actor=user, name=env_name, is_prod=is_prod)
    return account


@transaction.atomic
def account_update(
    *, account: Account, actor: Actor, name: str | None = None, metadata: dict | None = None
) -> Account:
    """Rename the account or replace its metadata (None leaves a field as it is). Audited
    only when something changed."""
    changes = {}
    if name is not None:
        changes["name"] = clean_name(name)
    if metadata is not None:
        changes["metadata"] = clean_metadata(metadata)
    changed = model_update(instance=account, data=changes)
    if changed:
        record_event("account:updated", on=account, actor=actor, changed=changed)
    return account
