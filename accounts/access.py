"""Who may see what, answered in one place. Every page and endpoint fetches objects through
these helpers; an id outside the caller's reach is indistinguishable from an unknown one
(404), so existence never leaks across accounts.

A caller's reach is an account, optionally narrowed to one environment (a secret key)."""

from django.db.models import QuerySet
from django.http import Http404
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


def account_of(user: User) -> Account | None:
    membership = Membership.objects.select_related("account").filter(user=user).first()
    return membership.account if membership else None


def environments_within(account: Account, environment: Environment | None = None) -> QuerySet:
    environments = Environment.objects.filter(account=account)
    return environments.filter(pk=environment.pk) if environment else environments


def spaces_within(account: Account, environment: Environment | None = None) -> QuerySet:
    spaces = Space.objects.filter(environment__account=account)
    return spaces.filter(environment=environment) if environment else spaces


def workbooks_within(account: Account, environment: Environment | None = None) -> QuerySet:
    workbooks = Workbook.objects.filter(space__environment__account=account)
    return workbooks.filter(space__environment=environment) if environment else workbooks


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


def _get_or_404(queryset: QuerySet, object_id: str):
    found = queryset.filter(pk=object_id).first() if object_id else None
    if found is None:
        raise Http404("Not found.")
    return found


def environment_within(
    account: Account, environment_id: str, environment: Environment | None = None
) -> Environment:
    return _get_or_404(environments_within(account, environment), environment_id)


def space_within(account: Account, space_id: str, environment: Environment | None = None) -> Space:
    return _get_or_404(spaces_within(account, environment).select_related("environment"), space_id)


def workbook_within(
    account: Account, workbook_id: str, environment: Environment | None = None
) -> Workbook:
    return _get_or_404(
        workbooks_within(account, environment).select_related("space__environment"), workbook_id
    )


def administrator_within(account: Account, user_id: str) -> User:
    return _get_or_404(administrators_within(account), user_id)


def pending_invitation_within(account: Account, invitation_id: str) -> AdminInvitation:
    return _get_or_404(pending_invitations_within(account).select_related("account"), invitation_id)
