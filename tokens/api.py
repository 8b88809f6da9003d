"""The API for credentials and secrets, in the contract's (and @flatfile/api's) shapes.
Views validate their input with its serializer (tokens.serializers), check reach through
tokens.access, call one service each, and answer through an output serializer."""

from django.db.models import F, Q
from django.utils import timezone
from rest_framework import exceptions, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import normalize_email
from portal.api import data_response, deleted_response, validated
from portal.ratelimit import TooManyAttempts, client_address, hit
from tokens import access, serializers, services
from tokens.authentication import REALM
from tokens.models import ApiKey, PersonalAccessToken, Secret
from tokens.principal import Principal

ADMINISTRATORS = (Principal.USER,)
INVALID_CREDENTIALS = "The credentials are not valid."


# POST /v1/auth ------------------------------------------------------------------------------


def _unauthorized() -> Response:
    response = Response({"errors": [{"message": INVALID_CREDENTIALS}]}, status=401)
    response["WWW-Authenticate"] = REALM
    return response


def _too_many(retry_after: int) -> Response:
    response = Response(
        {"errors": [{"message": f"Too many attempts. Try again in {retry_after} seconds."}]},
        status=status.HTTP_429_TOO_MANY_REQUESTS,
    )
    response["Retry-After"] = str(retry_after)
    return response


class AccessTokenCreate(APIView):
    """Trade email + password, or a legacy client id + secret, for a 24-hour access token."""

    authentication_classes = []
    permission_classes = [AllowAny]

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
        waits = [
            hit("auth-address", client_address(request)),
            hit("login-email", normalize_email(subject)),
        ]
        if any(waits):
            return _too_many(max(wait for wait in waits if wait))
        try:
            if kind == serializers.USER_CREDENTIALS:
                issued = services.access_token_create_for_password(
                    email=subject, password=secret, request=request
                )
            else:
                issued = services.access_token_create_for_client(client_id=subject, secret=secret)
        except TooManyAttempts as refused:
            return _too_many(refused.retry_after)
        except services.InvalidCredentials:
            return _unauthorized()
        return Response(serializers.AccessTokenOutput(issued).data)


# Personal access tokens ------------------------------------------------------------------------


class PersonalAccessTokenList(APIView):
    allowed_principals = ADMINISTRATORS

    def get(self, request):
        tokens = PersonalAccessToken.objects.filter(user=request.user.user)
        return data_response(serializers.PersonalAccessTokenOutput(tokens, many=True).data)

    def post(self, request):
        data = validated(serializers.PersonalAccessTokenCreateInput, request.data)
        token, raw = services.personal_access_token_create(
            user=request.user.user, name=data["name"], expires_in_days=data.get("expiresInDays")
        )
        # The only time the value is ever returned.
        created = {"token": raw, "personalAccessToken": token}
        return data_response(
            serializers.PersonalAccessTokenCreateOutput(created).data, status.HTTP_201_CREATED
        )


class PersonalAccessTokenDetail(APIView):
    allowed_principals = ADMINISTRATORS

    def delete(self, request, token_id: str):
        token = access.personal_access_token_of(request.user.user, token_id)
        services.personal_access_token_delete(token=token, actor=request.user)
        return deleted_response()


# Environment API keys ------------------------------------------------------------------------


def _live_keys(environment):
    now = timezone.now()
    return (
        ApiKey.objects.select_related("environment")
        .filter(environment=environment)
        .filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now))
    )


def _keys_json(keys, principal):
    return serializers.ApiKeyOutput(keys, many=True, context={"principal": principal}).data


class ApiKeyList(APIView):
    def get(self, request):
        query = validated(serializers.EnvironmentQuery, request.query_params)
        environment = access.environment_for_principal(request.user, query["environmentId"])
        return data_response(_keys_json(_live_keys(environment), request.user))


class PublishableKeyDetail(APIView):
    def get(self, request):
        query = validated(serializers.EnvironmentQuery, request.query_params)
        environment = access.environment_for_principal(request.user, query["environmentId"])
        key = (
            _live_keys(environment)
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

    def post(self, request):
        data = validated(serializers.ApiKeyRollInput, request.data)
        environment = access.environment_for_principal(request.user, data["environmentId"])
        key, _raw = services.api_key_roll(
            environment=environment,
            actor=request.user,
            key_type=data["type"],
            keep_old_for=services.ROLL_GRACE_CHOICES[data["expiresIn"]],
        )
        return data_response(_keys_json([key], request.user), status.HTTP_201_CREATED)

    def delete(self, request):
        query = validated(serializers.ApiKeyDeleteQuery, request.query_params)
        environment = access.environment_for_principal(request.user, query["environmentId"])
        key = access.api_key_in_environment(environment, query["key"])
        services.api_key_delete(api_key=key, actor=request.user)
        return deleted_response()


# Secrets --------------------------------------------------------------------------------------


def _effective_secrets(environment, space=None) -> list[Secret]:
    """The environment's secrets; with a space, its own secrets override same-named ones."""
    scope = Q(space__isnull=True)
    if space is not None:
        scope |= Q(space=space)
    by_name = {}
    # Environment-wide first, so a space's secret of the same name replaces it.
    secrets = Secret.objects.filter(scope, environment=environment)
    for secret in secrets.order_by(F("space").asc(nulls_first=True), "name"):
        by_name[secret.name] = secret
    return sorted(by_name.values(), key=lambda secret: secret.name)


def _secrets_json(secrets) -> list:
    return serializers.SecretOutput(secrets, many=True).data


def _scope_from(values: dict, principal):
    """The environment and space named by validated `environmentId` and `spaceId`."""
    space_id = values.get("spaceId") or None
    environment_id = values.get("environmentId") or None
    space = access.space_for_principal(principal, space_id) if space_id else None
    if environment_id is None:
        if space is None:
            raise exceptions.ValidationError({"environmentId": "This field is required."})
        return space.environment, space
    environment = access.environment_for_principal(principal, environment_id)
    if space is not None and space.environment_id != environment.id:
        raise exceptions.ValidationError({"spaceId": "That space is not in this environment."})
    return environment, space


class SecretList(APIView):
    def get(self, request):
        query = validated(serializers.SecretScopeQuery, request.query_params)
        environment, space = _scope_from(query, request.user)
        return data_response(_secrets_json(_effective_secrets(environment, space)))

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
    def delete(self, request, secret_id: str):
        secret = access.secret_for_principal(request.user, secret_id)
        environment, space = secret.environment, secret.space
        services.secret_delete(secret=secret, actor=request.user)
        # The SDK reads the secrets left in that scope.
        return data_response(_secrets_json(_effective_secrets(environment, space)))
