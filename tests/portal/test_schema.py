"""The OpenAPI schema (drf-spectacular): served at /v1/openapi.json to anyone, every route
once, every operation named and answering its errors in the envelope, and the docs page
loading only our own files. (CI also regenerates openapi.json and compares it, and fails on
any warning: .ci/run.)"""

import re

import pytest
from rest_framework.test import APIClient

from portal import schema
from tests.factories import make_account

METHODS = {"get", "post", "put", "patch", "delete"}


@pytest.fixture(scope="module")
def document(django_db_blocker):
    with django_db_blocker.unblock():
        response = APIClient().get("/v1/openapi.json")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.oai.openapi+json")
    return response.json()


def operations(document):
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method in METHODS:
                yield path, method, operation


def test_the_schema_is_public_and_answers_a_bad_credential_too(db):
    # A stale token pasted into the docs must not lock the reader out of the schema.
    response = APIClient().get("/v1/openapi.json", HTTP_AUTHORIZATION="Bearer pat_nonsense")
    assert response.status_code == 200
    assert response.json()["openapi"].startswith("3.")


def test_every_route_appears_once_under_v1(document):
    paths = list(document["paths"])
    assert paths, "no operations documented"
    assert all(path.startswith("/v1/") for path in paths), paths
    assert not [path for path in paths if path.startswith("/api/")]
    for expected in ("/v1/auth", "/v1/auth/personal-access-tokens", "/v1/environments"):
        assert expected in paths
    # The schema and the docs are no API operations.
    assert "/v1/openapi.json" not in paths
    assert "/v1/docs" not in paths


def test_every_operation_has_a_unique_sdk_style_operation_id(document):
    ids = [operation.get("operationId") for _path, _method, operation in operations(document)]
    assert None not in ids
    assert len(ids) == len(set(ids)), sorted(ids)
    assert all(re.fullmatch(r"[a-z]+(?:[A-Z][a-z]*)+", op_id) for op_id in ids), ids
    assert {"createAccessToken", "listPersonalAccessTokens", "getApiKeys"} <= set(ids)


def test_the_bearer_scheme_is_described(document):
    scheme = document["components"]["securitySchemes"]["bearer"]
    assert scheme["type"] == "http"
    assert scheme["scheme"] == "bearer"
    for form in ("pat_", "sk_", "pk_", "JWT"):
        assert form in scheme["description"]


# Answered without a credential: trading one for an access token, and reporting leaked ones.
PUBLIC = {"createAccessToken", "revokeCredentials"}


def test_every_operation_but_the_public_ones_needs_the_bearer_credential(document):
    for path, method, operation in operations(document):
        if operation["operationId"] in PUBLIC:
            assert operation.get("security", []) in ([], [{}])
            assert "403" not in operation["responses"]
        else:
            assert operation.get("security") == [{"bearer": []}], (path, method)
            responses = operation["responses"]
            assert {"401", "403"} <= set(responses), (path, method)
            header = responses["401"]["headers"]["WWW-Authenticate"]
            assert header["required"] is True


def test_every_error_is_the_envelope_with_its_headers(document):
    for path, _method, operation in operations(document):
        for code, response in operation["responses"].items():
            if code.startswith(("4", "5")):
                body = response["content"]["application/json"]["schema"]
                assert body == {"$ref": "#/components/schemas/ErrorEnvelope"}, (path, code)
                assert response["description"]
            if code == "429":
                assert response["headers"]["Retry-After"]["required"] is True
    envelope = document["components"]["schemas"]["ErrorEnvelope"]
    assert envelope["required"] == ["errors"]
    error = document["components"]["schemas"]["Error"]
    assert error["required"] == ["message"]  # `key` is optional
    assert set(error["properties"]) == {"key", "message"}


def test_every_body_can_be_refused_as_bad_or_too_large(document):
    for path, method, operation in operations(document):
        if "requestBody" in operation:
            assert {"400", "413"} <= set(operation["responses"]), (path, method)


# The SDK's types answer these without a `data` wrapper: auth.createAccessToken an
# AccessToken, environments.update an Environment.
UNWRAPPED = {"createAccessToken", "updateEnvironment"}


def test_successes_are_in_the_data_envelope(document):
    schemas = document["components"]["schemas"]
    for path, method, operation in operations(document):
        if operation["operationId"] in UNWRAPPED:
            continue
        (code,) = [code for code in operation["responses"] if code.startswith("2")]
        ref = operation["responses"][code]["content"]["application/json"]["schema"]["$ref"]
        assert "data" in schemas[ref.rsplit("/", 1)[1]]["required"], (path, method)


def test_deletions_answer_success(document):
    assert document["paths"]["/v1/auth/personal-access-tokens/{token_id}"]["delete"]["responses"][
        "200"
    ]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Deleted"}
    deleted = document["components"]["schemas"]["Deleted"]
    assert deleted["properties"]["data"] == {"$ref": "#/components/schemas/Success"}


def test_query_parameters_and_nullable_answers_are_documented(document):
    get_api_keys = document["paths"]["/v1/auth/api-keys"]["get"]
    (parameter,) = get_api_keys["parameters"]
    assert parameter["name"] == "environmentId"
    assert parameter["in"] == "query"
    assert parameter["required"] is True
    token = document["components"]["schemas"]["PersonalAccessTokenOutput"]["properties"]
    assert token["lastUsedAt"]["nullable"] is True
    assert token["expiresAt"]["nullable"] is True
    path_id = document["paths"]["/v1/environments/{environment_id}"]["get"]["parameters"][0]
    assert path_id["schema"]["pattern"] == "^[0-9A-Za-z_]{1,40}$"


# The helpers other endpoints annotate with ---------------------------------------------------


def test_errors_add_the_authentication_answers_unless_public():
    assert list(schema.errors(404)) == [401, 403, 404]
    assert list(schema.errors(400, 429, public=True)) == [400, 429]


def test_an_envelope_is_one_class_per_serializer():
    from tokens.serializers import SecretOutput

    assert schema.data_envelope(SecretOutput) is schema.data_envelope(SecretOutput)
    assert schema.data_envelope(SecretOutput).__name__ == "SecretResponse"
    assert schema.data_envelope(SecretOutput, many=True).__name__ == "SecretListResponse"
    assert schema.page_envelope(SecretOutput).__name__ == "SecretPageResponse"
    assert set(schema.page_envelope(SecretOutput)().fields) == {"data", "pagination"}


# The docs page -------------------------------------------------------------------------------


def test_the_docs_load_only_our_own_files_and_no_inline_script(db):
    client = APIClient()
    response = client.get("/v1/docs")
    assert response.status_code == 200
    html = response.content.decode()
    sources = re.findall(r'<(?:script|link)[^>]*(?:src|href)="([^"]+)"', html)
    assert sources, html
    assert all(source.startswith("/") and not source.startswith("//") for source in sources)
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in sources
    # Every <script> has a src (the CSP forbids inline script), and there is no <style>.
    assert re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", html) == []
    assert "<style" not in html
    script = client.get("/v1/docs?script=")
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")
    assert "/v1/openapi.json" in script.content.decode()


def test_the_docs_need_no_credential(db):
    make_account()
    response = APIClient().get("/v1/docs", HTTP_AUTHORIZATION="Bearer sk_nonsense")
    assert response.status_code == 200
