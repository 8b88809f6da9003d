"""GET /v1/roles: the roles that exist, in the SDK's RoleResponse shape.

The portal has two roles and no way to make more: an administrator (every administrator has
the whole account) and a guest (whatever spaces they are granted). They are constants, not
rows, so their ids are fixed and the same in every account; each is shown as the caller's
account's role, existing since the account does."""

from dataclasses import dataclass

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.views import APIView

from accounts.api.callers import ENVIRONMENT_CALLERS
from accounts.models import Membership
from portal.api import DateTimeField, data_response
from portal.schema import data_envelope, errors


@dataclass(frozen=True)
class Role:
    id: str
    name: str


# Stable ids: scripts may keep them (the SDK's createAndInvite names a role by id).
ADMINISTRATOR = Role(id="us_rol_administrator", name=Membership.Role.ADMINISTRATOR.value)
GUEST = Role(id="us_rol_guest", name="guest")
ROLES = (ADMINISTRATOR, GUEST)


class RoleOutput(serializers.Serializer):
    """The SDK's RoleResponse, of a role as the caller's account has it (roles_of)."""

    id = serializers.CharField()
    name = serializers.CharField()
    accountId = serializers.CharField(source="account_id")
    createdAt = DateTimeField(source="created_at")
    updatedAt = DateTimeField(source="created_at")  # a role never changes


def roles_of(account) -> list[dict]:
    return [
        {
            "id": role.id,
            "name": role.name,
            "account_id": account.id,
            "created_at": account.created_at,
        }
        for role in ROLES
    ]


class RoleList(APIView):
    """Administrators and secret keys may read the roles: they are the same everywhere and
    say nothing about anyone."""

    allowed_principals = ENVIRONMENT_CALLERS

    @extend_schema(
        operation_id="listRoles",
        summary="List the roles that exist (administrator, guest)",
        description="Not paged: there are two. Their ids are fixed.",
        responses={200: data_envelope(RoleOutput, many=True), **errors()},
    )
    def get(self, request):
        return data_response(RoleOutput(roles_of(request.user.account), many=True).data)
