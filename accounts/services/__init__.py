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
from accounts.services.passkeys import (
    PASSKEY_ALREADY_ADDED,
    passkey_register,
    passkey_remove,
    passkey_rename,
)
from accounts.services.second_factors import (
    authenticator_app_begin,
    authenticator_app_confirm,
    authenticator_app_remove,
    recovery_codes_generate,
    verify_second_step_code,
)
from accounts.services.sessions import (
    session_end,
    session_key_for_handle,
    sessions_end_all_except,
    sessions_of,
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
from accounts.services.two_step_policy import (
    RemovedSecondFactors,
    account_require_two_step,
    second_factors_reset,
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
    "PASSKEY_ALREADY_ADDED",
    "RemovedSecondFactors",
    "account_create",
    "account_require_two_step",
    "account_update",
    "administrator_invitation_resend",
    "administrator_invitation_revoke",
    "administrator_invite",
    "administrator_remove",
    "authenticator_app_begin",
    "authenticator_app_confirm",
    "authenticator_app_remove",
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
    "passkey_register",
    "passkey_remove",
    "passkey_rename",
    "recovery_codes_generate",
    "second_factors_reset",
    "session_end",
    "session_key_for_handle",
    "sessions_end_all_except",
    "sessions_of",
    "space_create",
    "space_create_for",
    "space_delete",
    "space_update",
    "user_record_password_change",
    "user_update",
    "user_update_profile",
    "verify_second_step_code",
    "workbook_create",
    "workbook_delete",
    "workbook_update",
]
