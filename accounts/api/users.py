"""The account's administrators, as the SDK's `users` resource: list, get, update, delete,
invite and resend an invitation, on the same services as the Team page.

Only administrators (a personal access token or an administrator's access token) may use
these endpoints, reads included. Writes because administrators are the ones who "can add
other administrators"; reads because a secret key acts within one environment, while
administrators are people of the whole account, with email addresses: a script holding an
environment's key has no need of that list, and a leaked key should not hand it out.

An invited person has no user until they accept: `POST /v1/users/invite` answers with the
pending invitation in the SDK's user shape, its id the invitation's (`us_inv_…`), and
`POST /v1/users/{id}/resend-invite` takes that id, so the SDK's
`resendInvite((await createAndInvite(…)).data.id)` works as it does against Flatfile."""

from django.core.exceptions import ValidationError
from django.db.models import F, Q
from django.http import Http404
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import exceptions, serializers, status
from rest_framework.views import APIView

from accounts import access, services
from accounts.api import roles
from accounts.api.callers import ADMINISTRATORS
from accounts.models import NAME_MAX_LENGTH, normalize_email
from portal.api import (
    ChoiceField,
    Conflict,
    DateTimeField,
    EmailField,
    IdField,
    QuerySerializer,
    TextField,
    data_response,
    deleted_response,
    validated,
)
from portal.pagination import Pagination
from portal.schema import (
    DELETED,
    PAGE_PARAMETERS,
    SuccessSerializer,
    data_envelope,
    errors,
    page_envelope,
)

# Who vouches for a user's identity (Flatfile answers "FRONTEGG"): the portal itself, by
# email and password.
IDENTITY_PROVIDER = "PORTAL"
# The SDK's ListUsersSortField → the column it sorts by. The SDK's idp, idp_ref and dashboard
# are the same for every user here, so they keep the default order.
SORT_FIELDS = {
    "email": "email",
    "name": "name",
    "id": "id",
    "created_at": "created_at",
    "updated_at": "updated_at",
    "last_seen_at": "last_login",
    "idp": None,
    "idp_ref": None,
    "dashboard": None,
}


def _refused(error: ValidationError) -> Conflict:
    return Conflict(" ".join(error.messages))


# Input -------------------------------------------------------------------------------------


class UserListQuery(QuerySerializer):
    email = TextField(required=False, max_length=254, help_text="Exactly this address.")
    search = TextField(
        required=False, max_length=NAME_MAX_LENGTH, help_text="Part of the name or email."
    )
    sortField = ChoiceField(list(SORT_FIELDS), required=False)
    sortDirection = ChoiceField(["asc", "desc"], required=False)


class UserUpdateInput(serializers.Serializer):
    # Empty is allowed: the portal then shows the email (as on the profile page). The SDK's
    # `dashboard` means nothing here and, like any unknown field, is ignored.
    name = TextField(required=False, allow_blank=True, max_length=NAME_MAX_LENGTH)


class ActorRoleInput(serializers.Serializer):
    """The SDK's AssignActorRoleRequest. Users invited here become administrators, of the
    whole account: no other role, no narrower resource."""

    roleId = ChoiceField(
        [roles.ADMINISTRATOR.id],
        message=f"Users are invited as administrators: use {roles.ADMINISTRATOR.id} "
        "(guests are invited through /v1/guests).",
    )
    resourceId = IdField(help_text="The account's id: an administrator has the whole account.")


class UserInviteInput(serializers.Serializer):
    """The SDK's UserCreateAndInviteRequest. `name` is checked but not kept: the invited
    person gives their own name when they accept."""

    email = EmailField()
    name = TextField(required=False, allow_blank=True, max_length=NAME_MAX_LENGTH)
    actorRoles = serializers.ListField(child=ActorRoleInput(), required=False)


def _check_roles_cover_the_account(actor_roles: list[dict], account) -> None:
    for role in actor_roles:
        if role["resourceId"] != account.id:
            raise exceptions.ValidationError(
                {
                    "actorRoles": "An administrator has the whole account: give the "
                    "account's id as resourceId."
                }
            )


# Output ------------------------------------------------------------------------------------


class UserOutput(serializers.Serializer):
    """The SDK's User: an administrator, with their membership (administrators_within)."""

    id = serializers.CharField()
    email = serializers.CharField()
    name = serializers.CharField()
    accountId = serializers.CharField(source="membership.account_id")
    idp = serializers.SerializerMethodField()
    metadata = serializers.SerializerMethodField()
    createdAt = DateTimeField(source="created_at")
    updatedAt = DateTimeField(source="updated_at")
    # When they last signed in to the portal's pages; null if never.
    lastSeenAt = DateTimeField(source="last_login", allow_null=True)

    def get_idp(self, user) -> str:
        return IDENTITY_PROVIDER

    def get_metadata(self, user) -> dict:
        return {}  # the portal keeps none for users


class ActorRoleOutput(serializers.Serializer):
    """The SDK's ActorRoleResponse (for the schema: the portal keeps no actor-role rows)."""

    id = serializers.CharField()
    roleId = serializers.CharField()
    actorId = serializers.CharField()
    resourceId = serializers.CharField()
    createdAt = DateTimeField()
    updatedAt = DateTimeField()


