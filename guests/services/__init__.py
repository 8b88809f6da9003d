"""Every write about guests: one function per operation, atomic, audited. A link's raw
token is returned once by the function that makes it (or only mailed) and never stored or
put in an event.

`spaces`, where a service takes it, is `[{"space": Space, "workbooks": [Workbook] | None}]`
(guests.access.space_choices_within makes it from the API's ids): no workbooks, or an empty
list, grants the whole space; otherwise only those workbooks, each of which must be in its
space, as each space must be in the guest's environment.

Who acts (`actor`) is anything with an `id`, as the audit trail records actors: a user, an
API key's principal, a guest (a Guest, or a guest principal of the API).

By subject: `guests` (the guest themself, "Add guest", "Invite a guest"), `grants`,
`magic_links` (invitations and sign-in links), `shared_links`, `access_tokens`; `common`
holds the refusals, checks and event helper they share. Callers use `from guests import
services` and `services.guest_create(...)`: the names below are the whole public API."""

from django.core.exceptions import ValidationError  # what the services refuse with

from guests.services.access_tokens import guest_access_token_create
from guests.services.common import (
    GUESTS_CANNOT_INVITE,
    LIFETIMES,
    LINK_GONE,
    MESSAGE_MAX_LENGTH,
    METHOD_OFF,
    NO_ACCESS,
    clean_guest_email,
)
from guests.services.grants import space_grant_record_access
from guests.services.guests import (
    DUPLICATE_EMAIL,
    guest_add,
    guest_create,
    guest_delete,
    guest_invite_guest,
    guest_remove_from_space,
    guest_update,
    guests_create,
)
from guests.services.magic_links import (
    guest_invite,
    guest_reinvite,
    guests_invite,
    magic_link_create,
    magic_link_request,
    magic_link_revoke,
    magic_link_spend,
)
from guests.services.shared_links import (
    shared_link_disable,
    shared_link_join_confirm,
    shared_link_join_request,
    shared_link_regenerate,
)

__all__ = [
    "DUPLICATE_EMAIL",
    "GUESTS_CANNOT_INVITE",
    "LIFETIMES",
    "LINK_GONE",
    "MESSAGE_MAX_LENGTH",
    "METHOD_OFF",
    "NO_ACCESS",
    "ValidationError",
    "clean_guest_email",
    "guest_access_token_create",
    "guest_add",
    "guest_create",
    "guest_delete",
    "guest_invite",
    "guest_invite_guest",
    "guest_reinvite",
    "guest_remove_from_space",
    "guest_update",
    "guests_create",
    "guests_invite",
    "magic_link_create",
    "magic_link_request",
    "magic_link_revoke",
    "magic_link_spend",
    "shared_link_disable",
    "shared_link_join_confirm",
    "shared_link_join_request",
    "shared_link_regenerate",
    "space_grant_record_access",
]
