"""Spaces: list (across every environment the caller may see, or one), create, get,
update, delete (the SDK's spaces.*).

Every space is reached through the caller's reach (accounts.access.Reach): its account, its
key's environment, a space access token's one space, and a guest's grants. A publishable key
may create a space (its key's operations list `POST /v1/spaces`) and receives it with an
`accessToken` valid 24 hours and limited to that space (Principal.space_access_token_for)."""

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.views import APIView

from accounts import access, selectors, services
from accounts.access import Reach
from accounts.api.callers import (
    ENVIRONMENT_CALLERS,
    SPACE_CALLERS,
    AllowedByMethod,
    guest_links_shown,
)
from accounts.serializers import SpaceCreateInput, SpaceListQuery, SpaceOutput, SpaceUpdateInput
from portal.access import get_or_404
from portal.api import data_response, deleted_response, validated
from portal.pagination import Pagination
from portal.schema import DELETED, PAGE_PARAMETERS, data_envelope, errors, page_envelope


def _shown(reach: Reach, spaces: list) -> dict:
    """SpaceOutput's context for `spaces` (each with its environment): the guest link of
    each that the caller may be shown."""
    return {"guest_links": guest_links_shown(reach, spaces)}


class SpaceList(AllowedByMethod, APIView):
    # POST: administrators, secret keys, and publishable keys through their operations.
    allowed_by_method = {"GET": (*ENVIRONMENT_CALLERS, Reach.GUEST), "POST": ENVIRONMENT_CALLERS}

    @extend_schema(
        operation_id="listSpaces",
        summary="List spaces",
        description="Newest first. Without `environmentId`, the spaces of every environment "
        "the caller may see (an administrator: the whole account; a secret key: its own "
        "environment).",
        parameters=[SpaceListQuery, *PAGE_PARAMETERS],
        responses={200: page_envelope(SpaceOutput), **errors(400, 404)},
    )
    def get(self, request):
        query = validated(SpaceListQuery, request.query_params)
        reach: Reach = request.user
        spaces = reach.spaces().order_by("-created_at", "id")
        if query.get("environmentId"):
            environment = access.environment_within(reach, query["environmentId"])
            spaces = spaces.filter(environment=environment)
        paginator = Pagination()
        rows = paginator.paginate_queryset(
            spaces,
            request,
            view=self,
            page_rows=lambda page: selectors.page_counted(reach=reach, spaces=spaces, page=page),
        )
        return paginator.get_paginated_response(
            SpaceOutput(rows, many=True, context=_shown(reach, rows)).data
        )

    @extend_schema(
        operation_id="createSpace",
        summary="Create a space",
        description="In `environmentId`, which must be within the caller's reach. Created "
        "with a publishable key, the answer carries `accessToken`: valid 24 hours, for this "
        "space and its workbooks only (and while the key is accepted). Otherwise "
        "`accessToken` is null.",
        request=SpaceCreateInput,
        responses={201: data_envelope(SpaceOutput), **errors(400, 404, 413)},
    )
    def post(self, request):
        data = validated(SpaceCreateInput, request.data)
        principal: Reach = request.user
        environment = access.environment_within(principal, data["environmentId"])
        space, token = services.space_create_for(
            reach=principal,
            actor=principal,
            environment=environment,
            name=data["name"],
            metadata=data.get("metadata"),
            guests_can_invite=data.get("settings", {}).get("guests_can_invite", True),
        )
        output = SpaceOutput(space, context={"access_token": token})
        return data_response(output.data, status.HTTP_201_CREATED)


class SpaceDetail(AllowedByMethod, APIView):
    # A space token reads and updates its own space; deleting it is for the environment's
    # callers.
    allowed_by_method = {
        "GET": (*SPACE_CALLERS, Reach.GUEST),
        "PATCH": SPACE_CALLERS,
        "DELETE": ENVIRONMENT_CALLERS,
    }

    @extend_schema(
        operation_id="getSpace",
        summary="Get a space",
        responses={200: data_envelope(SpaceOutput), **errors(404)},
    )
    def get(self, request, space_id: str):
        # Fetched as the list fetches it: a guest's reach and count in the same query.
        space = get_or_404(
            selectors.spaces_counted(reach=request.user, spaces=request.user.spaces()), space_id
        )
        return data_response(SpaceOutput(space, context=_shown(request.user, [space])).data)

    @extend_schema(
        operation_id="updateSpace",
        summary="Update a space",
        description="What is sent changes; a space never moves to another environment.",
        request=SpaceUpdateInput,
        responses={200: data_envelope(SpaceOutput), **errors(400, 404, 413)},
    )
    def patch(self, request, space_id: str):
        data = validated(SpaceUpdateInput, request.data)
        principal: Reach = request.user
        space = access.space_within(principal, space_id)
        space = services.space_update(
            space=space,
            actor=request.user,
            name=data.get("name"),
            metadata=data.get("metadata"),
            guests_can_invite=data.get("settings", {}).get("guests_can_invite"),
        )
        return data_response(SpaceOutput(space, context=_shown(principal, [space])).data)

    @extend_schema(
        operation_id="deleteSpace",
        summary="Delete a space",
        description="With its workbooks and secrets.",
        responses={200: DELETED, **errors(404)},
    )
    def delete(self, request, space_id: str):
        principal: Reach = request.user
        space = access.space_within(principal, space_id)
        services.space_delete(space=space, actor=request.user)
        return deleted_response()
