"""Bad input is a 4xx in the envelope and changes nothing, for every field of every endpoint.

One table, ENDPOINTS, lists each endpoint that takes input with each of its fields; every
field gets every wrong value of tests/bad_input.py (sent as raw JSON text, so 1e400 and a
lone surrogate arrive exactly as a hostile client writes them), on SQLite and on
PostgreSQL, where text with NUL cannot be stored at all. Each case asserts a 4xx, the error
envelope (a 400 names the field), and that no personal access token, API key, secret or
audit event was added, changed or removed. `test_the_table_covers_every_input_field` keeps
the table in step with the input serializers, and `test_each_valid_request_is_accepted`
proves every row's valid request works, so each refusal is the wrong value's doing."""

import pytest
from django import forms as django_forms
from django.core import validators
from rest_framework.test import APIClient

from accounts import forms as account_forms
from accounts.models import Event
from tests import bad_input as shared
from tests.bad_input import Endpoint, Field
from tests.factories import DEFAULT_PASSWORD, SpaceFactory, development
from tests.tokens.conftest import bearer
from tokens import forms as token_forms
from tokens import serializers, services
from tokens.models import ApiKey, PersonalAccessToken, Secret

ENDPOINTS = (
    Endpoint(
        "POST /v1/auth (userCredentials)",
        "post",
        "/v1/auth",
        (serializers.AccessTokenCreateInput, serializers.UserCredentialsInput),
        body={"type": "userCredentials", "email": "{email}", "password": "{password}"},
        fields=(
            Field("type", '"passwordless"', required=False),
            Field("email", '"not-an-email"'),
            Field("password", '"not the password"'),  # a 401, the same as for any mismatch
        ),
    ),
    Endpoint(
        "POST /v1/auth (apiCredentials)",
        "post",
        "/v1/auth",
        (serializers.AccessTokenCreateInput, serializers.ApiCredentialsInput),
        body={"type": "apiCredentials", "clientId": "{client_id}", "secret": "{client_secret}"},
        fields=(
            Field("type", '"passwordless"', required=False),
            Field("clientId", '"us_cli_unknown"'),
            Field("secret", '"cs_not_the_secret"'),
        ),
    ),
    Endpoint(
        "POST /v1/auth/personal-access-tokens",
        "post",
        "/v1/auth/personal-access-tokens",
        (serializers.PersonalAccessTokenCreateInput,),
        body={
            "name": "deploy",
            "expiresInDays": 30,
            "readOnly": False,
            "environmentIds": ["{environment_id}"],
        },
        fields=(
            Field("name"),
            # null: never expires
            Field("expiresInDays", '"forever"', accepts=("null",), required=False),
            Field("readOnly", '"yes"', accepts=("true",), required=False),
            # null: every environment; ["a"] is an unknown environment, a 404.
            Field("environmentIds", '"us_env_x"', accepts=("null",), required=False),
        ),
    ),
    Endpoint(
        "POST /v1/auth/api-key",
        "post",
        "/v1/auth/api-key",
        (serializers.ApiKeyRollInput,),
        body={"environmentId": "{environment_id}", "type": "SECRET", "expiresIn": "1h"},
        fields=(
            Field("environmentId", '"us_env_unknown"'),
            Field("type", '"OTHER"'),
            Field("expiresIn", '"1y"', required=False),
        ),
    ),
    Endpoint(
        "POST /v1/secrets",
        "post",
        "/v1/secrets",
        (serializers.SecretUpsertInput,),
        body={
            "name": "WEBHOOK_URL",
            "value": "https://example.com/hook",
            "environmentId": "{environment_id}",
            "spaceId": "{space_id}",
        },
        fields=(
            Field("name"),
            Field("value"),
            # Either names the scope: a space's environment is its own.
            Field("environmentId", '"us_env_unknown"', required=False),
            # null: the environment itself
            Field("spaceId", '"us_sp_unknown"', accepts=("null",), required=False),
        ),
    ),
    Endpoint(
        "GET /v1/auth/api-keys",
        "get",
        "/v1/auth/api-keys",
        (serializers.EnvironmentQuery,),
        query={"environmentId": "{environment_id}"},
        fields=(Field("environmentId", "us_env_unknown"),),
    ),
    Endpoint(
        "GET /v1/auth/publishable-key",
        "get",
        "/v1/auth/publishable-key",
        (serializers.EnvironmentQuery,),
        query={"environmentId": "{environment_id}"},
        fields=(Field("environmentId", "us_env_unknown"),),
    ),
    Endpoint(
        "DELETE /v1/auth/api-key",
        "delete",
        "/v1/auth/api-key",
        (serializers.ApiKeyDeleteQuery,),
        query={"environmentId": "{environment_id}", "key": "{key_id}"},
        fields=(Field("environmentId", "us_env_unknown"), Field("key", "us_key_unknown")),
    ),
    Endpoint(
        "GET /v1/secrets",
        "get",
        "/v1/secrets",
        (serializers.SecretScopeQuery,),
        query={"environmentId": "{environment_id}", "spaceId": "{space_id}"},
        fields=(
            Field("environmentId", "us_env_unknown", required=False),
            Field("spaceId", "us_sp_unknown", required=False),
        ),
    ),
)


