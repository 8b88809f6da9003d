"""Every write about credentials: one function per operation, atomic, audited. A raw
credential value is returned once by the function that makes it and never stored.

By subject: `api_keys`, `personal_access_tokens`, `client_credentials`, `access_tokens`,
`secrets`, `lifetime_policy`; `common` holds what they share. Callers use `from tokens import
services` and `services.personal_access_token_create(...)`: the names below are the whole
public API."""

from tokens.services.access_tokens import (
    InvalidCredentials,
    IssuedAccessToken,
    SecondStepRefused,
    SecondStepRequired,
    access_token_create_for_client,
    access_token_create_for_password,
    space_access_token_create,
)
from tokens.services.api_keys import (
    KEY_PREFIXES,
    ROLL_GRACE_CHOICES,
    RolledKey,
    api_key_delete,
    api_key_reveal,
    api_key_roll,
    api_keys_create_for_environment,
)
from tokens.services.client_credentials import client_credential_create, client_credential_delete
from tokens.services.lifetime_policy import (
    TOKEN_MAX_LIFETIME_CHOICES,
    TokenLifetimePolicyChange,
    token_max_lifetime_set,
)
from tokens.services.personal_access_tokens import (
    TOKEN_LIFETIME_CHOICES,
    clean_token_lifetime,
    personal_access_token_create,
    personal_access_token_delete,
    personal_access_token_regenerate,
)
from tokens.services.revocations import (
    client_credential_revoke,
    credential_mark_revoked,
    credential_revoke,
    personal_access_token_revoke,
)
from tokens.services.secrets import (
    SECRET_NAME_MAX_LENGTH,
    SECRET_VALUE_MAX_LENGTH,
    secret_delete,
    secret_upsert,
)

__all__ = [
    "IssuedAccessToken",
    "InvalidCredentials",
    "SecondStepRefused",
    "SecondStepRequired",
    "access_token_create_for_client",
    "access_token_create_for_password",
    "space_access_token_create",
    "KEY_PREFIXES",
    "ROLL_GRACE_CHOICES",
    "RolledKey",
    "api_key_delete",
    "api_key_reveal",
    "api_key_roll",
    "api_keys_create_for_environment",
    "client_credential_create",
    "client_credential_delete",
    "TOKEN_LIFETIME_CHOICES",
    "clean_token_lifetime",
    "personal_access_token_create",
    "personal_access_token_delete",
    "personal_access_token_regenerate",
    "TOKEN_MAX_LIFETIME_CHOICES",
    "TokenLifetimePolicyChange",
    "token_max_lifetime_set",
    "client_credential_revoke",
    "credential_mark_revoked",
    "credential_revoke",
    "personal_access_token_revoke",
    "SECRET_NAME_MAX_LENGTH",
    "SECRET_VALUE_MAX_LENGTH",
    "secret_delete",
    "secret_upsert",
]
