"""The credentials inventory over the API: `GET /v1/credentials` lists every personal access
token and legacy client credential of the caller's account, whoever owns it, and
`POST /v1/credentials/{id}/revoke` revokes one (tokens.inventory reads, tokens.services
revokes, as the Credentials page does). Administrators only, and never a token narrowed to
some environments: the inventory is the account's as a whole. A read-only token may list
(tokens.permissions refuses it the revoke). No value, digest or part of one is ever
answered but the last four characters the owner's own pages show."""

from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.views import APIView

from accounts.api.callers import ADMINISTRATORS
from portal.api import (
    ChoiceField,
    DateTimeField,
    IdField,
    QuerySerializer,
    data_response,
    validated,
)
from portal.pagination import Pagination
from portal.schema import PAGE_PARAMETERS, data_envelope, errors, page_envelope
from tokens import inventory, services
from tokens.models import PersonalAccessToken

# Input -------------------------------------------------------------------------------------


class CredentialInventoryQuery(QuerySerializer):
    ownerId = IdField(required=False, help_text="Only this administrator's (`us_usr_…`).")
    status = ChoiceField(
        inventory.STATUS_FILTERS,
        required=False,
        help_text="`active`, `expired`, `revoked`, or `exceedsPolicy`: working tokens made to "
        "live longer than the account's maximum lifetime allows.",
    )
    unusedForDays = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=inventory.UNUSED_DAYS_MAX,
        help_text="Only those never used, or last used more than this many days ago.",
    )


# Output ------------------------------------------------------------------------------------


class PersonOutput(serializers.Serializer):
    id = serializers.CharField()
    email = serializers.CharField()
    name = serializers.CharField()


class CredentialOutput(serializers.Serializer):
    id = serializers.CharField(help_text="`us_pat_…` or `us_cli_…` (the client id).")
    kind = serializers.SerializerMethodField()
    owner = PersonOutput(source="user")
    name = serializers.SerializerMethodField(help_text="Null for client credentials.")
    lastFour = serializers.CharField(source="last_four")
    scope = serializers.SerializerMethodField(
        help_text='What a token may do and where ("Read-only · Production"); null for '
        "client credentials, which act as their owner everywhere."
    )
    createdAt = DateTimeField(source="created_at")
    expiresAt = serializers.SerializerMethodField(
        help_text="Null when it never expires; client credentials never do."
    )
    lastUsedAt = DateTimeField(source="last_used_at", allow_null=True)
    lastUsedAddress = serializers.CharField(source="last_used_address", allow_null=True)
    lastUsedClient = serializers.CharField(source="last_used_client")
    status = serializers.SerializerMethodField(
        help_text="`revoked`; else `expired` (its own lifetime or the account's maximum "
        "ended it); else `active`."
    )
    exceedsPolicy = serializers.SerializerMethodField(
        help_text="Made to live longer than the account's maximum lifetime allows: it is "
        "refused once its age reaches the maximum."
    )
    revokedAt = DateTimeField(source="revoked_at", allow_null=True)
    revokedBy = PersonOutput(
        source="revoked_by",
        allow_null=True,
        help_text="Null while it works, and for one revoked as leaked.",
    )

    @staticmethod
    def _is_token(credential) -> bool:
        return isinstance(credential, PersonalAccessToken)

    @extend_schema_field(ChoiceField(list(inventory.KIND_PREFIXES.values())))
    def get_kind(self, credential) -> str:
        return inventory.kind_of(credential.id)

    def get_name(self, credential) -> str | None:
        # Client credentials have no name: their client id names them.
        return credential.name if self._is_token(credential) else None

    def get_scope(self, credential) -> str | None:
        return credential.scope_label() if self._is_token(credential) else None

    @extend_schema_field(DateTimeField(allow_null=True))
    def get_expiresAt(self, credential) -> str | None:
        moment = credential.expires_at if self._is_token(credential) else None
        return DateTimeField().to_representation(moment)

    @extend_schema_field(ChoiceField(inventory.STATUSES))
    def get_status(self, credential) -> str:
        return inventory.status_of(credential)

    def get_exceedsPolicy(self, credential) -> bool:
        return self._is_token(credential) and credential.exceeds_policy


# Views -------------------------------------------------------------------------------------


class InventoryView(APIView):
    allowed_principals = ADMINISTRATORS
    # A token narrowed to some environments neither lists nor revokes the account's.
    account_wide_methods = {"GET", "POST"}


class CredentialList(InventoryView):
    @extend_schema(
        operation_id="listCredentials",
        summary="List the account's credentials",
        description="Every personal access token and legacy client credential of the "
        "account, whoever owns it, newest first: owner, name, scope, when made, when it "
        "expires, when, where from and by which client it was last used, and its status. "
        "Never a value. Administrators only; a token limited to some environments is "
        "refused (403).",
        parameters=[CredentialInventoryQuery, *PAGE_PARAMETERS],
        responses={200: page_envelope(CredentialOutput), **errors(400)},
    )
    def get(self, request):
        query = validated(CredentialInventoryQuery, request.query_params)
        filters = inventory.Filters(
            owner_id=query.get("ownerId"),
            status=query.get("status"),
            unused_days=query.get("unusedForDays"),
        )
        paginator = Pagination()
        rows = paginator.paginate_queryset(
            inventory.credentials_within(request.user, filters), request, view=self
        )
        return paginator.get_paginated_response(CredentialOutput(rows, many=True).data)


class CredentialRevoke(InventoryView):
    @extend_schema(
        operation_id="revokeCredential",
        summary="Revoke a credential of the account",
        description="Any administrator's personal access token or client credentials, of "
        "this account: refused from the next request on (a client credential's access "
        "tokens too), kept in the list as revoked, audited with both people, and its owner "
        "mailed. Revoking one already revoked changes nothing. Another account's id answers "
        "404. Administrators only, with a token that may write to the whole account.",
        request=None,
        responses={200: data_envelope(CredentialOutput), **errors(404)},
    )
    def post(self, request, credential_id: str):
        credential = inventory.account_credential_within(request.user, credential_id)
        services.credential_revoke(credential=credential, actor=request.user.user)
        return data_response(CredentialOutput(credential).data)
