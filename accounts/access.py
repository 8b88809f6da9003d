"""Who may see what, answered in one place. Every page and endpoint fetches objects through
a reach (below) and the helpers here; an id outside the caller's reach is indistinguishable
from an unknown one (404), so existence never leaks across accounts.

A caller's reach is an account, optionally narrowed to one environment (a secret or
publishable key) and then to one space (a space access token), and for a guest to what
they are granted; a fine-grained personal access token's to the environments it names
(`environment_scope`) and to reading (`read_only`, which tokens.permissions enforces).
Verification makes it: a credential's (tokens.principal.Principal, a
Reach, and guests.access.GuestPrincipal for a guest access token), an administrator's page
session (`request.reach`, accounts.views.common.administrator_page), a guest's page session
(guests.access.GuestReach). Every narrowing lives in the reach's querysets, so a fetch is
one call that cannot forget one.

How the helpers here, in tokens.access and in guests.access are named (the one place that
says it):
- `reach.<things>()` is the queryset of what the reach holds: `reach.spaces()`. A kind of
  caller that sees less overrides the method (guests.access.GuestPrincipal).
- `<thing>_within(reach, id)` fetches one of them by id, through portal.access.get_or_404,
  or raises Http404: `space_within(reach, space_id)`, `secret_within(reach, secret_id)`.
  What another app holds is its own module's `<things>_within(reach)`
  (guests.access.guests_within). A thing bounded by something already fetched takes that
  instead of a reach: `api_key_within(environment, key_id)`,
  `personal_access_token_within(user, token_id)`.
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


class Reach:
    """What one caller may see: `account`, narrowed to `environment` and `space` when they
    are set, to the environments `environment_scope` holds (a queryset of their ids) when
    set, and by `kind` (what vouched for the caller) to what that kind may see. Its
    querysets are already narrowed; subclasses narrow further by overriding them, never
    widen. `read_only`: the caller may read and nothing else. Nothing here is meant to
    change after verification."""

    # The kinds of caller: an administrator (a page session, a PAT, their access token), a
    # secret or publishable key, a space access token, a guest (a guest access token).
    USER = "user"
    SECRET_KEY = "secret_key"
    PUBLISHABLE_KEY = "publishable_key"
    SPACE = "space"
    GUEST = "guest"

    __slots__ = ("kind", "account", "environment", "space", "environment_scope", "read_only")

    def __init__(
        self,
        *,
        account: Account,
        kind: str = USER,
        environment: Environment | None = None,
        space: Space | None = None,
        environment_scope: QuerySet | None = None,
        read_only: bool = False,
    ):
        self.kind = kind
        self.account = account
        self.environment = environment
        self.space = space
        self.environment_scope = environment_scope
        self.read_only = read_only

    def in_environment(self, environment: Environment) -> "Reach":
        """This reach narrowed to `environment`, one fetched through it (a page about one
        environment, or about a space of it). A narrowing never widens: to another
        environment than its own it is a mistake of the caller's."""
        if self.environment is not None and self.environment.pk != environment.pk:
            raise ValueError("A reach narrows within its own environment only.")
        return Reach(
            account=self.account,
            kind=self.kind,
            environment=environment,
            space=self.space,
            environment_scope=self.environment_scope,
            read_only=self.read_only,
        )

    def in_reached_environments(self, queryset: QuerySet, field: str = "environment") -> QuerySet:
        """`queryset` (of the account's things) narrowed to the environments this reach
        holds, through `field`, the path from its model to an environment (its id, for a
        text column that keeps the id of a deleted one): the one place every narrowing by
        environment is made."""
        if self.environment is not None:
            queryset = queryset.filter(**{field: self.environment.pk})
        if self.environment_scope is not None:
            queryset = queryset.filter(**{f"{field}__in": self.environment_scope})
        return queryset

    def environments(self) -> QuerySet[Environment]:
        return self.in_reached_environments(Environment.objects.filter(account=self.account), "pk")

    def spaces(self) -> QuerySet[Space]:
        # A guest reaches only what they are granted: their reach narrows itself
        # (guests.access.GuestPrincipal). One of that kind that does not reaches nothing,
        # never the whole environment.
        return self.bounded_spaces() if self.kind != self.GUEST else Space.objects.none()

    def workbooks(self) -> QuerySet[Workbook]:
        return self.bounded_workbooks() if self.kind != self.GUEST else Workbook.objects.none()

    def bounded_spaces(self) -> QuerySet[Space]:
        """The spaces of the account, its environment and its space, before a kind narrows
        them further."""
        spaces = self.in_reached_environments(
            Space.objects.filter(environment__account=self.account)
        )
        return spaces.filter(pk=self.space.pk) if self.space is not None else spaces

    def bounded_workbooks(self) -> QuerySet[Workbook]:
        workbooks = self.in_reached_environments(
            Workbook.objects.filter(space__environment__account=self.account), "space__environment"
        )
        return workbooks.filter(space=self.space) if self.space is not None else workbooks

    def events(self) -> QuerySet[Event]:
        # An event of the account as a whole (no environment) is outside any narrowing.
        return self.in_reached_environments(events_within(self.account), "environment_id")

    def administrators(self) -> QuerySet[User]:
        """The account's administrators (users), each with their membership, longest-serving
        first."""
        return (
            User.objects.filter(membership__account=self.account)
            .select_related("membership")
            .order_by("membership__created_at", "pk")
        )

    def pending_invitations(self) -> QuerySet[AdminInvitation]:
        return AdminInvitation.objects.filter(
            account=self.account, accepted_at__isnull=True, expires_at__gt=timezone.now()
        )

    def space_access_token_for(self, space: Space) -> str | None:
        """The access token a space this caller just created comes with (in the same
        transaction), or None: only a publishable key's get one (tokens.principal)."""
        return None

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.kind} {self.account.pk}>"


def account_administered_by(user: User) -> Account | None:
    """The account the user is an administrator of; None for a user of no account (a bare
    superuser)."""
    membership = Membership.objects.select_related("account").filter(user=user).first()
    return membership.account if membership else None


def events_within(account: Account) -> QuerySet:
    """The account's audit trail, newest first (environment ids are text: the events of a
    deleted environment stay). Read by the log's own labels too, for the account whole."""
    return Event.objects.filter(account=account)


def environment_within(reach: Reach, environment_id: str) -> Environment:
    return get_or_404(reach.environments(), environment_id)


def space_within(reach: Reach, space_id: str) -> Space:
    return get_or_404(reach.spaces().select_related("environment"), space_id)


def workbook_within(reach: Reach, workbook_id: str) -> Workbook:
    return get_or_404(reach.workbooks().select_related("space__environment"), workbook_id)


def administrator_within(reach: Reach, user_id: str) -> User:
    return get_or_404(reach.administrators(), user_id)


def pending_invitation_within(reach: Reach, invitation_id: str) -> AdminInvitation:
    return get_or_404(reach.pending_invitations().select_related("account"), invitation_id)


def event_within(reach: Reach, event_id: str) -> Event:
    return get_or_404(reach.events(), event_id)
