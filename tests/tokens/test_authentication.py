"""The API's bearer authentication as HTTP sees it (RFC 6750), on a minimal endpoint so the
tests are about authentication alone."""

import logging

import pytest
from rest_framework.response import Response
from rest_framework.test import APIRequestFactory
from rest_framework.views import APIView

from portal.logging import RedactCredentials, redact
from tests.factories import development
from tests.tokens.conftest import user_access_token
from tokens import access_tokens, credentials, services
from tokens.models import ApiKey
from tokens.principal import Principal

factory = APIRequestFactory()


class WhoAmI(APIView):
    def get(self, request):
        return Response({"data": {"kind": request.user.kind, "id": request.user.id}})

    def post(self, request):
        return Response({"data": {"kind": request.user.kind}})


class PublishableAllowed(WhoAmI):
    allowed_principals = (Principal.USER, Principal.SECRET_KEY, Principal.PUBLISHABLE_KEY)


def call(view=WhoAmI, method="get", path="/v1/whoami", authorization=None, **extra):
    if authorization is not None:
        extra["HTTP_AUTHORIZATION"] = authorization
    request = getattr(factory, method)(path, **extra)
    response = view.as_view()(request)
    response.render()
    return response


@pytest.fixture
def pat(admin_user):
    return services.personal_access_token_create(user=admin_user, name="API")[1]


def test_valid_pat_is_accepted(pat, admin_user):
    response = call(authorization=f"Bearer {pat}")
    assert response.status_code == 200
    assert response.data == {"data": {"kind": "user", "id": admin_user.id}}


def test_scheme_is_case_insensitive(pat):
    assert call(authorization=f"bearer {pat}").status_code == 200


def test_no_credentials_is_401_with_a_bearer_challenge(db):
    response = call()
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'
    assert response.data == {
        "errors": [{"message": "Authentication credentials were not provided."}]
    }


def test_other_schemes_are_not_ours(pat):
    response = call(authorization=f"Basic {pat}")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'


@pytest.mark.parametrize(
    "authorization",
    [
        pytest.param("Bearer ", id="empty"),
        pytest.param("Bearer  {pat}", id="two-spaces"),
        pytest.param("Bearer {pat} ", id="trailing-space"),
        pytest.param("Bearer {pat}\t", id="trailing-tab"),
        pytest.param("Bearer {pat} extra", id="two-tokens"),
        pytest.param("Bearer {bad_checksum}", id="wrong-checksum"),
        pytest.param("Bearer tok_{body}", id="wrong-prefix"),
        pytest.param("Bearer {unknown}", id="right-form-unknown"),
        pytest.param("Bearer a.b.c", id="garbage-jwt"),
    ],
)
def test_bad_tokens_get_invalid_token(pat, authorization):
    values = {
        "pat": pat,
        "bad_checksum": pat[:-1] + ("A" if pat[-1] != "A" else "B"),
        "body": pat.split("_", 1)[1],
        "unknown": credentials.generate("pat"),
    }
    response = call(authorization=authorization.format(**values))
    assert response.status_code == 401
    challenge = response["WWW-Authenticate"]
    assert challenge.startswith('Bearer realm="api", error="invalid_token"')
    assert (
        response.data["errors"][0]["message"] == "The access token is invalid, expired or revoked."
    )


@pytest.mark.parametrize("inserted", ["\t", "\x0b", "\x1f", "\x85", "\xa0"])
def test_whitespace_inside_an_access_token_is_refused(admin_user, inserted):
    # RFC 6750's b64token has no whitespace; neither do access tokens of ours.
    token, _ = user_access_token(admin_user)
    assert call(authorization=f"Bearer {token}").status_code == 200
    response = call(authorization=f"Bearer {token[:-4]}{inserted}{token[-4:]}")
    assert response.status_code == 401
    assert 'error="invalid_token"' in response["WWW-Authenticate"]


def test_token_in_the_query_string_is_ignored(pat):
    response = call(path=f"/v1/whoami?access_token={pat}")
    assert response.status_code == 401
    assert "invalid_token" not in response["WWW-Authenticate"]


