"""Guests and their invitations, as the SDK's `guests` resource: list, create (one or many),
get, update, delete (or, with `?spaceId=`, remove one space connection), a guest access
token, and invitations by magic link.

Administrators and secret keys (within their own environment) manage guests. A guest, by
their own access token, may only invite: POST /v1/invitations, to a space of theirs (a
token made for one space: that space only) whose "guests can invite" is on. Every guest,
space and workbook is fetched through the caller's reach (accounts.access.Reach, a guest's
narrowed to their grants by guests.access.GuestPrincipal): an id outside that reach answers
404, exactly as an unknown one."""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from drf_spectacular.utils import OpenApiResponse, PolymorphicProxySerializer, extend_schema
from rest_framework import exceptions, status
from rest_framework.views import APIView

from accounts import access as accounts_access
from accounts.models import normalize_email
from guests import access, selectors, services
from guests.models import Guest
from guests.serializers import (
    GUESTS_PER_REQUEST_MAX,
    INVITATIONS_PER_REQUEST_MAX,
    GuestCreateInput,
    GuestListQuery,
    GuestOutput,
    GuestSpaceQuery,
    GuestTokenOutput,
    GuestUpdateInput,
    InvitationInput,
)
from portal.access import get_or_404
from portal.api import data_response, deleted_response, validated
from portal.pagination import Pagination
from portal.ratelimit import hit
from portal.schema import (
    DELETED,
    PAGE_PARAMETERS,
    SuccessSerializer,
    data_envelope,
    errors,
    page_envelope,
)
from tokens.principal import Principal

INVITERS = (Principal.USER, Principal.SECRET_KEY, Principal.GUEST)


def validated_items(serializer_class, data, max_items: int) -> list[dict]:
    """One object or a list of them (the contract's liberal input: the seed's scripts send
    one, the SDK a list), each checked by `serializer_class`; bad input is a 400."""
    if not isinstance(data, list):
        return [validated(serializer_class, data)]  # its errors name its fields alone
    # A list's errors name the item too ("Item 2: …", portal.api.error_list).
    serializer = serializer_class(data=data, many=True, allow_empty=False, max_length=max_items)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def one_or_many(serializer_class, component_name: str) -> PolymorphicProxySerializer:
    return PolymorphicProxySerializer(
        component_name=component_name,
        serializers=[serializer_class, serializer_class(many=True)],
        resource_type_field_name=None,
        many=False,  # the list is the second shape, not a list of either
    )


def _guests(principal: Principal):
    return access.guests_within(principal).order_by("created_at", "id")


def _answer(guests: list[Guest]) -> list[dict]:
    """The guests (as the service returned them, or the fetch found them) as GuestOutput,
    in the order given, with their grants (two queries for any number)."""
    return GuestOutput(selectors.grants_loaded(guests), many=True).data


def _space(principal: Principal, space_id: str):
    """A space within the caller's whole reach, in one query: its account, a key's
    environment, a token's one space, and a guest's grants, with the environment and
    account the services read."""
    spaces = principal.spaces().select_related("environment__account")
    return get_or_404(spaces, space_id)


class GuestList(APIView):
    @extend_schema(
        operation_id="listGuests",
        summary="List guests",
        description="Oldest first. `spaceId`: the guests with a connection to that space; "
        "`environmentId`: that environment's guests; `email`: that address. Without them, "
        "every guest within the caller's reach (an administrator: the whole account; a "
        "secret key: its own environment).",
        parameters=[GuestListQuery, *PAGE_PARAMETERS],
        responses={200: page_envelope(GuestOutput), **errors(400, 404)},
    )
    def get(self, request):
        query = validated(GuestListQuery, request.query_params)
        principal: Principal = request.user
        guests = _guests(principal)
        if query.get("environmentId"):
            environment = accounts_access.environment_within(principal, query["environmentId"])
            guests = guests.filter(environment=environment)
        if query.get("spaceId"):
            guests = access.guests_granted(guests, _space(principal, query["spaceId"]))
        if query.get("email"):
            guests = guests.filter(email=normalize_email(query["email"]))
        paginator = Pagination()
        # A deep page sorts ids, not whole rows, then reads its own rows and their grants.
        rows = paginator.paginate_queryset(
            guests,
            request,
            view=self,
            page_rows=lambda page: selectors.with_grants(guests.filter(pk__in=page.values("pk"))),
        )
        return paginator.get_paginated_response(GuestOutput(rows, many=True).data)

    @extend_schema(
        operation_id="createGuest",
        summary="Create guests (one, or a list)",
        description="Each guest is made, or the environment's guest with that email reused, "
        "and granted its `spaces`: a space without `workbooks` whole, otherwise only those "
        "workbooks. Each space must be in the guest's environment and each workbook in its "
        "space (400); an id outside the caller's reach is a 404. All or nothing: one bad "
        "guest and none is made. No invitation is mailed (POST /v1/invitations does that).",
        request=one_or_many(GuestCreateInput, "GuestConfigs"),
        responses={201: data_envelope(GuestOutput, many=True), **errors(400, 404, 413)},
    )
    def post(self, request):
        items = validated_items(GuestCreateInput, request.data, GUESTS_PER_REQUEST_MAX)
        principal: Principal = request.user
        guests = [
            {
                "environment": accounts_access.environment_within(principal, item["environmentId"]),
                "email": item["email"],
                "name": item["name"],
                "spaces": access.space_choices_within(principal, item["spaces"]),
            }
            for item in items
        ]
        created = services.guests_create(actor=principal, guests=guests)
        return data_response(_answer(created), status.HTTP_201_CREATED)


