"""The API's error envelope, and that every response under /v1/ and /api/v1/ is in it."""

import json

import pytest
from django.core.exceptions import RequestDataTooBig
from django.test import RequestFactory
from rest_framework.test import APIClient

from accounts.api import accounts as accounts_api
from accounts.models import Event
from portal import api
from portal.api import camel_case, error_list
from tokens import services
from tokens.models import Secret


def test_field_errors_become_keyed_camel_case_entries():
    detail = {"environment_id": ["This field is required."], "name": ["Too long.", "Bad."]}
    assert error_list(detail) == [
        {"key": "environmentId", "message": "This field is required."},
        {"key": "name", "message": "Too long."},
        {"key": "name", "message": "Bad."},
    ]


def test_general_errors_have_no_key():
    assert error_list({"detail": "Not found."}) == [{"message": "Not found."}]
    assert error_list({"non_field_errors": ["Nope."]}) == [{"message": "Nope."}]
    assert error_list(["One.", "Two."]) == [{"message": "One."}, {"message": "Two."}]


def test_camel_case():
    assert camel_case("guest_authentication") == "guestAuthentication"
    assert camel_case("name") == "name"


# Every response under the API's prefixes is JSON in the envelope -----------------------------

PREFIXES = ["/v1", "/api/v1"]
NOT_FOUND = {"errors": [{"message": "Not found."}]}


def assert_envelope(response, status_code: int) -> list[dict]:
    assert response.status_code == status_code, response.content[:300]
    assert response["Content-Type"] == "application/json"
    errors = response.json()["errors"]
    assert errors and all(isinstance(error["message"], str) for error in errors)
    return errors


@pytest.fixture
def pat_client(admin_user):
    client = APIClient()
    client.credentials(
        HTTP_AUTHORIZATION="Bearer "
        + services.personal_access_token_create(user=admin_user, name="envelope")[1]
    )
    return client


@pytest.mark.parametrize("debug", [False, True], ids=["debug-off", "debug-on"])
@pytest.mark.parametrize("prefix", PREFIXES)
@pytest.mark.parametrize(
    "route",
    [
        "/nope",
        "/secrets/",  # a trailing slash on a real route
        "/auth/personal-access-tokens/",
        "/environments/us_env_x/",
        "/",
        "",
        "//secrets",
        "/v1/secrets",
    ],
)
def test_an_unknown_route_is_a_json_404(client, db, settings, debug, prefix, route):
    settings.DEBUG = debug  # Django's own 404 page lists every route when DEBUG is on
    for method in ("get", "post", "delete"):
        response = getattr(client, method)(prefix + route)
        assert_envelope(response, 404)
        assert response.json() == NOT_FOUND
        assert b"urlpatterns" not in response.content and b"<" not in response.content


def test_a_post_to_an_unknown_route_is_404_not_a_csrf_refusal(db):
    client = APIClient(enforce_csrf_checks=True)
    response = client.post("/v1/nope", {"a": 1}, format="json")
    assert response.json() == NOT_FOUND


@pytest.mark.parametrize("prefix", PREFIXES)
def test_a_wrong_method_is_a_json_405(client, pat_client, db, prefix):
    assert_envelope(client.get(f"{prefix}/auth"), 405)
    assert_envelope(pat_client.put(f"{prefix}/secrets", {}, format="json"), 405)
    assert_envelope(pat_client.patch(f"{prefix}/auth/personal-access-tokens"), 405)
    errors = assert_envelope(pat_client.put(f"{prefix}/environments"), 405)
    assert errors == [{"message": 'Method "PUT" not allowed.'}]


@pytest.mark.parametrize("debug", [False, True], ids=["debug-off", "debug-on"])
@pytest.mark.parametrize("prefix", PREFIXES)
def test_a_body_over_the_size_limit_is_a_json_413(pat_client, account, settings, debug, prefix):
    settings.DEBUG = debug
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1_000
    environment_id = account.environments.get(name="development").id
    big = {"name": "BIG", "value": "v" * 2_000, "environmentId": environment_id}
    events = Event.objects.count()
    response = pat_client.post(f"{prefix}/secrets", big, format="json")
    assert assert_envelope(response, 413) == [{"message": "The request body is too large."}]
    assert not Secret.objects.exists()
    assert Event.objects.count() == events
    # The auth endpoint reads its body before any check as well.
    response = pat_client.post(
        f"{prefix}/auth", {"email": "a@example.com", "password": "p" * 2_000}, format="json"
    )
    assert_envelope(response, 413)
    # Just under the limit is read as usual.
    small = {**big, "value": "v" * 500}
    assert pat_client.post(f"{prefix}/secrets", small, format="json").status_code == 200


