"""Bad input to the guest and invitation endpoints is a 4xx in the envelope and changes
nothing, for every field of every endpoint: the method of tests/tokens/test_bad_input.py,
with the wrong values and helpers of tests/bad_input.py (each field gets every wrong value,
sent as raw JSON text, on SQLite and on PostgreSQL). Then what the generic values cannot
reach: wrong values inside `spaces`, and the limits on how much one request may ask for."""

import json

import pytest
from rest_framework.test import APIClient

from accounts.models import Event
from guests import serializers
from guests.models import Guest, MagicLink, SharedLink, SpaceGrant, WorkbookGrant
from tests import bad_input as shared
from tests.bad_input import Endpoint, Field
from tests.factories import SpaceFactory, WorkbookFactory, development
from tests.guests.conftest import BOTH_METHODS, make_guest
from tests.tokens.conftest import bearer
from tokens import services as token_services

EMAIL = Field("email", '"not-an-email"')
NAME = Field("name", '"   "')  # only spaces: empty once trimmed
SPACES = Field("spaces", '"text"')
# A query's email is any text: an address matched exactly, which other text never is.
QUERY_EMAIL = Field(
    "email",
    accepts=("number", "object", "null", "true", "huge number", "lone surrogate"),
    required=False,
)

ENDPOINTS = (
    Endpoint(
        "POST /v1/guests",
        "post",
        "/v1/guests",
        (serializers.GuestCreateInput,),
        body={
            "environmentId": "{environment_id}",
            "email": "new@example.com",
            "name": "New Guest",
            "spaces": [{"id": "{space_id}"}],
        },
        fields=(Field("environmentId", '"us_env_unknown"'), EMAIL, NAME, SPACES),
    ),
    Endpoint(
        "PATCH /v1/guests/{id}",
        "patch",
        "/v1/guests/{guest_id}",
        (serializers.GuestUpdateInput,),
        body={
            "environmentId": "{environment_id}",
            "email": "renamed@example.com",
            "name": "Renamed",
            "spaces": [{"id": "{space_id}"}],
        },
        fields=(
            Field("environmentId", '"us_env_unknown"', required=False),
            Field("email", '"not-an-email"', required=False),
            Field("name", '"   "', required=False),
            Field("spaces", '"text"', required=False),
        ),
    ),
    Endpoint(
        "POST /v1/invitations",
        "post",
        "/v1/invitations",
        (serializers.InvitationInput,),
        body={
            "guestId": "{guest_id}",
            "spaceId": "{space_id}",
            "fromName": "Ada",
            "message": "Welcome.",
        },
        fields=(
            Field("guestId", '"us_g_unknown"'),
            Field("spaceId", '"us_sp_unknown"'),
            Field("fromName", '"Ada\\nBcc: someone@example.com"', required=False),
            Field("message", required=False),
        ),
    ),
    Endpoint(
        "GET /v1/guests",
        "get",
        "/v1/guests",
        (serializers.GuestListQuery,),
        query={"environmentId": "{environment_id}", "spaceId": "{space_id}", "email": "a@b.co"},
        fields=(
            Field("environmentId", "us_env_unknown", required=False),
            Field("spaceId", "us_sp_unknown", required=False),
            QUERY_EMAIL,
        ),
    ),
    Endpoint(
        "DELETE /v1/guests/{id}?spaceId=",
        "delete",
        "/v1/guests/{guest_id}",
        (serializers.GuestSpaceQuery,),
        query={"spaceId": "{space_id}"},
        fields=(Field("spaceId", "us_sp_unknown", required=False),),
    ),
    Endpoint(
        "GET /v1/guests/{id}/token",
        "get",
        "/v1/guests/{guest_id}/token",
        (serializers.GuestSpaceQuery,),
        query={"spaceId": "{space_id}"},
        fields=(Field("spaceId", "us_sp_unknown", required=False),),
    ),
)


@pytest.fixture
def world(account, admin_user):
    environment = development(account)
    environment.guest_authentication = BOTH_METHODS
    environment.save()
    space = SpaceFactory(environment=environment)
    WorkbookFactory(space=space)
    guest = make_guest(environment, spaces=[space])
    return {"environment_id": environment.id, "space_id": space.id, "guest_id": guest.id}


@pytest.fixture
def client(admin_user):
    pat = token_services.personal_access_token_create(user=admin_user, name="script")[1]
    client = bearer(APIClient(), pat)
    client.raise_request_exception = False  # a 500 is a failure to report, not to raise
    return client


