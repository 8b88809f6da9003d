"""Which kinds of caller each account endpoint admits, per HTTP method.

tokens.permissions.PrincipalAllowed reads a view's `allowed_principals` (by default
administrators and secret keys; a publishable key besides for the operations its key
lists). The kinds are accounts.access.Reach's, which tokens.principal.Principal inherits.

- An administrator (a PAT or their access token) reaches the whole account.
- A secret key acts within its own environment: it reads and changes what is inside, and
  the environment itself, but neither creates nor deletes environments, nor changes the
  account.
- A publishable key only creates spaces (its key's operations, `POST /v1/spaces`).
- A space access token (handed out with a space a publishable key created) reads and updates
  its space, and lists, reads, creates and updates that space's workbooks; nothing else.
- A guest access token (GET /v1/guests/{id}/token) lists and reads the spaces and workbooks
  its guest is granted (of a token made for one space, that space's), and invites guests
  there; nothing else. Its reach narrows itself (guests.access.GuestPrincipal), for every
  endpoint at once.

What a caller may see is its reach's to say (accounts.access); these say only which kinds
may call."""

from django.conf import settings
from django.utils.module_loading import import_string

from accounts.access import Reach
from accounts.models import Space

ADMINISTRATORS = (Reach.USER,)
ENVIRONMENT_CALLERS = (Reach.USER, Reach.SECRET_KEY)  # tokens.permissions' default
SPACE_CALLERS = (Reach.USER, Reach.SECRET_KEY, Reach.SPACE)
# Shown the URL guests may join a space by (its shared link): those who administer it, never
# a guest, a publishable key or its space tokens.
GUEST_LINK_VIEWERS = ENVIRONMENT_CALLERS


def guest_links_shown(reach: Reach, spaces: list[Space]) -> dict[str, str]:
    """{space id: guest link} for those of `spaces` (each with its environment loaded) whose
    link the caller may be shown. Shared links are the guests app's, which sits above
    accounts: settings.SPACE_GUEST_LINKS names the function that finds them."""
    if reach.kind not in GUEST_LINK_VIEWERS:
        return {}
    return import_string(settings.SPACE_GUEST_LINKS)(spaces)


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
