"""The API for credentials and secrets, in the contract's (and @flatfile/api's) shapes.
Views validate their input with its serializer (tokens.serializers), fetch through
accounts.access and tokens.access with the caller's reach (its principal, a Reach), call one
service each, and answer through an output serializer. Personal access tokens are
tokens.api_personal_access_tokens', the credentials inventory tokens.api_inventory's."""

from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import access as accounts_access
from accounts.api.callers import ADMINISTRATORS
from accounts.models import normalize_email
from portal.api import AttemptsThrottled, data_response, deleted_response, validated
from portal.ratelimit import TooManyAttempts, client_address, hit_each
from portal.schema import DELETED, data_envelope, errors
from portal.services import used_from
from tokens import access, revocation, selectors, serializers, services
from tokens.authentication import REALM
from tokens.models import ApiKey
from tokens.principal import Principal
from tokens.schema import (
    ACCESS_TOKEN_REQUEST,
    ACCESS_TOKEN_UNAUTHORIZED,
    CREDENTIALS_REVOKE_ACCEPTED,
    ONE_TIME_CODE_HEADER,
    ONE_TIME_CODE_PARAMETER,
    ONE_TIME_CODE_REQUIRED_HEADER,
)

INVALID_CREDENTIALS = "The credentials are not valid."
ONE_TIME_CODE_REQUIRED = (
    "This person has two-step verification: a password alone does not make an access token. "
    "Use a personal access token (Authorization: Bearer pat_…) for scripts, or send the "
    f"current code of your authenticator app in the {ONE_TIME_CODE_HEADER} header."
)
ONE_TIME_CODE_REFUSED = (
    f"The code in the {ONE_TIME_CODE_HEADER} header is not valid: it is wrong, expired or "
    "was already used. Send the current code of your authenticator app, or use a personal "
    "access token."
)


# POST /v1/auth ------------------------------------------------------------------------------


def _unauthorized(message: str = INVALID_CREDENTIALS) -> Response:
    response = Response({"errors": [{"message": message}]}, status=401)
    response["WWW-Authenticate"] = REALM
    return response


def _one_time_code_wanted(message: str) -> Response:
    response = _unauthorized(message)
    # As GitHub's X-GitHub-OTP: required, so a client can tell it apart from a wrong password.
    response[ONE_TIME_CODE_HEADER] = "required"
    return response


class AccessTokenCreate(APIView):
    """Trade email + password, or a legacy client id + secret, for a 24-hour access token."""

    authentication_classes = []
    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="createAccessToken",
        summary="Trade credentials for an access token",
        description="Email and password, or a legacy client id and secret, for an access "
        "token (a JWT) that lives 24 hours. Answered without a `data` wrapper. Wrong "
        "credentials: 401, with the same message for an unknown email and a wrong password. "
        "A person with two-step verification (a passkey or an authenticator app) is never "
        f"given one for a password alone: the request must carry a current one-time code in "
        f"the `{ONE_TIME_CODE_HEADER}` header, else 401 pointing to personal access tokens, "
        "the better credential for scripts. Attempts are limited per client address and per "
        "email: 429 with Retry-After.",
        auth=[],
        parameters=[ONE_TIME_CODE_PARAMETER, ONE_TIME_CODE_REQUIRED_HEADER],
        request=ACCESS_TOKEN_REQUEST,
        responses={
            200: serializers.AccessTokenOutput,
            # 401 says what a person with two-step verification is told too.
            **errors(400, 401, 413, 429, public=True) | {401: ACCESS_TOKEN_UNAUTHORIZED},
        },
    )
    def post(self, request):
        data = validated(serializers.AccessTokenCreateInput, request.data)
        kind = data["type"]
        if kind == serializers.USER_CREDENTIALS:
            subject, secret = data["email"], data["password"]
        else:
            subject, secret = data["clientId"], data["secret"]
        # Every attempt counts, per client address and (loosely, under the spelling it is
        # looked up by) per account name, before any check; django-axes counts failures per
        # (email, address) inside authenticate().
        wait = hit_each(
            ("auth-address", client_address(request)), ("login-email", normalize_email(subject))
        )
        if wait:
            raise AttemptsThrottled(wait=wait)
        try:
            if kind == serializers.USER_CREDENTIALS:
                issued = services.access_token_create_for_password(
                    email=subject,
                    password=secret,
                    request=request,
                    one_time_code=request.headers.get(ONE_TIME_CODE_HEADER),
                )
            else:
                issued = services.access_token_create_for_client(
                    client_id=subject, secret=secret, where_from=used_from(request)
                )
        except TooManyAttempts as refused:
            raise AttemptsThrottled(wait=refused.retry_after) from None
        except services.InvalidCredentials:
            return _unauthorized()
        except services.SecondStepRequired:
            return _one_time_code_wanted(ONE_TIME_CODE_REQUIRED)
        except services.SecondStepRefused:
            return _one_time_code_wanted(ONE_TIME_CODE_REFUSED)
        return Response(serializers.AccessTokenOutput(issued).data)


