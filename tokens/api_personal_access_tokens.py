"""Personal access tokens over the API (the SDK's auth.*PersonalAccessToken*): a caller's
own tokens, listed with their scope and status, made (the value answered once, narrowed by
`readOnly` and `environmentIds` when asked) and deleted. Never by a token narrowed to some
environments: it could make one that reaches further than itself."""

from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.views import APIView

from accounts.access import Reach
from accounts.api.callers import ADMINISTRATORS
from accounts.models import Environment
from portal.api import data_response, deleted_response, validated
from portal.pagination import Pagination
from portal.schema import DELETED, PAGE_PARAMETERS, data_envelope, errors, page_envelope
from tokens import access, selectors, serializers, services

# A token narrowed to some environments may not manage tokens: it would mint a wider one.
NOT_FOR_NARROWED_TOKENS = "A token narrowed to some environments is refused (403 naming its scope)."


def _environments_named(reach: Reach, environment_ids: list[str]) -> list[Environment]:
    """The environments a new token is narrowed to, fetched through the caller's reach in
    one query; one unknown or out of reach is a 404, as an unknown id."""
    wanted = set(environment_ids)
    environments = list(reach.environments().filter(pk__in=wanted))
    if len(environments) != len(wanted):
        raise Http404
    return environments


class PersonalAccessTokenList(APIView):
    allowed_principals = ADMINISTRATORS
    account_wide_methods = ("GET", "POST")

    @extend_schema(
        operation_id="listPersonalAccessTokens",
        summary="List your personal access tokens",
        description="The caller's own tokens, never their values, newest first, each with "
        "its scope and status. Administrators only (a personal access token or an "
        f"administrator's access token). {NOT_FOR_NARROWED_TOKENS}",
        parameters=PAGE_PARAMETERS,
        responses={200: page_envelope(serializers.PersonalAccessTokenOutput), **errors(400)},
    )
    def get(self, request):
        tokens = selectors.personal_access_tokens_of(user=request.user.user)
        paginator = Pagination()
        rows = paginator.paginate_queryset(tokens, request, view=self)
        return paginator.get_paginated_response(
            serializers.PersonalAccessTokenOutput(rows, many=True).data
        )

    @extend_schema(
        operation_id="createPersonalAccessToken",
        summary="Create a personal access token",
        description="The answer holds the token's value (`pat_…`), the only time it is ever "
        'returned. `{"name"}` alone makes a token that reads and writes in every '
        "environment; `readOnly` and `environmentIds` narrow it. Administrators only. "
        f"{NOT_FOR_NARROWED_TOKENS}",
        request=serializers.PersonalAccessTokenCreateInput,
        responses={
            201: data_envelope(serializers.PersonalAccessTokenCreateOutput),
            **errors(400, 404, 413),
        },
    )
    def post(self, request):
        data = validated(serializers.PersonalAccessTokenCreateInput, request.data)
        environment_ids = data.get("environmentIds")
        environments = (
            None if environment_ids is None else _environments_named(request.user, environment_ids)
        )
        # Absent (the SDK sends only a name): the account's maximum, where it has one. An
        # explicit null asks for never, which the service refuses under a maximum.
        if "expiresInDays" in data:
            days = data["expiresInDays"]
        else:
            days = request.user.account.token_max_lifetime_days
        token, raw = services.personal_access_token_create(
            user=request.user.user,
            name=data["name"],
            expires_in_days=days,
            read_only=data["readOnly"],
            environments=environments,
        )
        # The only time the value is ever returned.
        created = {"token": raw, "personalAccessToken": token}
        return data_response(
            serializers.PersonalAccessTokenCreateOutput(created).data, status.HTTP_201_CREATED
        )


class PersonalAccessTokenDetail(APIView):
    allowed_principals = ADMINISTRATORS
    account_wide_methods = ("DELETE",)

    @extend_schema(
        operation_id="deletePersonalAccessToken",
        summary="Delete a personal access token",
        description="Revoked at once. Another user's token id answers 404. Administrators only. "
        f"{NOT_FOR_NARROWED_TOKENS}",
        responses={200: DELETED, **errors(404)},
    )
    def delete(self, request, token_id: str):
        token = access.personal_access_token_within(request.user.user, token_id)
        services.personal_access_token_delete(token=token, actor=request.user)
        return deleted_response()
