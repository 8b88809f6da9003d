"""Who may see which guest, and what a guest may see, answered in one place.

Named as accounts.access names its helpers: `<things>_within(reach)` is a queryset,
`<thing>_within(reach, id)` one of them by id or Http404 (through portal.access.get_or_404,
so an id outside the reach answers exactly as an unknown one).

What a guest reaches is their grants, and of a guest access token made for one space that
space alone: GuestPrincipal (the reach guests.verification makes of a guest access token)
narrows its spaces and workbooks through `spaces_granted_to` and `workbooks_granted_to`, so
every endpoint a guest token may call (accounts.api's spaces and workbooks, guests.api's
invitations), fetching through its reach, is narrowed here and only here: accounts sits
below guests and never imports it."""

from django.db.models import Q, QuerySet
from django.http import Http404

from accounts.access import Reach
from accounts.models import Environment, Space, Workbook
from guests.models import Guest, MagicLink, SpaceGrant, WorkbookGrant
from portal.access import get_or_404
from portal.api import NOT_FOUND
from tokens.principal import Principal


class GrantedOnly:
    """What a guest's reach narrows its spaces and workbooks to: the guest's grants (through
    bounded_spaces and bounded_workbooks, so of a token made for one space only that space's).
    Mixed into both kinds of guest reach below."""

    __slots__ = ()

    guest_id: str

    def spaces(self) -> QuerySet[Space]:
        return spaces_granted_to(self.guest_id, self.bounded_spaces())

    def workbooks(self) -> QuerySet[Workbook]:
        return workbooks_granted_to(self.guest_id, self.bounded_workbooks())


class GuestPrincipal(GrantedOnly, Principal):
    """The caller behind a guest access token (guests.verification): its id is the guest's,
    and it reaches only the spaces and workbooks the guest is granted."""

    __slots__ = ()

    @property
    def guest_id(self) -> str:
        return self.id


class GuestReach(GrantedOnly, Reach):
    """A guest's page session (guests.sessions): the granted spaces and workbooks of their
    environment."""

    __slots__ = ("guest_id",)

    def __init__(self, *, guest_id: str, environment: Environment):
        super().__init__(kind=Reach.GUEST, account=environment.account, environment=environment)
        self.guest_id = guest_id


def guests_within(reach: Reach) -> QuerySet[Guest]:
    return reach.in_reached_environments(Guest.objects.filter(environment__account=reach.account))


def guest_within(reach: Reach, guest_id: str) -> Guest:
    return get_or_404(guests_within(reach).select_related("environment__account"), guest_id)


def magic_links_within(reach: Reach, space: Space | None = None) -> QuerySet[MagicLink]:
    links = reach.in_reached_environments(
        MagicLink.objects.filter(space__environment__account=reach.account), "space__environment"
    )
    return links.filter(space=space) if space is not None else links


def magic_link_within(reach: Reach, link_id: str, space: Space | None = None) -> MagicLink:
    return get_or_404(
        magic_links_within(reach, space).select_related("guest__environment__account", "space"),
        link_id,
    )


def guests_granted(guests: QuerySet, space: Space) -> QuerySet:
    """`guests`, narrowed to those with a connection to `space`."""
    return guests.filter(pk__in=SpaceGrant.objects.filter(space=space).values("guest_id"))


def spaces_granted_to(guest_id: str, spaces: QuerySet, space: Space | None = None) -> QuerySet:
    """`spaces`, narrowed to those the guest has a grant to, and with `space` (a guest
    access token made for one space) to that space alone. A subquery rather than a join,
    so that counts annotated on the spaces (their workbooks) count each space once."""
    granted = spaces.filter(pk__in=SpaceGrant.objects.filter(guest_id=guest_id).values("space_id"))
    return granted.filter(pk=space.pk) if space is not None else granted


def workbooks_granted_to(
    guest_id: str, workbooks: QuerySet, space: Space | None = None
) -> QuerySet:
    """`workbooks`, narrowed to those the guest may open: every workbook of a space granted
    whole, and of a space granted in part only the workbooks named (none once those are
    all deleted); with `space` (a token made for one space), only that space's."""
    whole_spaces = SpaceGrant.objects.filter(guest_id=guest_id, all_workbooks=True)
    partial_spaces = SpaceGrant.objects.filter(guest_id=guest_id, all_workbooks=False)
    named = WorkbookGrant.objects.filter(
        guest_id=guest_id, space_id__in=partial_spaces.values("space_id")
    )
    granted = workbooks.filter(
        Q(space_id__in=whole_spaces.values("space_id")) | Q(pk__in=named.values("workbook_id"))
    )
    return granted.filter(space_id=space.pk) if space is not None else granted


def space_choices_within(reach: Reach, requested: list[dict]) -> list[dict]:
    """The API's `spaces` (`[{"id", "workbooks"?: [{"id"}]}]`) as guests.services takes
    them (`[{"space": Space, "workbooks": [Workbook] | None}]`), each id fetched within the
    reach, in two queries however many there are. An id outside the reach (another
    account's, another environment's for a key) is Http404, as an unknown one; whether each
    space is in the guest's environment and each workbook in its space is the service's to
    say (a 400)."""
    space_ids = {item["id"] for item in requested}
    workbook_ids = {
        workbook["id"] for item in requested for workbook in item.get("workbooks") or []
    }
    spaces = {
        space.pk: space
        for space in reach.spaces().filter(pk__in=space_ids).select_related("environment")
    }
    workbooks = (
        {workbook.pk: workbook for workbook in reach.workbooks().filter(pk__in=workbook_ids)}
        if workbook_ids
        else {}
    )
    if space_ids - spaces.keys() or workbook_ids - workbooks.keys():
        raise Http404(NOT_FOUND)
    return [
        {
            "space": spaces[item["id"]],
            "workbooks": [workbooks[workbook["id"]] for workbook in item["workbooks"]]
            if item.get("workbooks")
            else None,
        }
        for item in requested
    ]