# POST /v1/credentials/revoke ------------------------------------------------------------------


class CredentialsRevoke(APIView):
    """Reports of leaked credentials, from anyone: GitHub's credential revocation API."""

    authentication_classes = []
    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="revokeCredentials",
        summary="Revoke leaked credentials",
        description="For whoever finds a credential where it must not be (a secret scanner, "
        f"a stranger): 1 to {revocation.MAX_REPORTED} values. Each value's checksum is "
        "checked first; every live personal access token (`pat_…`), legacy client secret "
        "(`cs_…`) and secret key (`sk_…`, rolled with no grace) among them is revoked at "
        "once, and its owners (for a secret key, every administrator of its account) are "
        "mailed with the client address and User-Agent of the report. Publishable keys "
        "(`pk_…`) are public by design and never revoked. The answer is always 202 with the "
        "same body, whether anything matched or not. No authentication; limited per client "
        "address: 429 with Retry-After. A malformed body is a 400 that never repeats the "
        "values sent.",
        auth=[],
        request=serializers.CredentialsRevokeInput,
        responses={202: CREDENTIALS_REVOKE_ACCEPTED, **errors(400, 413, 429, public=True)},
    )
    def post(self, request):
        address = client_address(request)
        # Every call counts, malformed ones too, before anything is read.
        if wait := hit_each(("credential-revoke", address)):
            raise AttemptsThrottled(wait=wait)
        data = validated(serializers.CredentialsRevokeInput, request.data)
        revocation.credentials_revoke_reported(
            values=data["credentials"],
            reporter=revocation.Reporter(
                address=address, user_agent=request.headers.get("User-Agent", "")
            ),
        )
        return data_response({"success": True}, status.HTTP_202_ACCEPTED)


# Environment API keys ------------------------------------------------------------------------


def _keys_json(keys, principal: Principal):
    return serializers.ApiKeyOutput(keys, many=True, context={"principal": principal}).data


class ApiKeyList(APIView):
    @extend_schema(
        operation_id="getApiKeys",
        summary="List an environment's API keys",
        description="The environment's live keys (those rolled with a grace period too). A "
        "secret key's `rawKey` is given only to administrators and secret keys; it is null "
        "otherwise.",
        parameters=[serializers.EnvironmentQuery],
        responses={200: data_envelope(serializers.ApiKeyOutput, many=True), **errors(400, 404)},
    )
    def get(self, request):
        query = validated(serializers.EnvironmentQuery, request.query_params)
        environment = accounts_access.environment_within(request.user, query["environmentId"])
        return data_response(
            _keys_json(selectors.api_keys_live(environment=environment), request.user)
        )


class PublishableKeyDetail(APIView):
    @extend_schema(
        operation_id="getPublishableKey",
        summary="Get an environment's publishable key",
        description="The current publishable key; 404 when the environment has none.",
        parameters=[serializers.EnvironmentQuery],
        responses={200: data_envelope(serializers.ApiKeyOutput), **errors(400, 404)},
    )
    def get(self, request):
        query = validated(serializers.EnvironmentQuery, request.query_params)
        environment = accounts_access.environment_within(request.user, query["environmentId"])
        key = (
            selectors.api_keys_live(environment=environment)
            .filter(type=ApiKey.Type.PUBLISHABLE)
            .order_by("expires_at", "-created_at")  # the current key (no expiry) first
            .first()
        )
        if key is None:
            raise exceptions.NotFound("This environment has no publishable key.")
        return data_response(
            serializers.ApiKeyOutput(key, context={"principal": request.user}).data
        )