def test_token_in_the_body_is_ignored(pat):
    response = call(method="post", data={"access_token": pat}, format="json")
    assert response.status_code == 401


def test_secret_key_and_access_token_are_accepted(account, admin_user):
    secret_key = services.api_key_roll(
        environment=development(account), actor=admin_user, key_type=ApiKey.Type.SECRET
    ).raw
    assert call(authorization=f"Bearer {secret_key}").data["data"]["kind"] == "secret_key"
    token, _ = user_access_token(admin_user)
    assert call(authorization=f"Bearer {token}").data["data"]["kind"] == "user"


@pytest.fixture
def publishable_key(account, admin_user):
    return services.api_key_roll(
        environment=development(account), actor=admin_user, key_type=ApiKey.Type.PUBLISHABLE
    ).raw


def test_publishable_key_outside_its_operations_is_403_insufficient_scope(publishable_key):
    response = call(authorization=f"Bearer {publishable_key}")
    assert response.status_code == 403
    assert response["WWW-Authenticate"] == 'Bearer error="insufficient_scope"'
    assert response.data["errors"][0]["message"] == "This credential is not allowed to do that."


@pytest.mark.parametrize("path", ["/v1/spaces", "/v1/spaces/", "/api/v1/spaces"])
def test_publishable_key_may_do_its_listed_operation(publishable_key, path):
    response = call(method="post", path=path, authorization=f"Bearer {publishable_key}")
    assert response.status_code == 200


def test_publishable_key_may_not_use_another_method_on_that_path(publishable_key):
    assert call(path="/v1/spaces", authorization=f"Bearer {publishable_key}").status_code == 403


def test_endpoint_may_admit_publishable_keys_outright(publishable_key):
    response = call(view=PublishableAllowed, authorization=f"Bearer {publishable_key}")
    assert response.status_code == 200


def test_space_token_is_refused_where_not_admitted(account, admin_user):
    from tests.factories import SpaceFactory

    space = SpaceFactory(environment=development(account))
    key = ApiKey.objects.get(environment=space.environment, type=ApiKey.Type.PUBLISHABLE)
    token, _ = access_tokens.issue(
        kind=access_tokens.SPACE, subject=space.id, claims={"key": key.id}
    )
    response = call(authorization=f"Bearer {token}")
    assert response.status_code == 403
    assert response["WWW-Authenticate"] == 'Bearer error="insufficient_scope"'


def test_refused_tokens_are_not_logged(pat, caplog):
    with caplog.at_level(logging.DEBUG):
        call(authorization=f"Bearer {pat[:-1]}x")
        call(authorization=f"Bearer {pat}")
    assert pat[:-1] not in caplog.text


def test_log_filter_redacts_every_credential_kind(admin_user):
    pat = credentials.generate("pat")
    secret_key = credentials.generate("sk")
    jwt_token, _ = user_access_token(admin_user)
    invitation = "inv_" + "Q" * 43
    record = logging.LogRecord(
        "django.server",
        logging.INFO,
        __file__,
        1,
        '"GET /invitations/%s/ HTTP/1.1" %s %s',
        (invitation, pat, f"{secret_key} {jwt_token}"),
        None,
    )
    RedactCredentials().filter(record)
    message = record.getMessage()
    for value in (pat, secret_key, jwt_token, invitation):
        assert value not in message
    assert message.count("[redacted]") == 4
    assert redact("nothing secret here: us_env_abc") == "nothing secret here: us_env_abc"


def test_a_failed_last_used_write_never_fails_the_request(pat, monkeypatch, caplog):
    from django.db import OperationalError
    from django.db.models import QuerySet

    def locked(*args, **kwargs):
        raise OperationalError("database is locked")

    monkeypatch.setattr(QuerySet, "update", locked)
    with caplog.at_level(logging.WARNING, logger="portal.services"):
        response = call(authorization=f"Bearer {pat}")
    assert response.status_code == 200
    assert "Could not record last use" in caplog.text
    assert pat not in caplog.text
