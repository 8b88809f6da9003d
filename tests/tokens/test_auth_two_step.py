"""POST /v1/auth for a person with two-step verification: never a password alone; a current
one-time code in the X-Portal-OTP header, or a personal access token instead."""

import json
from pathlib import Path

import pytest
from django.conf import settings
from rest_framework.test import APIClient

from accounts.models import Event
from tests.factories import (
    DEFAULT_PASSWORD,
    ClientCredentialFactory,
    PersonalAccessTokenFactory,
)
from tests.tokens.conftest import bearer
from tests.two_step_policy_helpers import add_authenticator_app, add_passkey, previous_code
from tokens.api import ONE_TIME_CODE_REFUSED, ONE_TIME_CODE_REQUIRED

OTP = "X-Portal-OTP"


def login(api, email, password=DEFAULT_PASSWORD, code=None):
    headers = {OTP: code} if code is not None else {}
    return api.post(
        "/v1/auth", {"email": email, "password": password}, format="json", headers=headers
    )


def issued() -> int:
    return Event.objects.filter(topic="access-token:created").count()


def assert_asks_for_a_code(response, message):
    assert response.status_code == 401
    assert response.json() == {"errors": [{"message": message}]}
    assert response[OTP] == "required"
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'


@pytest.mark.parametrize("factor", ["authenticator app", "passkey"])
def test_a_password_alone_is_refused_pointing_to_personal_access_tokens(api, admin_user, factor):
    if factor == "passkey":
        add_passkey(admin_user)
    else:
        add_authenticator_app(admin_user)
    response = login(api, admin_user.email)
    assert_asks_for_a_code(response, ONE_TIME_CODE_REQUIRED)
    assert "personal access token" in ONE_TIME_CODE_REQUIRED
    assert "accessToken" not in response.json()
    assert issued() == 0


def test_an_empty_header_is_no_code(api, admin_user):
    add_authenticator_app(admin_user)
    assert_asks_for_a_code(login(api, admin_user.email, code=""), ONE_TIME_CODE_REQUIRED)


def test_a_current_code_in_the_header_gives_the_token_once(api, admin_user):
    totp = add_authenticator_app(admin_user)
    code = totp.now()
    response = login(api, admin_user.email, code=code)
    assert response.status_code == 200
    token = response.json()["accessToken"]
    assert bearer(APIClient(), token).get("/v1/accounts/current").status_code == 200
    assert issued() == 1
    # Replayed, or one of an earlier step: refused.
    assert_asks_for_a_code(login(api, admin_user.email, code=code), ONE_TIME_CODE_REFUSED)
    assert_asks_for_a_code(
        login(api, admin_user.email, code=previous_code(totp)), ONE_TIME_CODE_REFUSED
    )
    assert issued() == 1


def test_a_code_never_stands_in_for_the_password(api, admin_user):
    totp = add_authenticator_app(admin_user)
    response = login(api, admin_user.email, password="not it", code=totp.now())
    assert response.status_code == 401
    assert response.json() == {"errors": [{"message": "The credentials are not valid."}]}
    assert OTP not in response
    assert issued() == 0


def test_a_recovery_code_in_the_header_works_once(api, admin_user):
    from accounts import services

    add_authenticator_app(admin_user)
    code = services.recovery_codes_generate(admin_user)[0]
    assert login(api, admin_user.email, code=code).status_code == 200
    assert_asks_for_a_code(login(api, admin_user.email, code=code), ONE_TIME_CODE_REFUSED)


def test_wrong_codes_count_as_failed_sign_ins(api, admin_user, settings):
    # As wrong passwords do (test_auth_endpoint's brute force test): the failure that reaches
    # django-axes' limit is refused, and so is the right password with the right code after.
    settings.AXES_FAILURE_LIMIT = 3
    totp = add_authenticator_app(admin_user)
    for junk in ("000000", "not a code"):
        assert_asks_for_a_code(login(api, admin_user.email, code=junk), ONE_TIME_CODE_REFUSED)
    assert login(api, admin_user.email, code="111111").status_code == 429
    response = login(api, admin_user.email, code=totp.now())
    assert response.status_code == 429
    assert response["Retry-After"] == "900"
    assert issued() == 0


def test_a_right_code_clears_the_failures_as_a_right_password_does(api, admin_user, settings):
    settings.AXES_FAILURE_LIMIT = 3
    totp = add_authenticator_app(admin_user)
    login(api, admin_user.email, code="000000")
    login(api, admin_user.email, code="000001")
    assert login(api, admin_user.email, code=totp.now()).status_code == 200
    assert login(api, admin_user.email, code="000002").status_code == 401


def test_an_unconfirmed_app_is_no_second_factor(api, admin_user):
    add_authenticator_app(admin_user, confirmed=False)
    assert login(api, admin_user.email).status_code == 200


def test_other_credentials_of_such_a_person_keep_working(api, admin_user):
    add_authenticator_app(admin_user)
    pat = PersonalAccessTokenFactory(user=admin_user)
    assert bearer(APIClient(), pat.raw).get("/v1/accounts/current").status_code == 200
    client = ClientCredentialFactory(user=admin_user)
    response = api.post("/v1/auth", {"clientId": client.id, "secret": client.raw}, format="json")
    assert response.status_code == 200


def test_the_schema_documents_the_header_and_the_answer(api):
    served = api.get("/v1/openapi.json").json()
    committed = json.loads((Path(settings.BASE_DIR) / "openapi.json").read_text())
    for schema in (served, committed):
        operation = schema["paths"]["/v1/auth"]["post"]
        (header,) = [p for p in operation["parameters"] if p["name"] == OTP]
        assert header["in"] == "header"
        assert header.get("required", False) is False
        assert "authenticator app" in header["description"]
        assert OTP in operation["responses"]["401"]["description"]
        assert operation["responses"]["401"]["headers"][OTP]["schema"]["enum"] == ["required"]
        assert OTP in operation["description"]