class ApiKeyRoll(APIView):
    """Rotation: a new key of a type; the old ones work on for `expiresIn` (default: not)."""

    allowed_principals = ADMINISTRATORS

    @extend_schema(
        operation_id="createNewApiKey",
        summary="Roll an API key",
        description="A new key of the type; the environment's old keys of that type stop at "
        "once, or keep working for `expiresIn`. Answers a list holding the new key. "
        "Administrators only.",
        request=serializers.ApiKeyRollInput,
        responses={
            201: data_envelope(serializers.ApiKeyOutput, many=True),
            **errors(400, 404, 413),
        },
    )
    def post(self, request):
        data = validated(serializers.ApiKeyRollInput, request.data)
        environment = accounts_access.environment_within(request.user, data["environmentId"])
        key = services.api_key_roll(
            environment=environment,
            actor=request.user,
            key_type=data["type"],
            keep_old_for=services.ROLL_GRACE_CHOICES[data["expiresIn"]],
        ).key
        return data_response(_keys_json([key], request.user), status.HTTP_201_CREATED)

    @extend_schema(
        operation_id="deleteApiKey",
        summary="Delete an API key",
        description="Revoked at once. Administrators only.",
        parameters=[serializers.ApiKeyDeleteQuery],
        responses={200: DELETED, **errors(400, 404)},
    )
    def delete(self, request):
        query = validated(serializers.ApiKeyDeleteQuery, request.query_params)
        environment = accounts_access.environment_within(request.user, query["environmentId"])
        key = access.api_key_within(environment, query["key"])
        services.api_key_delete(api_key=key, actor=request.user)
        return deleted_response()


# Secrets --------------------------------------------------------------------------------------


def _secrets_json(secrets) -> list:
    return serializers.SecretOutput(secrets, many=True).data


def _scope_from(values: dict, principal: Principal):
    """The environment and space named by validated `environmentId` and `spaceId`."""
    space_id = values.get("spaceId") or None
    environment_id = values.get("environmentId") or None
    space = None
    if space_id:
        space = accounts_access.space_within(principal, space_id)
    if environment_id is None:
        if space is None:
            raise exceptions.ValidationError({"environmentId": "This field is required."})
        return space.environment, space
    environment = accounts_access.environment_within(principal, environment_id)
    if space is not None and space.environment_id != environment.id:
        raise exceptions.ValidationError({"spaceId": "That space is not in this environment."})
    return environment, space


class SecretList(APIView):
    @extend_schema(
        operation_id="listSecrets",
        summary="List secrets",
        description="An environment's secrets, or with `spaceId` those that apply to the "
        "space (its own override the environment's of the same name), by name. "
        "`environmentId`, `spaceId` or both (then the space must be in the environment).",
        parameters=[serializers.SecretScopeQuery],
        responses={200: data_envelope(serializers.SecretOutput, many=True), **errors(400, 404)},
    )
    def get(self, request):
        query = validated(serializers.SecretScopeQuery, request.query_params)
        environment, space = _scope_from(query, request.user)
        applying = selectors.secrets_applying(environment=environment, space=space)
        return data_response(_secrets_json(applying))

    @extend_schema(
        operation_id="upsertSecret",
        summary="Create or replace a secret",
        description="The same name in the same scope (environment, or space) replaces the "
        "value. Answers a list holding the secret.",
        request=serializers.SecretUpsertInput,
        responses={
            200: data_envelope(serializers.SecretOutput, many=True),
            **errors(400, 404, 413),
        },
    )
    def post(self, request):
        data = validated(serializers.SecretUpsertInput, request.data)
        environment, space = _scope_from(data, request.user)
        secret, _created = services.secret_upsert(
            environment=environment,
            actor=request.user,
            name=data["name"],
            value=data["value"],
            space=space,
        )
        return data_response(_secrets_json([secret]))


class SecretDetail(APIView):
    @extend_schema(
        operation_id="deleteSecret",
        summary="Delete a secret",
        description="Answers the secrets left in the deleted one's scope, as the SDK reads.",
        responses={200: data_envelope(serializers.SecretOutput, many=True), **errors(404)},
    )
    def delete(self, request, secret_id: str):
        secret = access.secret_within(request.user, secret_id)
        environment, space = secret.environment, secret.space
        services.secret_delete(secret=secret, actor=request.user)
        # The SDK reads the secrets left in that scope.
        applying = selectors.secrets_applying(environment=environment, space=space)
        return data_response(_secrets_json(applying))
