"""What the credential and secret endpoints accept and what they answer, in the contract's
camelCase (HackSoft style: one input serializer per endpoint, output serializers per
resource). Input serializers check types, lengths, choices and characters only; who may do
what stays in tokens.access and the rules of each write in tokens.services."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.models import NAME_MAX_LENGTH
from accounts.serializers import BooleanField
from portal.api import (
    ChoiceField,
    DateTimeField,
    EmailField,
    IdField,
    QuerySerializer,
    TextField,
)
from tokens import access, revocation, services
from tokens.access_tokens import LIFETIMES, USER
from tokens.models import ACTIVE, EXPIRED, REFUSED_BY_POLICY, REVOKED, ApiKey

USER_CREDENTIALS = "userCredentials"
API_CREDENTIALS = "apiCredentials"
# Longer than anyone types or a password manager makes; anything longer is refused before
# it reaches a password hasher (Django capped passwords at 4096 characters for that reason
# once, CVE-2013-1443).
PASSWORD_MAX_LENGTH = 4096
# A client secret is 39 characters (tokens.credentials); this only keeps huge input out.
CLIENT_SECRET_MAX_LENGTH = 255
REPORTED_CREDENTIAL_MAX_LENGTH = 255
# More environments than any account has: this only keeps huge input out.
ENVIRONMENT_IDS_MAX_COUNT = 100


# Input -------------------------------------------------------------------------------------


class UserCredentialsInput(serializers.Serializer):
    email = EmailField()
    password = TextField(trim_whitespace=False, max_length=PASSWORD_MAX_LENGTH)


class ApiCredentialsInput(serializers.Serializer):
    clientId = IdField()
    secret = TextField(trim_whitespace=False, max_length=CLIENT_SECRET_MAX_LENGTH)


class AccessTokenCreateInput(serializers.Serializer):
    """POST /v1/auth. `type` may be absent (the contract's liberal input): then a body with
    a `clientId` is API credentials, any other one user credentials."""

    type = ChoiceField(
        [USER_CREDENTIALS, API_CREDENTIALS],
        required=False,
        message=f"Use {USER_CREDENTIALS} or {API_CREDENTIALS}.",
    )

    def validate(self, attrs):
        kind = attrs.get("type") or (
            API_CREDENTIALS if "clientId" in self.initial_data else USER_CREDENTIALS
        )
        fields = ApiCredentialsInput if kind == API_CREDENTIALS else UserCredentialsInput
        credentials = fields(data=self.initial_data)
        credentials.is_valid(raise_exception=True)
        return {"type": kind, **credentials.validated_data}


class PersonalAccessTokenCreateInput(serializers.Serializer):
    # Surrounding spaces dropped, then 1–255 characters, as accounts.services.clean_name.
    name = TextField(max_length=NAME_MAX_LENGTH)
    # The lifetimes the page offers (a number or its digits). Absent: the account's maximum
    # lifetime where it has one (so scripts sending only a name keep working), else never;
    # null: never, which an account with a maximum refuses (the service says so).
    expiresInDays = ChoiceField(
        [days for days in services.TOKEN_LIFETIME_CHOICES if days is not None],
        required=False,
        allow_null=True,
        message="Choose 7, 30, 60, 90 or 365 days, or null for never.",
        help_text="Days until the token stops working: 7, 30, 60, 90 or 365; null for "
        "never. Absent: the account's maximum lifetime where it has one, else never. A "
        "lifetime over the account's maximum (null included) is refused with a 400 naming it.",
    )
    readOnly = BooleanField(
        default=False,
        help_text="true: the token may only read (GET and HEAD); every other method is "
        "refused with a 403 naming its scope. Default false.",
    )
    environmentIds = serializers.ListField(
        child=IdField(),
        required=False,
        allow_null=True,
        allow_empty=False,
        min_length=1,  # what allow_empty says, for the schema (minItems)
        max_length=ENVIRONMENT_IDS_MAX_COUNT,
        help_text="The environments the token may reach (`us_env_…`); absent or null: every "
        "environment of the account, those made later included. An empty list is a 400; an "
        "id that is not one of the account's environments is a 404, as an unknown id. A "
        "token narrowed to some environments sees nothing of the others (404 and empty "
        "lists) and may not act on the account as a whole (403 naming its scope).",
    )


class ApiKeyRollInput(serializers.Serializer):
    environmentId = IdField()
    type = ChoiceField(ApiKey.Type.values, message="Type must be SECRET or PUBLISHABLE.")
    # How long the old keys keep working; the default stops them at once.
    expiresIn = ChoiceField(list(services.ROLL_GRACE_CHOICES), default="now")


class EnvironmentQuery(QuerySerializer):
    environmentId = IdField()


class ApiKeyDeleteQuery(EnvironmentQuery):
    key = IdField()  # the key's id: no key value ever travels in a URL


class SecretScopeQuery(QuerySerializer):
    """An environment, a space, or both (the space's environment is then checked)."""

    environmentId = IdField(required=False)
    spaceId = IdField(required=False)


class SecretUpsertInput(serializers.Serializer):
    # Kept exactly as sent (no stripping): a secret's name and value are the caller's.
    name = TextField(trim_whitespace=False, max_length=services.SECRET_NAME_MAX_LENGTH)
    value = TextField(trim_whitespace=False, max_length=services.SECRET_VALUE_MAX_LENGTH)
    environmentId = IdField(required=False)
    # Empty or null: the environment itself, as when it is absent.
    spaceId = IdField(required=False, allow_null=True, allow_blank=True)


class CredentialsRevokeInput(serializers.Serializer):
    """POST /v1/credentials/revoke. Errors name the item at fault, never its value: the
    values may be live credentials."""

    credentials = serializers.ListField(
        # Ours are 39 or 40 characters; a scanner may send anything it matched, so this
        # only keeps huge input out.
        child=TextField(trim_whitespace=False, max_length=REPORTED_CREDENTIAL_MAX_LENGTH),
        allow_empty=False,
        min_length=1,  # what allow_empty says, for the schema (minItems)
        max_length=revocation.MAX_REPORTED,
        help_text=f"1 to {revocation.MAX_REPORTED} credential values, each at most "
        f"{REPORTED_CREDENTIAL_MAX_LENGTH} characters.",
    )


# Output ------------------------------------------------------------------------------------


class AccessTokenOutput(serializers.Serializer):
    """The SDK's AccessToken, sent without a `data` wrapper."""

    accessToken = serializers.CharField(source="token")
    expiresIn = serializers.SerializerMethodField()
    expires = DateTimeField(source="expires_at")
    email = serializers.CharField(source="user.email")
    userId = serializers.CharField(source="user.id")
    accountId = serializers.CharField(source="account_id")

    def get_expiresIn(self, issued) -> str:
        return str(int(LIFETIMES[USER].total_seconds()))


TOKEN_STATUSES = (ACTIVE, EXPIRED, REVOKED, REFUSED_BY_POLICY)


class PersonalAccessTokenOutput(serializers.Serializer):
    id = serializers.CharField()
    name = serializers.CharField()
    createdAt = DateTimeField(source="created_at")
    # allow_null: null until first used / when it never expires (and so says the schema).
    lastUsedAt = DateTimeField(source="last_used_at", allow_null=True)
    expiresAt = DateTimeField(source="expires_at", allow_null=True)
    readOnly = serializers.BooleanField(source="read_only")
    environmentIds = serializers.SerializerMethodField()
    scope = serializers.CharField(
        source="scope_label",
        help_text='What the token may do and where: "Read-only · Development", "Read and '
        'write · All environments".',
    )
    status = ChoiceField(
        TOKEN_STATUSES,
        read_only=True,
        help_text="revoked (by an administrator, or reported as leaked), expired (its own "
        "lifetime), refused_by_policy (older than the account's maximum lifetime), else active.",
    )
    exceedsPolicy = serializers.BooleanField(
        source="exceeds_policy",
        help_text="Made to live longer than the account's maximum lifetime allows: it stops "
        "working when it is as old as the maximum.",
    )
    revokedAt = DateTimeField(source="revoked_at", allow_null=True)

    @extend_schema_field(
        serializers.ListField(
            child=serializers.CharField(),
            allow_null=True,
            help_text="The environments the token is narrowed to; null: every environment.",
        )
    )
    def get_environmentIds(self, token) -> list[str] | None:
        if token.all_environments:
            return None
        # Read from the prefetched environments (the list's selector), not a query per token.
        return sorted(environment.id for environment in token.environments.all())


class PersonalAccessTokenCreateOutput(serializers.Serializer):
    token = serializers.CharField()  # the only time the value is ever returned
    personalAccessToken = PersonalAccessTokenOutput()


class ApiKeyOutput(serializers.Serializer):
    """A key; its value only where the caller may read it (context["principal"])."""

    id = serializers.CharField()
    rawKey = serializers.SerializerMethodField()
    type = serializers.CharField()
    environmentId = serializers.CharField(source="environment_id")
    accountId = serializers.CharField(source="environment.account_id")
    operations = serializers.JSONField()
    createdAt = DateTimeField(source="created_at")
    updatedAt = DateTimeField(source="updated_at")
    # allow_null: null until first used / unless rolled with a grace period (the schema).
    lastUsedAt = DateTimeField(source="last_used_at", allow_null=True)
    expiresAt = DateTimeField(source="expires_at", allow_null=True)

    def get_rawKey(self, key: ApiKey) -> str | None:
        shown = key.type == ApiKey.Type.PUBLISHABLE or access.may_read_secret_key(
            self.context["principal"]
        )
        return key.raw_key if shown else None


class SecretOutput(serializers.Serializer):
    id = serializers.CharField()
    name = serializers.CharField()
    value = serializers.CharField()
    environmentId = serializers.CharField(source="environment_id")
    spaceId = serializers.CharField(source="space_id", allow_null=True)  # null: environment-wide
