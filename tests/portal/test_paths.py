"""One answer to "is this request for the API?" (portal.paths), asked by the error handlers,
the refusal pages, the sign-in lockout and the guest-session middleware."""

import pytest

from portal.paths import is_api_request, operation_path


@pytest.mark.parametrize(
    ("path", "api"),
    [
        ("/v1/spaces", True),
        ("/api/v1/auth", True),
        ("/v1", True),
        ("/api/v1", True),
        ("/v1spaces", False),
        ("/api/", False),
        ("/login/", False),
        ("/guest/v1/", False),
    ],
)
def test_the_api_is_under_v1_and_api_v1(rf, path, api):
    assert is_api_request(rf.get(path)) is api


@pytest.mark.parametrize(
    ("path", "operation"),
    [
        ("/v1/spaces", "/v1/spaces"),
        ("/v1/spaces/", "/v1/spaces"),
        ("/api/v1/spaces/", "/v1/spaces"),
        ("/api/v1", "/v1"),
        ("/api/v2/spaces", "/api/v2/spaces"),
    ],
)
def test_an_operation_is_known_by_its_path_under_v1(path, operation):
    assert operation_path(path) == operation
