"""Bad input to the account, environment, space and workbook endpoints is a 4xx in the
envelope and changes nothing, for every field of every endpoint (the same method as
tests/tokens/test_bad_input.py, with the wrong values and helpers of tests/bad_input.py):
each field gets every wrong value, sent as raw JSON text, on SQLite and on PostgreSQL. Then
what the generic values cannot reach: wrong values inside metadata, settings and lists, and
the limits themselves (the largest value accepted, one more refused)."""

import json

import pytest

from accounts import serializers
from accounts.models import Account, Environment, Event, Space, Workbook
from tests import bad_input as shared
from tests.accounts.test_api_access import World
from tests.bad_input import Endpoint, Field

NAME = Field("name", '"   "')  # only spaces: empty once trimmed
OPTIONAL_NAME = Field("name", '"   "', required=False)
METADATA = Field("metadata", '"text"', accepts=("object",), required=False)
SETTINGS = Field("settings", '"text"', accepts=("object",), required=False)  # unknown keys ignored
IS_PROD = Field("isProd", '"true"', accepts=("true",), required=False)  # not the text
GUEST_AUTHENTICATION = Field("guestAuthentication", '"magic_link"', required=False)
LABELS = Field("labels", '"simple-demo"', accepts=("list",), required=False)  # ["a"] is fine

ENDPOINTS = (
    Endpoint(
        "PATCH /v1/accounts/current",
        "patch",
        "/v1/accounts/current",
        (serializers.AccountUpdateInput,),
        body={"name": "Acme 2", "metadata": {"a": 1}},
        fields=(OPTIONAL_NAME, METADATA),
    ),
    Endpoint(
        "POST /v1/environments",
        "post",
        "/v1/environments",
        (serializers.EnvironmentCreateInput,),
        body={"name": "qa", "isProd": True, "guestAuthentication": ["magic_link"], "metadata": {}},
        fields=(NAME, IS_PROD, GUEST_AUTHENTICATION, METADATA),
    ),
    Endpoint(
        "PATCH /v1/environments/{id}",
        "patch",
        "/v1/environments/{environment_id}",
        (serializers.EnvironmentUpdateInput,),
        body={"name": "dev", "isProd": True, "guestAuthentication": [], "metadata": {"a": 1}},
        fields=(OPTIONAL_NAME, IS_PROD, GUEST_AUTHENTICATION, METADATA),
    ),
    Endpoint(
        "GET /v1/spaces",
        "get",
        "/v1/spaces",
        (serializers.SpaceListQuery,),
        query={"environmentId": "{environment_id}"},
        fields=(Field("environmentId", "us_env_unknown", required=False),),
    ),
    Endpoint(
        "POST /v1/spaces",
        "post",
        "/v1/spaces",
        (serializers.SpaceCreateInput,),
        body={
            "environmentId": "{environment_id}",
            "name": "New",
            "metadata": {"a": 1},
            "settings": {"guestsCanInvite": False},
        },
        fields=(Field("environmentId", '"us_env_unknown"'), NAME, METADATA, SETTINGS),
    ),
    Endpoint(
        "PATCH /v1/spaces/{id}",
        "patch",
        "/v1/spaces/{space_id}",
        (serializers.SpaceUpdateInput,),
        body={"name": "Renamed", "metadata": {"a": 1}, "settings": {"guestsCanInvite": False}},
        fields=(OPTIONAL_NAME, METADATA, SETTINGS),
    ),
    Endpoint(
        "GET /v1/workbooks",
        "get",
        "/v1/workbooks",
        (serializers.WorkbookListQuery,),
        query={"spaceId": "{space_id}"},
        fields=(Field("spaceId", "us_sp_unknown", required=False),),
    ),
    Endpoint(
        "POST /v1/workbooks",
        "post",
        "/v1/workbooks",
        (serializers.WorkbookCreateInput,),
        body={"spaceId": "{space_id}", "name": "Leads", "labels": ["a"]},
        fields=(Field("spaceId", '"us_sp_unknown"'), NAME, LABELS),
    ),
    Endpoint(
        "PATCH /v1/workbooks/{id}",
        "patch",
        "/v1/workbooks/{workbook_id}",
        (serializers.WorkbookUpdateInput,),
        body={"name": "People", "labels": ["b"]},
        fields=(OPTIONAL_NAME, LABELS),
    ),
)