@pytest.mark.parametrize("prefix", PREFIXES)
def test_too_many_query_parameters_is_a_json_400(pat_client, account, settings, prefix):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 5
    environment_id = account.environments.get(name="development").id
    padding = "&".join(f"p{number}=x" for number in range(10))
    response = pat_client.get(f"{prefix}/secrets?environmentId={environment_id}&{padding}")
    assert_envelope(response, 400)


@pytest.fixture
def failing_view(monkeypatch):
    def fail(self, request):
        raise RuntimeError("database password is hunter2")

    monkeypatch.setattr(accounts_api.CurrentAccount, "get", fail)


@pytest.mark.parametrize("debug", [False, True], ids=["debug-off", "debug-on"])
@pytest.mark.parametrize("prefix", PREFIXES)
def test_an_unhandled_exception_is_a_json_500_without_details(
    pat_client, settings, failing_view, caplog, debug, prefix
):
    settings.DEBUG = debug  # never the debug page, even in development
    pat_client.raise_request_exception = False
    response = pat_client.get(f"{prefix}/accounts/current")
    errors = assert_envelope(response, 500)
    assert errors == [{"message": api.SERVER_ERROR}]
    assert b"hunter2" not in response.content and b"Traceback" not in response.content
    # Logged once, as Django logs an uncaught exception: with its traceback.
    logged = [record for record in caplog.records if record.name == "django.request"]
    assert [(record.levelname, record.status_code) for record in logged] == [("ERROR", 500)]
    assert "hunter2" in str(logged[0].exc_info[1])


def test_an_unhandled_exception_still_reaches_the_test_client(pat_client, failing_view):
    # got_request_exception is sent, as Django sends it: tests see the real error.
    with pytest.raises(RuntimeError, match="hunter2"):
        pat_client.get("/v1/accounts/current")


# Django's error handlers: JSON under the API's prefixes, pages elsewhere ----------------------


@pytest.mark.parametrize("path", ["/v1/secrets", "/api/v1/auth", "/v1", "/api/v1"])
def test_django_error_handlers_answer_json_for_api_paths(path):
    request = RequestFactory().post(path)
    cases = [
        (api.bad_request(request, RequestDataTooBig("too big")), 413),
        (api.bad_request(request, ValueError("bad")), 400),
        (api.permission_denied(request, PermissionError()), 403),
        (api.page_not_found(request, Exception()), 404),
        (api.server_error(request), 500),
    ]
    for response, status_code in cases:
        assert response.status_code == status_code
        assert response["Content-Type"] == "application/json"
        assert json.loads(response.content)["errors"][0]["message"]


@pytest.mark.parametrize("path", ["/", "/personal-access-tokens/", "/v1x", "/api/v2/auth"])
def test_django_error_handlers_answer_pages_elsewhere(path):
    request = RequestFactory().get(path)
    for response in (
        api.bad_request(request, ValueError()),
        api.permission_denied(request, PermissionError()),
        api.page_not_found(request, Exception()),
        api.server_error(request),
    ):
        assert response["Content-Type"].startswith("text/html")


def test_the_root_urlconf_uses_them():
    from portal import urls

    assert urls.handler400 is api.bad_request
    assert urls.handler403 is api.permission_denied
    assert urls.handler404 is api.page_not_found
    assert urls.handler500 is api.server_error


def test_a_page_404_is_still_a_page(client, db):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


def test_an_error_deep_in_a_field_is_keyed_by_the_field_and_says_where():
    from portal.api import error_list

    detail = {
        "spaces": {0: {"id": ["Not found."]}, 2: ["Not a valid string."]},
        "non_field_errors": ["Bad."],
        "expires_in_days": ["Choose."],
        "settings": {"guests_can_invite": ["Must be true or false."]},
    }
    assert error_list(detail) == [
        {"key": "spaces", "message": "Item 1: id: Not found."},
        {"key": "spaces", "message": "Item 3: Not a valid string."},
        {"message": "Bad."},
        {"key": "expiresInDays", "message": "Choose."},
        {"key": "settings", "message": "guestsCanInvite: Must be true or false."},
    ]
