"""Workbooks: list (all within reach, or one space's), create, get, update, delete (the
SDK's workbooks.*; sheets and records are out of scope, so `sheets` is always empty).

Every workbook is reached through accounts.access narrowed to the caller, a space access
token's to its one space."""

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.views import APIView

from accounts import access, services
from accounts.api.callers import (
    ENVIRONMENT_CALLERS,
    GUEST,
    SPACE_CALLERS,
    AllowedByMethod,
    space_reached,
    workbook_reached,
    workbooks_reached,
)
from accounts.serializers import (
    WorkbookCreateInput,
    WorkbookListQuery,
    WorkbookOutput,
    WorkbookUpdateInput,
)
from portal.api import data_response, deleted_response, validated
from portal.pagination import Pagination
from portal.schema import DELETED, PAGE_PARAMETERS, data_envelope, errors, page_envelope


class WorkbookList(AllowedByMethod, APIView):
    allowed_by_method = {"GET": (*SPACE_CALLERS, GUEST), "POST": SPACE_CALLERS}

    @extend_schema(
        operation_id="listWorkbooks",
        summary="List workbooks",
        description="Oldest first. Without `spaceId`, every workbook the caller may see.",
        parameters=[WorkbookListQuery, *PAGE_PARAMETERS],
        responses={200: page_envelope(WorkbookOutput), **errors(400, 404)},
    )
    def get(self, request):
        query = validated(WorkbookListQuery, request.query_params)
        principal = request.user
        within = access.workbooks_within(principal.account, principal.environment, principal.space)
        # A guest's are narrowed to their grants (callers.workbooks_reached).
        workbooks = workbooks_reached(principal, within).select_related("space")
        if query.get("spaceId"):
            space = access.space_within(
                principal.account, query["spaceId"], principal.environment, principal.space
            )
            space = space_reached(principal, space)
            workbooks = workbooks.filter(space=space)
        paginator = Pagination()
        rows = paginator.paginate_queryset(workbooks, request, view=self)
        return paginator.get_paginated_response(WorkbookOutput(rows, many=True).data)

    @extend_schema(
        operation_id="createWorkbook",
        summary="Create a workbook",
        description="In `spaceId`, which must be within the caller's reach.",
        request=WorkbookCreateInput,
        responses={201: data_envelope(WorkbookOutput), **errors(400, 404, 413)},
    )
    def post(self, request):
        data = validated(WorkbookCreateInput, request.data)
        principal = request.user
        space = access.space_within(
            principal.account, data["spaceId"], principal.environment, principal.space
        )
        workbook = services.workbook_create(
            space=space, actor=request.user, name=data["name"], labels=data.get("labels")
        )
        return data_response(WorkbookOutput(workbook).data, status.HTTP_201_CREATED)


class WorkbookDetail(AllowedByMethod, APIView):
    # A space token reads and updates its space's workbooks, but does not delete them.
    allowed_by_method = {
        "GET": (*SPACE_CALLERS, GUEST),
        "PATCH": SPACE_CALLERS,
        "DELETE": ENVIRONMENT_CALLERS,
    }

    @extend_schema(
        operation_id="getWorkbook",
        summary="Get a workbook",
        responses={200: data_envelope(WorkbookOutput), **errors(404)},
    )
    def get(self, request, workbook_id: str):
        principal = request.user
        workbook = access.workbook_within(
            principal.account, workbook_id, principal.environment, principal.space
        )
        workbook = workbook_reached(principal, workbook)
        return data_response(WorkbookOutput(workbook).data)

    @extend_schema(
        operation_id="updateWorkbook",
        summary="Update a workbook",
        description="What is sent changes; a workbook never moves to another space.",
        request=WorkbookUpdateInput,
        responses={200: data_envelope(WorkbookOutput), **errors(400, 404, 413)},
    )
    def patch(self, request, workbook_id: str):
        data = validated(WorkbookUpdateInput, request.data)
        principal = request.user
        workbook = access.workbook_within(
            principal.account, workbook_id, principal.environment, principal.space
        )
        workbook = services.workbook_update(
            workbook=workbook,
            actor=request.user,
            name=data.get("name"),
            labels=data.get("labels"),
        )
        return data_response(WorkbookOutput(workbook).data)

    @extend_schema(
        operation_id="deleteWorkbook",
        summary="Delete a workbook",
        responses={200: DELETED, **errors(404)},
    )
    def delete(self, request, workbook_id: str):
        principal = request.user
        workbook = access.workbook_within(
            principal.account, workbook_id, principal.environment, principal.space
        )
        services.workbook_delete(workbook=workbook, actor=request.user)
        return deleted_response()
