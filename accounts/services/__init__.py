"""Every write the accounts app does: one function per operation, atomic, audited.

By subject: `account`, `environments`, `spaces` (and their workbooks), `team` (administrators
and their invitations), `users`; `common` holds the checks they share. Callers use
`from accounts import services` and `services.space_create(...)`: the names below are the
whole public API."""

from accounts.services.account import (
    DEFAULT_ENVIRONMENTS,
    account_create,
    account_update,
)
from accounts.services.common import (
    clean_guest_authentication,
    clean_metadata,
    clean_name,
)
from accounts.services.environments import (
    DUPLICATE_ENVIRONMENT,
    environment_create,
    environment_delete,
    environment_update,
)
from accounts.services.spaces import (
    clean_labels,
    space_create,
    space_create_for,
    space_delete,
    space_update,
    workbook_create,
    workbook_delete,
    workbook_update,
)
from accounts.services.team import (
    INVITATION_GONE,
    INVITATION_LIFETIME,
    INVITATION_NOT_PENDING,
    administrator_invitation_resend,
    administrator_invitation_revoke,
    administrator_invite,
    administrator_remove,
    invitation_accept,
    invitation_digest,
    invitation_for_token,
)
from accounts.services.users import (
    user_record_password_change,
    user_update,
    user_update_profile,
)

__all__ = [
    "DEFAULT_ENVIRONMENTS",
    "DUPLICATE_ENVIRONMENT",
    "INVITATION_GONE",
    "INVITATION_LIFETIME",
    "INVITATION_NOT_PENDING",
    "account_create",
    "account_update",
    "administrator_invitation_resend",
    "administrator_invitation_revoke",
    "administrator_invite",
    "administrator_remove",
    "clean_guest_authentication",
    "clean_labels",
    "clean_metadata",
    "clean_name",
    "environment_create",
    "environment_delete",
    "environment_update",
    "invitation_accept",
    "invitation_digest",
    "invitation_for_token",
    "space_create",
    "space_create_for",
    "space_delete",
    "space_update",
    "user_record_password_change",
    "user_update",
    "user_update_profile",
    "workbook_create",
    "workbook_delete",
    "workbook_update",
]
