"""Workbooks: list (all within reach, or one space's), create, get, update, delete (the
SDK's workbooks.*; sheets and records are out of scope, so `sheets` is always empty).

Every workbook is reached through the caller's reach (accounts.access.Reach): a space
access token's is its one space's, a guest's their grants."""

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.views import APIView

from accounts import access, services
from accounts.access import Reach
from accounts.api.callers import ENVIRONMENT_CALLERS, SPACE_CALLERS, AllowedByMethod
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
    allowed_by_method = {"GET": (*SPACE_CALLERS, Reach.GUEST), "POST": SPACE_CALLERS}

    @extend_schema(
        operation_id="listWorkbooks",
        summary="List workbooks",
        description="Oldest first. Without `spaceId`, every workbook the caller may see.",
        parameters=[WorkbookListQuery, *PAGE_PARAMETERS],
        responses={200: page_envelope(WorkbookOutput), **errors(400, 404)},
    )
    def get(self, request):
        query = validated(WorkbookListQuery, request.query_params)
        principal: Reach = request.user
        workbooks = principal.workbooks().select_related("space")
        if query.get("spaceId"):
            space = access.space_within(principal, query["spaceId"])
            workbooks = workbooks.filter(space=space)
        paginator = Pagination()
        # A deep page sorts ids, not whole rows with their spaces, and then reads its own.
        rows = paginator.paginate_queryset(
            workbooks,
            request,
            view=self,
            page_rows=lambda page: workbooks.filter(pk__in=page.values("pk")),
        )
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
        principal: Reach = request.user
        space = access.space_within(principal, data["spaceId"])
        workbook = services.workbook_create(
            space=space, actor=request.user, name=data["name"], labels=data.get("labels")
        )
        return data_response(WorkbookOutput(workbook).data, status.HTTP_201_CREATED)


class WorkbookDetail(AllowedByMethod, APIView):
    # A space token reads and updates its space's workbooks, but does not delete them.
    allowed_by_method = {
        "GET": (*SPACE_CALLERS, Reach.GUEST),
        "PATCH": SPACE_CALLERS,
        "DELETE": ENVIRONMENT_CALLERS,
    }

    @extend_schema(
        operation_id="getWorkbook",
        summary="Get a workbook",
        responses={200: data_envelope(WorkbookOutput), **errors(404)},
    )
    def get(self, request, workbook_id: str):
        principal: Reach = request.user
        workbook = access.workbook_within(principal, workbook_id)
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
        principal: Reach = request.user
        workbook = access.workbook_within(principal, workbook_id)
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
        principal: Reach = request.user
        workbook = access.workbook_within(principal, workbook_id)
        services.workbook_delete(workbook=workbook, actor=request.user)
        return deleted_response()
