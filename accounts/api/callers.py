"""Which kinds of caller each account endpoint admits, per HTTP method.

tokens.permissions.PrincipalAllowed reads a view's `allowed_principals` (by default
administrators and secret keys; a publishable key besides for the operations its key
lists). The kinds are tokens.principal.Principal's, spelled out here because accounts sits
below tokens and does not import it (tests/accounts/test_api_access.py checks they match).

- An administrator (a PAT or their access token) reaches the whole account.
- A secret key acts within its own environment: it reads and changes what is inside, and
  the environment itself, but neither creates nor deletes environments, nor changes the
  account.
- A publishable key only creates spaces (its key's operations, `POST /v1/spaces`).
- A space access token (handed out with a space a publishable key created) reads and updates
  its space, and lists, reads, creates and updates that space's workbooks; nothing else.
- A guest access token (GET /v1/guests/{id}/token) lists and reads the spaces and workbooks
  its guest is granted (of a token made for one space, that space's), and invites guests
  there; nothing else. The guests app narrows them (see below), for every endpoint at once."""

from collections.abc import Callable

from django.db.models import Model, QuerySet
from django.http import Http404

from portal.api import NOT_FOUND

ADMINISTRATOR = "user"
SECRET_KEY = "secret_key"
PUBLISHABLE_KEY = "publishable_key"
SPACE = "space"
GUEST = "guest"

ADMINISTRATORS = (ADMINISTRATOR,)
ENVIRONMENT_CALLERS = (ADMINISTRATOR, SECRET_KEY)  # tokens.permissions' default
SPACE_CALLERS = (ADMINISTRATOR, SECRET_KEY, SPACE)

# What a kind of caller reaches within its account, environment and space, narrowed further
# by the app that owns that kind: (principal, queryset) -> the part of it the caller may
# see. The guests app registers GUEST (GuestsConfig.ready), narrowing to a guest's grants;
# accounts sits below guests and does not import it. A guest with no filter registered
# reaches nothing, never the whole environment.
principal_space_filters: dict[str, Callable[[object, QuerySet], QuerySet]] = {}
principal_workbook_filters: dict[str, Callable[[object, QuerySet], QuerySet]] = {}
NARROWED = (GUEST,)

# The URL guests may join a space by (its shared link), for the kinds of caller that may be
# shown it: spaces (each with its environment loaded) -> {space id: URL} for those whose link
# works now. The guests app registers administrators and secret keys; any other kind (a
# guest, a publishable key, a space access token) is shown none.
principal_guest_links: dict[str, Callable[[list], dict[str, str]]] = {}


def _narrowed(filters: dict, principal, queryset: QuerySet) -> QuerySet:
    narrow = filters.get(principal.kind)
    if narrow is not None:
        return narrow(principal, queryset)
    return queryset.none() if principal.kind in NARROWED else queryset


def _reached(filters: dict, principal, found: Model) -> Model:
    """`found` if the caller's kind may see it, else Http404, as for an unknown id. Only a
    narrowed kind costs a query."""
    if principal.kind in NARROWED or principal.kind in filters:
        queryset = type(found).objects.filter(pk=found.pk)
        if not _narrowed(filters, principal, queryset).exists():
            raise Http404(NOT_FOUND)
    return found


def spaces_reached(principal, spaces: QuerySet) -> QuerySet:
    """`spaces` (already within the caller's account, environment and space), narrowed to
    what the caller's kind may see."""
    return _narrowed(principal_space_filters, principal, spaces)


def workbooks_reached(principal, workbooks: QuerySet) -> QuerySet:
    return _narrowed(principal_workbook_filters, principal, workbooks)


def guest_links_shown(principal, spaces: list) -> dict[str, str]:
    """{space id: guest link} for those of `spaces` whose link the caller may be shown."""
    links = principal_guest_links.get(principal.kind)
    return links(spaces) if links is not None else {}


def space_reached(principal, space: Model) -> Model:
    """One space fetched within the caller's account, environment and space: itself if
    the caller's kind may see it, else Http404."""
    return _reached(principal_space_filters, principal, space)


def workbook_reached(principal, workbook: Model) -> Model:
    return _reached(principal_workbook_filters, principal, workbook)


class AllowedByMethod:
    """`allowed_by_method` on a view: HTTP method → the kinds of caller it admits; a method
    not listed admits ENVIRONMENT_CALLERS. HEAD is GET's."""

    allowed_by_method: dict[str, tuple[str, ...]] = {}

    @property
    def allowed_principals(self) -> tuple[str, ...]:
        method = self.request.method.upper()
        return self.allowed_by_method.get(
            "GET" if method == "HEAD" else method, ENVIRONMENT_CALLERS
        )