@pytest.fixture
def world(db):
    world = World()
    world.values = {
        "environment_id": world.dev.id,
        "space_id": world.space.id,
        "workbook_id": world.workbook.id,
    }
    return world


@pytest.fixture
def client(world):
    client = world.client("pat")
    client.raise_request_exception = False  # a 500 is a failure to report, not to raise
    return client


def rows() -> dict:
    """Everything these endpoints could write, in full."""
    return {
        "accounts": sorted(Account.objects.values_list("pk", "name", "metadata")),
        "environments": sorted(
            Environment.objects.values_list(
                "pk", "name", "is_prod", "guest_authentication", "metadata"
            )
        ),
        "spaces": sorted(Space.objects.values_list("pk", "name", "metadata", "guests_can_invite")),
        "workbooks": sorted(Workbook.objects.values_list("pk", "name", "labels")),
        "events": sorted(Event.objects.values_list("pk", flat=True)),
    }


@pytest.mark.parametrize(("endpoint", "name", "raw"), list(shared.field_cases(ENDPOINTS)))
def test_each_wrong_value_of_each_field_is_refused(client, world, endpoint, name, raw):
    before = rows()
    response = shared.send_wrong_value(client, endpoint, world.values, name, raw)
    shared.assert_refused_in_the_envelope(response, name)
    assert rows() == before


@pytest.mark.parametrize(("endpoint", "kind"), list(shared.body_cases(ENDPOINTS)))
def test_a_body_that_is_not_a_json_object_is_refused(client, world, endpoint, kind):
    before = rows()
    response = shared.send(client, endpoint, world.values, body=shared.WRONG_BODIES[kind])
    shared.assert_refused_in_the_envelope(response, None)
    assert rows() == before


@pytest.mark.parametrize(
    "endpoint", [pytest.param(endpoint, id=endpoint.label) for endpoint in ENDPOINTS]
)
def test_each_valid_request_is_accepted(client, world, endpoint):
    shared.assert_the_valid_request_is_accepted(client, endpoint, world.values)


def test_the_table_covers_every_input_field():
    shared.assert_the_table_covers_every_input_field(ENDPOINTS)


# Inside the values ------------------------------------------------------------------------------

DEEP = serializers.METADATA_MAX_DEPTH
INSIDE = {
    # field: {label: (raw JSON text, accepted?)}
    "metadata": {
        "NUL in a value": ('{"a": "x\\u0000y"}', False),
        "NUL in a key": ('{"\\u0000": 1}', False),
        "lone surrogate in a list": ('{"a": ["\\ud800"]}', False),
        "lone surrogate in a key": ('{"\\udfff": 1}', False),
        "infinity": ('{"a": 1e400}', False),
        "minus infinity": ('{"a": {"b": -1e400}}', False),
        "too deep": ('{"a":' * DEEP + "1" + "}" * DEEP, False),
        "as deep as allowed": ('{"a":' * (DEEP - 1) + "1" + "}" * (DEEP - 1), True),
        "too large": (json.dumps({"a": "x" * serializers.METADATA_MAX_CHARACTERS}), False),
        "as large as allowed": (
            json.dumps({"a": "x" * (serializers.METADATA_MAX_CHARACTERS - 8)}),
            True,
        ),
        "an emoji and a pair of surrogates": ('{"a": "\\ud83d\\ude00 😀"}', True),
    },
    "settings": {
        "guestsCanInvite as text": ('{"guestsCanInvite": "false"}', False),
        "guestsCanInvite as a number": ('{"guestsCanInvite": 0}', False),
        "guestsCanInvite null": ('{"guestsCanInvite": null}', False),
    },
    "labels": {
        "a number": ('["a", 5]', False),
        "null": ('["a", null]', False),
        "only spaces": ('["   "]', False),
        "NUL": ('["a\\u0000"]', False),
        "lone surrogate": ('["\\ud800"]', False),
        "too long": (json.dumps(["x" * 256]), False),
        "as long as allowed": (json.dumps(["x" * 255]), True),
        "too many": (json.dumps(["x"] * (serializers.LABELS_MAX_COUNT + 1)), False),
        "as many as allowed": (json.dumps(["x"] * serializers.LABELS_MAX_COUNT), True),
    },
    "guestAuthentication": {
        "an unknown way": ('["magic_link", "password"]', False),
        "null": ("[null]", False),
        "too many": (json.dumps(["magic_link"] * 11), False),
        "none at all": ("[]", True),
    },
    "isProd": {"one": ("1", False), "zero": ("0", False)},
}