class GuestDetail(APIView):
    @extend_schema(
        operation_id="getGuest",
        summary="Get a guest",
        responses={200: data_envelope(GuestOutput), **errors(404)},
    )
    def get(self, request, guest_id: str):
        guest = access.guest_within(request.user, guest_id)
        return data_response(_answer([guest])[0])

    @extend_schema(
        operation_id="updateGuest",
        summary="Update a guest",
        description="What is sent changes: `name`, `email` (unique in the environment; the "
        "magic links mailed to the old one stop working), `spaces` (replaces the grants: a "
        "space left out loses its connection at once). `environmentId`, if sent, must be the "
        "guest's own: a guest never moves environment.",
        request=GuestUpdateInput,
        responses={200: data_envelope(GuestOutput), **errors(400, 404, 413)},
    )
    def patch(self, request, guest_id: str):
        data = validated(GuestUpdateInput, request.data)
        principal: Principal = request.user
        guest = access.guest_within(principal, guest_id)
        if data.get("environmentId", guest.environment_id) != guest.environment_id:
            raise exceptions.ValidationError(
                {"environmentId": "A guest never moves to another environment."}
            )
        spaces = None
        if "spaces" in data:
            spaces = access.space_choices_within(principal, data["spaces"])
        guest = services.guest_update(
            guest=guest,
            actor=principal,
            name=data.get("name"),
            email=data.get("email"),
            spaces=spaces,
        )
        return data_response(_answer([guest])[0])

    @extend_schema(
        operation_id="deleteGuest",
        summary="Delete a guest, or remove them from one space",
        description="Without `spaceId`: the guest and every space connection, at once (their "
        "links and access tokens stop working on the next request). With `spaceId`: only "
        "that space's connection (400 if they have none there).",
        parameters=[GuestSpaceQuery],
        responses={200: DELETED, **errors(400, 404)},
    )
    def delete(self, request, guest_id: str):
        query = validated(GuestSpaceQuery, request.query_params)
        principal: Principal = request.user
        guest = access.guest_within(principal, guest_id)
        if query.get("spaceId"):
            space = _space(principal, query["spaceId"])
            services.guest_remove_from_space(guest=guest, space=space, actor=principal)
        else:
            services.guest_delete(guest=guest, actor=principal)
        return deleted_response()


class GuestToken(APIView):
    # It makes a credential that may invite guests: not for a read-only token.
    minting_methods = ("GET", "HEAD")

    @extend_schema(
        operation_id="getGuestToken",
        summary="Get a guest access token (valid 1 hour)",
        description="A JWT for the API that reaches the guest's granted spaces and workbooks "
        "(read only), or with `spaceId` that space only (400 if the guest has no access "
        "there). Refused once the guest is deleted or removed from the space.",
        parameters=[GuestSpaceQuery],
        responses={200: data_envelope(GuestTokenOutput), **errors(400, 404)},
    )
    def get(self, request, guest_id: str):
        query = validated(GuestSpaceQuery, request.query_params)
        principal: Principal = request.user
        guest = access.guest_within(principal, guest_id)
        space = _space(principal, query["spaceId"]) if query.get("spaceId") else None
        token, _expires_at = services.guest_access_token_create(
            guest=guest, space=space, actor=principal
        )
        return data_response(GuestTokenOutput({"token": token, "valid": True}).data)


class InvitationList(APIView):
    allowed_principals = INVITERS

    @extend_schema(
        operation_id="inviteGuests",
        summary="Invite guests (mails each a magic link, valid 72 hours)",
        description="For each `{guestId, spaceId}`: the guest must have access to the space "
        "(400), and the environment must let guests in by magic link (400). A guest's own "
        "access token may invite to a space of theirs whose `guestsCanInvite` is on (403 "
        "otherwise); a token made for one space, to that space only (404 for any other). "
        "All or nothing: no mail leaves unless every invitation is good.",
        request=one_or_many(InvitationInput, "Invites"),
        responses={
            200: OpenApiResponse(data_envelope(SuccessSerializer), description="Sent."),
            **errors(400, 404, 413, 429),
        },
    )
    def post(self, request):
        items = validated_items(InvitationInput, request.data, INVITATIONS_PER_REQUEST_MAX)
        principal: Principal = request.user
        # Each invitation mails someone: counted per caller in the shared cache.
        for _ in items:
            wait = hit("invitations", principal.id)
            if wait:
                raise exceptions.Throttled(wait=wait)
        invitations = [
            {
                "space": _space(principal, item["spaceId"]),
                "guest": access.guest_within(principal, item["guestId"]),
                "from_name": item.get("fromName"),
                "message": item.get("message"),
            }
            for item in items
        ]
        try:
            services.guests_invite(actor=principal, invitations=invitations)
        except DjangoPermissionDenied as refused:
            raise exceptions.PermissionDenied(str(refused)) from refused
        return data_response({"success": True})
