"""Who may see what, answered in one place. Every page and endpoint fetches objects through
these helpers; an id outside the caller's reach is indistinguishable from an unknown one
(404), so existence never leaks across accounts.

A caller's reach is an account, optionally narrowed to one environment (a secret or
publishable key) and then to one space (a space access token).

How the helpers here and in tokens.access are named (the one place that says it):
- `<things>_within(reach, ...narrowing)` is the queryset of what the reach holds:
  `spaces_within(account, environment, space)`.
- `<thing>_within(reach, id, ...narrowing)` fetches one of them by id, through
  portal.access.get_or_404, or raises Http404: `space_within(account, space_id,
  environment, space)`, `secret_within(account, secret_id, environment)`. The reach is what
  bounds the thing: an account, an environment (`api_key_within(environment, key_id)`), a
  user (`personal_access_token_within(user, token_id)`).
- An API view passes its caller's reach from its principal, spelled out at the call site:
  `principal.account`, then as much narrowing as the helper takes, `principal.environment`
  and `principal.space`. No fetch takes a principal (tokens.principal sits above
  accounts), so every page and endpoint shows its reach the same way, in plain sight.
- What is not a fetch by id says what it answers: `account_administered_by(user)`, the
  predicate `may_read_secret_key(principal)`."""

from django.db.models import QuerySet
from django.utils import timezone

from accounts.models import (
    Account,
    AdminInvitation,
    Environment,
    Event,
    Membership,
    Space,
    User,
    Workbook,
)
from portal.access import get_or_404


def account_administered_by(user: User) -> Account | None:
    """The account the user is an administrator of; None for a user of no account (a bare
    superuser)."""
    membership = Membership.objects.select_related("account").filter(user=user).first()
    return membership.account if membership else None


def environments_within(account: Account, environment: Environment | None = None) -> QuerySet:
    environments = Environment.objects.filter(account=account)
    return environments.filter(pk=environment.pk) if environment else environments


def spaces_within(
    account: Account, environment: Environment | None = None, space: Space | None = None
) -> QuerySet:
    spaces = Space.objects.filter(environment__account=account)
    if environment is not None:
        spaces = spaces.filter(environment=environment)
    return spaces.filter(pk=space.pk) if space is not None else spaces


def workbooks_within(
    account: Account, environment: Environment | None = None, space: Space | None = None
) -> QuerySet:
    workbooks = Workbook.objects.filter(space__environment__account=account)
    if environment is not None:
        workbooks = workbooks.filter(space__environment=environment)
    return workbooks.filter(space=space) if space is not None else workbooks


def administrators_within(account: Account) -> QuerySet:
    """The account's administrators (users), each with their membership, longest-serving
    first."""
    return (
        User.objects.filter(membership__account=account)
        .select_related("membership")
        .order_by("membership__created_at", "pk")
    )


def pending_invitations_within(account: Account) -> QuerySet:
    return AdminInvitation.objects.filter(
        account=account, accepted_at__isnull=True, expires_at__gt=timezone.now()
    )


def events_within(account: Account, environment: Environment | None = None) -> QuerySet:
    """The account's audit trail, newest first (environment ids are text: the events of a
    deleted environment stay)."""
    events = Event.objects.filter(account=account)
    return events.filter(environment_id=environment.pk) if environment else events


def environment_within(
    account: Account, environment_id: str, environment: Environment | None = None
) -> Environment:
    return get_or_404(environments_within(account, environment), environment_id)


def space_within(
    account: Account,
    space_id: str,
    environment: Environment | None = None,
    space: Space | None = None,
) -> Space:
    return get_or_404(
        spaces_within(account, environment, space).select_related("environment"), space_id
    )


def workbook_within(
    account: Account,
    workbook_id: str,
    environment: Environment | None = None,
    space: Space | None = None,
) -> Workbook:
    return get_or_404(
        workbooks_within(account, environment, space).select_related("space__environment"),
        workbook_id,
    )


def administrator_within(account: Account, user_id: str) -> User:
    return get_or_404(administrators_within(account), user_id)


def pending_invitation_within(account: Account, invitation_id: str) -> AdminInvitation:
    return get_or_404(pending_invitations_within(account).select_related("account"), invitation_id)


def event_within(account: Account, event_id: str, environment: Environment | None = None) -> Event:
    return get_or_404(events_within(account, environment), event_id)