def inside_cases():
    for endpoint in ENDPOINTS:
        if endpoint.body is None:
            continue
        for input_field in endpoint.fields:
            for label, (raw, accepted) in INSIDE.get(input_field.name, {}).items():
                yield pytest.param(
                    endpoint,
                    input_field.name,
                    raw,
                    accepted,
                    id=f"{endpoint.label}|{input_field.name}|{label}",
                )


@pytest.mark.parametrize(("endpoint", "name", "raw", "accepted"), list(inside_cases()))
def test_values_inside_metadata_settings_and_lists(client, world, endpoint, name, raw, accepted):
    before = rows()
    body = shared.json_text(shared.filled(endpoint.body, world.values), name, raw)
    response = shared.send(client, endpoint, world.values, body=body)
    if accepted:
        assert 200 <= response.status_code < 300, response.content[:300]
    else:
        shared.assert_refused_in_the_envelope(response, name)
        assert response.status_code == 400
        assert rows() == before


def test_an_item_of_a_list_is_named_in_the_message(client, world):
    body = {"spaceId": world.space.id, "name": "Leads", "labels": ["ok", "a\x00b"]}
    response = client.post("/v1/workbooks", body, format="json")
    assert response.status_code == 400
    assert response.json() == {
        "errors": [{"key": "labels", "message": "Item 2: Null characters are not allowed."}]
    }


@pytest.mark.parametrize("wrong", shared.PATH_IDS, ids=list(shared.PATH_IDS))
@pytest.mark.parametrize(
    ("method", "route"),
    [
        ("get", "/v1/environments/{}"),
        ("patch", "/v1/environments/{}"),
        ("delete", "/v1/environments/{}"),
        ("get", "/v1/spaces/{}"),
        ("patch", "/v1/spaces/{}"),
        ("delete", "/v1/spaces/{}"),
        ("get", "/api/v1/workbooks/{}"),
        ("patch", "/v1/workbooks/{}"),
        ("delete", "/v1/workbooks/{}"),
    ],
)
def test_an_id_in_the_path_that_no_id_can_be_is_404(client, world, method, route, wrong):
    before = rows()
    response = getattr(client, method)(route.format(shared.PATH_IDS[wrong]))
    assert response.status_code == 404
    assert response.json() == {"errors": [{"message": "Not found."}]}
    assert rows() == before


@pytest.mark.parametrize("path", ["/v1/environments", "/v1/spaces", "/v1/workbooks"])
@pytest.mark.parametrize(
    "query", ["pageSize=0", "pageSize=-1", "pageNumber=0", "pageSize=x", "pageNumber=1.5"]
)
def test_a_page_out_of_range_is_refused(client, world, path, query):
    response = client.get(f"{path}?{query}")
    assert response.status_code == 400
    assert response.json()["errors"][0]["key"] in ("pageSize", "pageNumber")


def test_a_page_past_the_last_is_empty(client, world):
    body = client.get("/v1/spaces?pageNumber=99").json()
    assert body == {
        "data": [],
        "pagination": {"currentPage": 99, "pageCount": 1, "totalCount": 3},
    }
