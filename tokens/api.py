"""The API for credentials and secrets, in the contract's (and @flatfile/api's) shapes.
Views parse, check reach through tokens.access, and call one service each."""

from django.db.models import F, Q
from django.utils import timezone
from rest_framework import exceptions, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from portal.api import data_response, deleted_response, iso
from portal.ratelimit import client_address, hit
from tokens import access, services
from tokens.access_tokens import LIFETIMES, USER
from tokens.authentication import REALM
from tokens.models import ApiKey, PersonalAccessToken, Secret
from tokens.principal import Principal

ADMINISTRATORS = (Principal.USER,)
INVALID_CREDENTIALS = "The credentials are not valid."


def required_text(data, name: str) -> str:
    value = data.get(name) if isinstance(data, dict) else None
    if not isinstance(value, str) or not value:
        raise exceptions.ValidationError({name: "This field is required."})
    return value


def required_param(request, name: str) -> str:
    value = request.query_params.get(name, "")
    if not value:
        raise exceptions.ValidationError({name: "This query parameter is required."})
    return value


# JSON shapes ------------------------------------------------------------------------------


def personal_access_token_json(token: PersonalAccessToken) -> dict:
    return {
        "id": token.id,
        "name": token.name,
        "createdAt": iso(token.created_at),
        "lastUsedAt": iso(token.last_used_at),
        "expiresAt": iso(token.expires_at),
    }


def api_key_json(key: ApiKey, principal: Principal) -> dict:
    shown = key.type == ApiKey.Type.PUBLISHABLE or access.may_read_secret_key(principal)
    return {
        "id": key.id,
        "rawKey": key.raw_key if shown else None,
        "type": key.type,
        "environmentId": key.environment_id,
        "accountId": key.environment.account_id,
        "operations": key.operations,
        "createdAt": iso(key.created_at),
        "updatedAt": iso(key.updated_at),
        "lastUsedAt": iso(key.last_used_at),
        "expiresAt": iso(key.expires_at),
    }


def secret_json(secret: Secret) -> dict:
    return {
        "id": secret.id,
        "name": secret.name,
        "value": secret.value,
        "environmentId": secret.environment_id,
        "spaceId": secret.space_id,
    }


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
        data = request.data if isinstance(request.data, dict) else {}
        kind = data.get("type") or ("apiCredentials" if "clientId" in data else "userCredentials")
        if kind == "userCredentials":
            subject, secret = required_text(data, "email"), required_text(data, "password")
        elif kind == "apiCredentials":
            subject, secret = required_text(data, "clientId"), required_text(data, "secret")
        else:
            raise exceptions.ValidationError({"type": "Use userCredentials or apiCredentials."})
        # Every attempt counts, per client address and per account name, before any check.
        waits = [hit("auth-address", client_address(request)), hit("auth-email", subject)]
        if any(waits):
            return _too_many(max(wait for wait in waits if wait))
        try:
            if kind == "userCredentials":
                issued = services.access_token_create_for_password(email=subject, password=secret)
            else:
                issued = services.access_token_create_for_client(client_id=subject, secret=secret)
        except services.InvalidCredentials:
            return _unauthorized()
        return Response(
            {
                "accessToken": issued.token,
                "expiresIn": str(int(LIFETIMES[USER].total_seconds())),
                "expires": iso(issued.expires_at),
                "email": issued.user.email,
                "userId": issued.user.id,
                "accountId": issued.account_id,
            }
        )


# Personal access tokens ------------------------------------------------------------------------


class PersonalAccessTokenList(APIView):
    allowed_principals = ADMINISTRATORS

    def get(self, request):
        tokens = PersonalAccessToken.objects.filter(user=request.user.user)
        return data_response([personal_access_token_json(token) for token in tokens])

    def post(self, request):
        data = request.data if isinstance(request.data, dict) else {}
        token, raw = services.personal_access_token_create(
            user=request.user.user,
            name=data.get("name"),
            expires_in_days=data.get("expiresInDays"),
        )
        # The only time the value is ever returned.
        return data_response(
            {"token": raw, "personalAccessToken": personal_access_token_json(token)},
            status.HTTP_201_CREATED,
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


class ApiKeyList(APIView):
    def get(self, request):
        environment = access.environment_for_principal(
            request.user, required_param(request, "environmentId")
        )
        keys = _live_keys(environment)
        return data_response([api_key_json(key, request.user) for key in keys])


class PublishableKeyDetail(APIView):
    def get(self, request):
        environment = access.environment_for_principal(
            request.user, required_param(request, "environmentId")
        )
        key = (
            _live_keys(environment)
            .filter(type=ApiKey.Type.PUBLISHABLE)
            .order_by("expires_at", "-created_at")  # the current key (no expiry) first
            .first()
        )
        if key is None:
            raise exceptions.NotFound("This environment has no publishable key.")
        return data_response(api_key_json(key, request.user))


class ApiKeyRoll(APIView):
    """Rotation: a new key of a type; the old ones work on for `expiresIn` (default: not)."""

    allowed_principals = ADMINISTRATORS

    def post(self, request):
        data = request.data if isinstance(request.data, dict) else {}
        environment = access.environment_for_principal(
            request.user, required_text(data, "environmentId")
        )
        grace = data.get("expiresIn", "now")
        if grace not in services.ROLL_GRACE_CHOICES:
            choices = ", ".join(services.ROLL_GRACE_CHOICES)
            raise exceptions.ValidationError({"expiresIn": f"Choose one of: {choices}."})
        key, _raw = services.api_key_roll(
            environment=environment,
            actor=request.user,
            key_type=required_text(data, "type"),
            keep_old_for=services.ROLL_GRACE_CHOICES[grace],
        )
        return data_response([api_key_json(key, request.user)], status.HTTP_201_CREATED)

    def delete(self, request):
        environment = access.environment_for_principal(
            request.user, required_param(request, "environmentId")
        )
        key = access.api_key_in_environment(environment, required_param(request, "key"))
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


def _scope_from(request_values, principal):
    space_id = request_values.get("spaceId") or None
    environment_id = request_values.get("environmentId") or None
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
        environment, space = _scope_from(request.query_params, request.user)
        return data_response([secret_json(s) for s in _effective_secrets(environment, space)])

    def post(self, request):
        data = request.data if isinstance(request.data, dict) else {}
        environment, space = _scope_from(data, request.user)
        secret, _created = services.secret_upsert(
            environment=environment,
            actor=request.user,
            name=data.get("name"),
            value=data.get("value"),
            space=space,
        )
        return data_response([secret_json(secret)])


class SecretDetail(APIView):
    def delete(self, request, secret_id: str):
        secret = access.secret_for_principal(request.user, secret_id)
        environment, space = secret.environment, secret.space
        services.secret_delete(secret=secret, actor=request.user)
        # The SDK reads the secrets left in that scope.
        return data_response([secret_json(s) for s in _effective_secrets(environment, space)])