# The world each request is made in ------------------------------------------------------------


@pytest.fixture
def world(account, admin_user, pat):
    credential, client_secret = services.client_credential_create(user=admin_user)
    environment = development(account)
    return {
        "email": admin_user.email,
        "password": DEFAULT_PASSWORD,
        "client_id": credential.id,
        "client_secret": client_secret,
        "environment_id": environment.id,
        "space_id": SpaceFactory(environment=environment).id,
        "key_id": ApiKey.objects.filter(environment=environment, type="SECRET").first().id,
    }


@pytest.fixture
def client(pat):
    client = bearer(APIClient(), pat)
    client.raise_request_exception = False  # a 500 is a failure to report, not to raise
    return client


def rows() -> dict:
    return {
        model.__name__: sorted(model.objects.values_list("pk", flat=True))
        for model in (PersonalAccessToken, ApiKey, Secret, Event)
    } | {
        # Changed in place counts too: a token renamed, a key retired, a secret re-valued.
        "changes": sorted(
            (token.pk, token.name, token.expires_at) for token in PersonalAccessToken.objects.all()
        )
        + sorted((key.pk, key.expires_at) for key in ApiKey.objects.all())
        + sorted((secret.pk, secret.encrypted_value) for secret in Secret.objects.all()),
    }


# The matrix --------------------------------------------------------------------------------------


@pytest.mark.parametrize(("endpoint", "name", "raw"), list(shared.field_cases(ENDPOINTS)))
def test_each_wrong_value_of_each_field_is_refused(client, world, endpoint, name, raw):
    before = rows()
    response = shared.send_wrong_value(client, endpoint, world, name, raw)
    shared.assert_refused_in_the_envelope(response, name)
    assert rows() == before


@pytest.mark.parametrize(("endpoint", "kind"), list(shared.body_cases(ENDPOINTS)))
def test_a_body_that_is_not_a_json_object_is_refused(client, world, endpoint, kind):
    before = rows()
    response = shared.send(client, endpoint, world, body=shared.WRONG_BODIES[kind])
    shared.assert_refused_in_the_envelope(response, None)
    assert rows() == before


@pytest.mark.parametrize(
    "endpoint", [pytest.param(endpoint, id=endpoint.label) for endpoint in ENDPOINTS]
)
def test_each_valid_request_is_accepted(client, world, endpoint):
    shared.assert_the_valid_request_is_accepted(client, endpoint, world)


def test_the_table_covers_every_input_field():
    shared.assert_the_table_covers_every_input_field(ENDPOINTS)


# Ids in paths ----------------------------------------------------------------------------------


@pytest.mark.parametrize("wrong", shared.PATH_IDS, ids=list(shared.PATH_IDS))
@pytest.mark.parametrize(
    ("method", "route"),
    [
        ("delete", "/v1/auth/personal-access-tokens/{}"),
        ("delete", "/v1/secrets/{}"),
        ("get", "/v1/environments/{}"),
        ("get", "/api/v1/environments/{}"),
    ],
)
def test_an_id_in_the_path_that_no_id_can_be_is_404(client, world, method, route, wrong):
    before = rows()
    response = getattr(client, method)(route.format(shared.PATH_IDS[wrong]))
    assert response.status_code == 404
    assert response.json() == {"errors": [{"message": "Not found."}]}
    assert rows() == before


# Other ways in -----------------------------------------------------------------------------------


def test_unknown_fields_are_ignored(client, world):
    body = '{"name": "deploy", "unknown": [1, {"\\ud800": null}], "\\u0000": "x"}'
    response = client.post("/v1/auth/personal-access-tokens", body, content_type="application/json")
    assert response.status_code == 201
    assert response.json()["data"]["personalAccessToken"]["name"] == "deploy"


def test_every_text_field_of_every_page_form_refuses_nul():
    """The pages' forms: Django's CharField (EmailField and every other text field derive
    from it) refuses NUL itself, so no form may drop that validator; choices, checkboxes and
    numbers refuse anything they do not offer or cannot parse."""
    form_classes = [
        value
        for module in (account_forms, token_forms)
        for value in vars(module).values()
        if isinstance(value, type) and issubclass(value, django_forms.BaseForm)
    ]
    assert len(form_classes) >= 10
    text_fields = [
        (f"{form_class.__name__}.{name}", form_field)
        for form_class in form_classes
        for name, form_field in form_class.base_fields.items()
        if isinstance(form_field, django_forms.CharField)
    ]
    assert len(text_fields) >= 10
    for label, form_field in text_fields:
        assert any(
            isinstance(validator, validators.ProhibitNullCharactersValidator)
            for validator in form_field.validators
        ), label


@pytest.mark.parametrize(
    ("form_class", "data", "name"),
    [
        (token_forms.PersonalAccessTokenForm, {"name": "a\x00b", "nonce": "n"}, "name"),
        (token_forms.SecretForm, {"name": "A", "value": "a\x00b"}, "value"),
        (account_forms.InviteForm, {"email": "a\x00b@example.com"}, "email"),
    ],
)
def test_page_forms_refuse_nul(form_class, data, name):
    form = form_class(data=data)
    assert not form.is_valid()
    assert name in form.errors
