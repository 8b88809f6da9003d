"""Who may see which guest, and what a guest may see, answered in one place.

Named as accounts.access names its helpers: `<things>_within(reach, ...narrowing)` is a
queryset, `<thing>_within(reach, id, ...narrowing)` one of them by id or Http404 (through
portal.access.get_or_404, so an id outside the reach answers exactly as an unknown one).

What a guest reaches is their grants, and of a guest access token made for one space that
space alone: `spaces_granted_to` and `workbooks_granted_to` narrow any queryset of spaces
or workbooks to them. Every API endpoint a guest token may call (accounts.api's spaces and
workbooks, guests.api's invitations) fetches through accounts.api.callers' filters, which
GuestsConfig.ready registers for guest principals, so a guest principal's reach is decided
there and only there: accounts sits below guests and never imports it."""

from django.db.models import Q, QuerySet
from django.http import Http404

from accounts import access as accounts_access
from accounts.models import Account, Environment, Space
from guests.models import Guest, MagicLink, SpaceGrant, WorkbookGrant
from portal.access import get_or_404
from portal.api import NOT_FOUND


def guests_within(account: Account, environment: Environment | None = None) -> QuerySet:
    guests = Guest.objects.filter(environment__account=account)
    return guests.filter(environment=environment) if environment is not None else guests


def guest_within(account: Account, guest_id: str, environment: Environment | None = None) -> Guest:
    return get_or_404(
        guests_within(account, environment).select_related("environment__account"), guest_id
    )


def magic_links_within(account: Account, space: Space | None = None) -> QuerySet:
    links = MagicLink.objects.filter(space__environment__account=account)
    return links.filter(space=space) if space is not None else links


def magic_link_within(account: Account, link_id: str, space: Space | None = None) -> MagicLink:
    return get_or_404(
        magic_links_within(account, space).select_related("guest__environment__account", "space"),
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


def space_choices_within(
    account: Account, requested: list[dict], environment: Environment | None = None
) -> list[dict]:
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
        for space in accounts_access.spaces_within(account, environment)
        .filter(pk__in=space_ids)
        .select_related("environment")
    }
    workbooks = (
        {
            workbook.pk: workbook
            for workbook in accounts_access.workbooks_within(account, environment).filter(
                pk__in=workbook_ids
            )
        }
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