class InvitedUserOutput(serializers.Serializer):
    """The SDK's UserWithRoles, of a pending invitation: its id is the invitation's
    (`us_inv_…`, what resend-invite takes); no name yet (the invitee gives it on accepting);
    no roles held yet (administrator, of the whole account, once accepted)."""

    id = serializers.CharField()
    email = serializers.CharField()
    name = serializers.SerializerMethodField()
    accountId = serializers.CharField(source="account_id")
    idp = serializers.SerializerMethodField()
    metadata = serializers.SerializerMethodField()
    createdAt = DateTimeField(source="created_at")
    updatedAt = DateTimeField(source="created_at")
    lastSeenAt = serializers.SerializerMethodField()
    actorRoles = serializers.SerializerMethodField()

    def get_name(self, invitation) -> str:
        return ""

    def get_idp(self, invitation) -> str:
        return IDENTITY_PROVIDER

    def get_metadata(self, invitation) -> dict:
        return {}

    @extend_schema_field(DateTimeField(allow_null=True))
    def get_lastSeenAt(self, invitation) -> None:
        return None

    @extend_schema_field(ActorRoleOutput(many=True))
    def get_actorRoles(self, invitation) -> list:
        return []


SENT = OpenApiResponse(
    data_envelope(SuccessSerializer), description="Sent: the earlier link no longer works."
)


# Views -------------------------------------------------------------------------------------


def _sorted(users, query: dict):
    column = SORT_FIELDS.get(query.get("sortField"))
    if column is None:
        return users  # administrators_within's order: longest-serving first
    # Never-seen users count as the oldest, on both databases (they order NULLs apart).
    if query.get("sortDirection") == "desc":
        return users.order_by(F(column).desc(nulls_last=True), "pk")
    return users.order_by(F(column).asc(nulls_first=True), "pk")


class UserList(APIView):
    allowed_principals = ADMINISTRATORS
    account_wide_methods = ("GET",)

    @extend_schema(
        operation_id="listUsers",
        summary="List the account's administrators",
        parameters=[UserListQuery, *PAGE_PARAMETERS],
        responses={200: page_envelope(UserOutput), **errors(400)},
    )
    def get(self, request):
        query = validated(UserListQuery, request.query_params)
        users = request.user.administrators()
        if query.get("email"):
            users = users.filter(email=normalize_email(query["email"]))
        if query.get("search"):
            users = users.filter(
                Q(email__icontains=query["search"]) | Q(name__icontains=query["search"])
            )
        paginator = Pagination()
        rows = paginator.paginate_queryset(_sorted(users, query), request, view=self)
        return paginator.get_paginated_response(UserOutput(rows, many=True).data)


class UserInvite(APIView):
    allowed_principals = ADMINISTRATORS
    account_wide_methods = ("POST",)

    @extend_schema(
        operation_id="createAndInviteUser",
        summary="Invite an administrator (mails a single-use 72-hour link)",
        description="The same invitation as the Team page's. The answer is the pending "
        "invitation: its `id` (`us_inv_…`) is what resend-invite takes.",
        request=UserInviteInput,
        responses={201: data_envelope(InvitedUserOutput), **errors(400, 413)},
    )
    def post(self, request):
        data = validated(UserInviteInput, request.data)
        account = request.user.account
        _check_roles_cover_the_account(data.get("actorRoles", []), account)
        # The link goes by mail only, as from the Team page: the caller never sees it.
        invitation, _link = services.administrator_invite(
            account=account, actor=request.user, email=data["email"]
        )
        return data_response(InvitedUserOutput(invitation).data, status.HTTP_201_CREATED)


class UserInvitationResend(APIView):
    allowed_principals = ADMINISTRATORS
    account_wide_methods = ("POST",)

    @extend_schema(
        operation_id="resendUserInvite",
        summary="Mail a pending invitation again, with a new link",
        description="`{userId}` is the pending invitation's id (`us_inv_…`), as "
        "createAndInvite answers: an invited person has no user until they accept. An "
        "administrator's own id (`us_usr_…`) is a 409: they accepted already.",
        request=None,
        responses={200: SENT, **errors(404, 409)},
    )
    def post(self, request, user_id: str):
        try:
            invitation = access.pending_invitation_within(request.user, user_id)
        except Http404:
            if request.user.administrators().filter(pk=user_id).exists():
                raise Conflict("This administrator accepted their invitation already.") from None
            raise
        try:
            services.administrator_invitation_resend(invitation=invitation, actor=request.user)
        except ValidationError as error:
            raise _refused(error) from error
        return data_response({"success": True})


class UserDetail(APIView):
    allowed_principals = ADMINISTRATORS
    account_wide_methods = ("GET", "PATCH", "DELETE")

    @extend_schema(
        operation_id="getUser",
        summary="Get an administrator",
        responses={200: data_envelope(UserOutput), **errors(404)},
    )
    def get(self, request, user_id: str):
        user = access.administrator_within(request.user, user_id)
        return data_response(UserOutput(user).data)

    @extend_schema(
        operation_id="updateUser",
        summary="Rename an administrator (any administrator may rename any other)",
        request=UserUpdateInput,
        responses={200: data_envelope(UserOutput), **errors(400, 404, 413)},
    )
    def patch(self, request, user_id: str):
        data = validated(UserUpdateInput, request.data)
        user = access.administrator_within(request.user, user_id)
        if "name" in data:
            services.user_update(user=user, actor=request.user, name=data["name"])
        return data_response(UserOutput(user).data)

    @extend_schema(
        operation_id="deleteUser",
        summary="Remove an administrator and their user, with every credential of theirs",
        description="Never the last administrator: that is a 409 saying so.",
        responses={200: DELETED, **errors(404, 409)},
    )
    def delete(self, request, user_id: str):
        account = request.user.account
        user = access.administrator_within(request.user, user_id)
        try:
            services.administrator_remove(account=account, actor=request.user, user=user)
        except ValidationError as error:
            raise _refused(error) from error
        return deleted_response()
