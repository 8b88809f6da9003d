"""Environments: list, create, get, update, delete (the SDK's environments.*).

The caller is a principal with `.account` and, for an environment key, `.environment`;
accounts.access narrows every query to that reach, so an environment outside it is a 404
like an unknown one."""

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import access, services
from accounts.api.callers import ADMINISTRATORS, ENVIRONMENT_CALLERS, AllowedByMethod
from accounts.serializers import EnvironmentCreateInput, EnvironmentOutput, EnvironmentUpdateInput
from portal.api import data_response, deleted_response, validated
from portal.pagination import Pagination
from portal.schema import DELETED, PAGE_PARAMETERS, data_envelope, errors, page_envelope


class EnvironmentList(AllowedByMethod, APIView):
    # An environment is the account's to make; a key lives inside one.
    allowed_by_method = {"GET": ENVIRONMENT_CALLERS, "POST": ADMINISTRATORS}
    account_wide_methods = ("POST",)  # not by a token narrowed to some environments

    @extend_schema(
        operation_id="listEnvironments",
        summary="List environments",
        description="Every environment of the account; a secret key sees its own only.",
        parameters=PAGE_PARAMETERS,
        responses={200: page_envelope(EnvironmentOutput), **errors(400)},
    )
    def get(self, request):
        environments = request.user.environments()
        paginator = Pagination()
        rows = paginator.paginate_queryset(environments, request, view=self)
        return paginator.get_paginated_response(EnvironmentOutput(rows, many=True).data)

    @extend_schema(
        operation_id="createEnvironment",
        summary="Create an environment",
        description="Born with its secret and publishable keys. Administrators only.",
        request=EnvironmentCreateInput,
        responses={201: data_envelope(EnvironmentOutput), **errors(400, 413)},
    )
    def post(self, request):
        data = validated(EnvironmentCreateInput, request.data)
        environment = services.environment_create(
            account=request.user.account,
            actor=request.user,
            name=data["name"],
            is_prod=data["isProd"],
            guest_authentication=data.get("guestAuthentication"),
            metadata=data.get("metadata"),
        )
        return data_response(EnvironmentOutput(environment).data, status.HTTP_201_CREATED)


class EnvironmentDetail(AllowedByMethod, APIView):
    # A secret key may change its own environment (it acts within it) but not delete it:
    # that would end the key itself and everything the account keeps there.
    allowed_by_method = {
        "GET": ENVIRONMENT_CALLERS,
        "PATCH": ENVIRONMENT_CALLERS,
        "DELETE": ADMINISTRATORS,
    }
    account_wide_methods = ("DELETE",)  # not by a token narrowed to some environments

    @extend_schema(
        operation_id="getEnvironment",
        summary="Get an environment",
        responses={200: data_envelope(EnvironmentOutput), **errors(404)},
    )
    def get(self, request, environment_id: str):
        environment = access.environment_within(request.user, environment_id)
        return data_response(EnvironmentOutput(environment).data)

    @extend_schema(
        operation_id="updateEnvironment",
        summary="Update an environment",
        description="What is sent changes. Answers the environment itself, with no `data` "
        "wrapper: the SDK's environments.update returns an Environment, not an "
        "EnvironmentResponse.",
        request=EnvironmentUpdateInput,
        responses={200: EnvironmentOutput, **errors(400, 404, 413)},
    )
    def patch(self, request, environment_id: str):
        data = validated(EnvironmentUpdateInput, request.data)
        environment = access.environment_within(request.user, environment_id)
        environment = services.environment_update(
            environment=environment,
            actor=request.user,
            name=data.get("name"),
            is_prod=data.get("isProd"),
            guest_authentication=data.get("guestAuthentication"),
            metadata=data.get("metadata"),
        )
        return Response(EnvironmentOutput(environment).data)

    @extend_schema(
        operation_id="deleteEnvironment",
        summary="Delete an environment",
        description="With its keys and secrets. Refused with 400 (the SDK's BadRequestError "
        "for this call) while the environment still has spaces; the error says how many. "
        "Administrators only.",
        responses={
            200: DELETED,
            **errors(404),
            400: OpenApiResponse(
                errors(400)[400].response, description="The environment still has spaces."
            ),
        },
    )
    def delete(self, request, environment_id: str):
        environment = access.environment_within(request.user, environment_id)
        services.environment_delete(environment=environment, actor=request.user)
        return deleted_response()