def rows() -> dict:
    """Everything these endpoints could write, in full."""
    return {
        "guests": sorted(Guest.objects.values_list("pk", "email", "name")),
        "grants": sorted(
            SpaceGrant.objects.values_list("guest", "space", "all_workbooks", "last_accessed_at")
        ),
        "workbook grants": sorted(WorkbookGrant.objects.values_list("guest", "workbook")),
        "links": sorted(MagicLink.objects.values_list("pk", "used_at", "revoked_at")),
        "shared links": sorted(SharedLink.objects.values_list("pk", "token_digest")),
        "events": sorted(Event.objects.values_list("pk", flat=True)),
    }


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


# Inside `spaces`, and the limits -----------------------------------------------------------------


def create_body(world, **changes) -> dict:
    return {
        "environmentId": world["environment_id"],
        "email": "new@example.com",
        "name": "New",
        "spaces": [{"id": world["space_id"]}],
        **changes,
    }


@pytest.mark.parametrize(
    ("spaces", "status"),
    [
        ([{}], 400),
        (["us_sp_x"], 400),
        ([{"id": 5}], 400),
        ([{"id": None}], 400),
        ([{"id": "a\u0000b"}], 400),
        ([{"id": "x" * 41}], 400),
        ([{"id": "{space_id}", "workbooks": "all"}], 400),
        ([{"id": "{space_id}", "workbooks": [{"id": 5}]}], 400),
        ([{"id": "{space_id}", "workbooks": ["us_wb_x"]}], 400),
        ([{"id": "{space_id}", "workbooks": [{}]}], 400),
        ([{"id": "{space_id}", "workbooks": [{"id": "us_wb_unknown"}]}], 404),
        ([{"id": "{space_id}"}, {"id": "{space_id}"}], 400),  # the same space twice
        ([{"id": "{space_id}", "workbooks": None}], 201),  # null: the whole space
    ],
)
def test_values_inside_spaces(client, world, spaces, status):
    before = rows()
    spaces = shared.filled(spaces, world)
    body = json.dumps(create_body(world, spaces=spaces))
    response = shared.send(client, ENDPOINTS[0], world, body=body)
    assert response.status_code == status, response.content
    if status != 201:
        shared.assert_refused_in_the_envelope(response, "spaces" if status == 400 else None)
        assert rows() == before


def test_an_item_of_a_list_is_named_in_the_message(client, world):
    body = [create_body(world), create_body(world, email="nope")]
    response = shared.send(client, ENDPOINTS[0], world, body=json.dumps(body))
    assert response.status_code == 400
    assert response.json()["errors"] == [
        {"key": "email", "message": "Item 2: Enter a valid email address."}
    ]


@pytest.mark.parametrize(
    ("make_body", "endpoint"),
    [
        (lambda world: [], 0),
        (lambda world: [create_body(world, email=f"g{n}@example.com") for n in range(101)], 0),
        (lambda world: create_body(world, spaces=[{"id": world["space_id"]}] * 1001), 0),
        (
            lambda world: create_body(
                world, spaces=[{"id": world["space_id"], "workbooks": [{"id": "us_wb_x"}] * 1001}]
            ),
            0,
        ),
        (lambda world: [], 2),
        (lambda world: [{"guestId": world["guest_id"], "spaceId": world["space_id"]}] * 101, 2),
    ],
    ids=[
        "no guests",
        "101 guests",
        "1001 spaces",
        "1001 workbooks",
        "no invitations",
        "101 invitations",
    ],
)
def test_one_request_asks_for_a_bounded_amount(client, world, make_body, endpoint):
    before = rows()
    body = json.dumps(make_body(world))
    response = shared.send(client, ENDPOINTS[endpoint], world, body=body)
    assert response.status_code == 400, response.content[:300]
    shared.assert_refused_in_the_envelope(response, None)
    assert rows() == before


@pytest.mark.parametrize("wrong", shared.PATH_IDS, ids=list(shared.PATH_IDS))
@pytest.mark.parametrize(
    ("method", "route"),
    [("get", "/v1/guests/{}"), ("delete", "/v1/guests/{}"), ("get", "/v1/guests/{}/token")],
)
def test_an_id_in_the_path_that_no_id_can_be_is_404(client, world, method, route, wrong):
    before = rows()
    response = getattr(client, method)(route.format(shared.PATH_IDS[wrong]))
    assert response.status_code == 404
    assert response.json() == {"errors": [{"message": "Not found."}]}
    assert rows() == before
