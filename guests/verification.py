"""Guest access tokens, verified as every credential is: one indexed query, written once per
process (tokens.lookups), reading the guest's state again on every request.

A token names its guest (`sub`) and, if it was made for one space, that space (`spc`). The
query finds the guest (and, for a space's token, the guest's grant to it): a deleted guest
has no row, a guest removed from the space no grant, so the token is refused on the very
next request, on every process: nothing the query reads is cached."""

from collections.abc import Mapping

from accounts.models import Environment, Space
from guests.access import GuestPrincipal
from guests.models import Guest, SpaceGrant
from tokens.lookups import JoinedLookup
from tokens.verification import environment_in, space_in

SPACE_CLAIM = "spc"

GUEST_LOOKUP = JoinedLookup(
    {"g": Guest, "e": Environment},
    columns=("g.environment", "e.account"),
    joins="JOIN {e} ON {e.id} = {g.environment}",
    where="{g.id} = %s",
)
GUEST_SPACE_LOOKUP = JoinedLookup(
    {**GUEST_LOOKUP.tables, "s": SpaceGrant},
    columns=GUEST_LOOKUP.columns,
    joins=GUEST_LOOKUP.joins + " JOIN {s} ON {s.guest} = {g.id}",
    where=GUEST_LOOKUP.where + " AND {s.space} = %s",
)


def resolve_guest_access_token(claims: Mapping) -> GuestPrincipal | None:
    """tokens.verification's resolver for GUEST tokens (settings.ACCESS_TOKEN_RESOLVERS):
    the guest principal, or None."""
    guest_id, space_id = claims["sub"], claims.get(SPACE_CLAIM)
    if space_id is None:
        row = GUEST_LOOKUP.fetch([guest_id])
    elif isinstance(space_id, str):
        row = GUEST_SPACE_LOOKUP.fetch([guest_id, space_id])
    else:
        return None
    if row is None:
        return None
    environment_id, account_id = row

    # Built when first read, from the principal's own objects (tokens.principal).
    def environment() -> Environment:
        return environment_in(environment_id, principal.account)

    def space() -> Space:
        return space_in(space_id, principal.environment)

    # The principal's id is the guest's: what the audit trail records as the actor, and
    # what its spaces and workbooks are narrowed to.
    principal = GuestPrincipal(
        kind=GuestPrincipal.GUEST,
        id=guest_id,
        account_id=account_id,
        environment=environment,
        space=space if space_id is not None else None,
    )
    return principal
