"""Who may call each account, environment, space and workbook endpoint, for every kind of
caller: one table, CASES, of every operation against the status each caller gets.

The callers (World.clients): an administrator's PAT and access token, a secret key of the
environment the objects are in and one of another environment of the same account, that
environment's publishable key, a space access token for the objects' space and one for
another space of the same environment, and another account's PAT and secret key. Another
account's ids answer exactly as unknown ids do. A refusal changes nothing (no audit event).

The other test_api_* modules import World and the helpers here."""

import json
from datetime import timedelta

import pytest
from django.http import Http404
from django.utils import timezone
from rest_framework.test import APIClient

from accounts import access
from accounts.api import callers
from accounts.models import Environment, Event, Space
from tests.factories import (
    SpaceFactory,
    WorkbookFactory,
    administrator_of,
    development,
    make_account,
    production,
)
from tests.tokens.conftest import user_access_token
from tokens import services as token_services
from tokens.models import ApiKey
from tokens.principal import Principal

NOT_FOUND = {"errors": [{"message": "Not found."}]}
INSUFFICIENT_SCOPE = 'Bearer error="insufficient_scope"'


def client_with(token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


def pat_for(user) -> str:
    return token_services.personal_access_token_create(user=user, name="script")[1]


def key_for(environment: Environment, key_type: str) -> str:
    """A fresh raw key of the environment (values exist only when a key is made)."""
    return token_services.api_key_roll(
        environment=environment, actor=administrator_of(environment.account), key_type=key_type
    ).raw


def space_token_for(space) -> str:
    """An access token for `space`, as POST /v1/spaces hands out with a publishable key."""
    key = (
        ApiKey.objects.filter(environment=space.environment, type=ApiKey.Type.PUBLISHABLE)
        .order_by("-created_at")
        .first()
    )
    return token_services.space_access_token_create(space=space, api_key_id=key.id)


def send(client: APIClient, method: str, path: str, body: dict | None = None):
    if body is None:
        return getattr(client, method)(path)
    return getattr(client, method)(path, json.dumps(body), content_type="application/json")


class World:
    """An account with spaces and workbooks in development and production, a third,
    empty environment, and another account with its own; a client per kind of caller."""

    def __init__(self):
        self.account = make_account(name="Acme")
        self.admin = administrator_of(self.account)
        self.dev, self.prod = development(self.account), production(self.account)
        self.empty = Environment.objects.create(account=self.account, name="staging")
        self.space = SpaceFactory(environment=self.dev, name="Imports")
        self.sibling_space = SpaceFactory(environment=self.dev, name="Exports")
        self.prod_space = SpaceFactory(environment=self.prod, name="Live")
        self.workbook = WorkbookFactory(space=self.space, name="Contacts")
        self.sibling_workbook = WorkbookFactory(space=self.sibling_space)
        self.prod_workbook = WorkbookFactory(space=self.prod_space)
        # A minute apart, in the order made: the clock alone may give two rows one moment.
        start = timezone.now() - timedelta(hours=1)
        for minutes, space in enumerate((self.space, self.sibling_space, self.prod_space)):
            Space.objects.filter(pk=space.pk).update(created_at=start + timedelta(minutes=minutes))
            space.refresh_from_db()

        self.other = make_account(name="Globex")
        self.other_dev = development(self.other)
        self.other_space = SpaceFactory(environment=self.other_dev)
        self.other_workbook = WorkbookFactory(space=self.other_space)

        self.publishable_key = key_for(self.dev, ApiKey.Type.PUBLISHABLE)
        self.tokens = {
            "pat": pat_for(self.admin),
            "access token": user_access_token(self.admin)[0],
            "secret key": key_for(self.dev, ApiKey.Type.SECRET),
            "secret key of another environment": key_for(self.prod, ApiKey.Type.SECRET),
            "publishable key": self.publishable_key,
            "space token": space_token_for(self.space),
            "space token of another space": space_token_for(self.sibling_space),
            "another account's pat": pat_for(administrator_of(self.other)),
            "another account's secret key": key_for(self.other_dev, ApiKey.Type.SECRET),
        }

    def client(self, caller: str) -> APIClient:
        return client_with(self.tokens[caller])


def test_the_kinds_of_caller_are_the_principals_kinds():
    # accounts cannot import tokens: the kinds are its Reach's, which Principal inherits,
    # and accounts.api.callers names them from there.
    assert issubclass(Principal, access.Reach)
    assert callers.ADMINISTRATORS == (Principal.USER,)
    assert callers.ENVIRONMENT_CALLERS == (Principal.USER, Principal.SECRET_KEY)
    assert callers.SPACE_CALLERS == (Principal.USER, Principal.SECRET_KEY, Principal.SPACE)


# The table ---------------------------------------------------------------------------------

CALLERS = (
    "pat",
    "access token",
    "secret key",
    "secret key of another environment",
    "publishable key",
    "space token",
    "space token of another space",
    "another account's pat",
    "another account's secret key",
)


def expect(*codes: int) -> dict[str, int]:
    assert len(codes) == len(CALLERS)
    return dict(zip(CALLERS, codes, strict=True))


# (label, method, path, body, expected status per caller). Paths and bodies name the
# World's objects: {dev}, {empty}, {space}, {workbook}. Another account answers an id of ours
# as unknown (404); on a route without one it meets its own account (200) or is refused as
# any caller of its kind would be.
CASES = [
    ("get account", "get", "/v1/accounts/current", None,
     expect(200, 200, 200, 200, 403, 403, 403, 200, 200)),
    ("update account", "patch", "/v1/accounts/current", {"name": "Acme Ltd"},
     expect(200, 200, 403, 403, 403, 403, 403, 200, 403)),
    ("list environments", "get", "/v1/environments", None,
     expect(200, 200, 200, 200, 403, 403, 403, 200, 200)),
    ("create environment", "post", "/v1/environments", {"name": "qa"},
     expect(201, 201, 403, 403, 403, 403, 403, 201, 403)),
    ("get environment", "get", "/v1/environments/{dev}", None,
     expect(200, 200, 200, 404, 403, 403, 403, 404, 404)),
    ("update environment", "patch", "/v1/environments/{dev}", {"metadata": {"a": 1}},
     expect(200, 200, 200, 404, 403, 403, 403, 404, 404)),
    ("delete environment", "delete", "/v1/environments/{empty}", None,
     expect(200, 200, 403, 403, 403, 403, 403, 404, 403)),
    ("list spaces", "get", "/v1/spaces", None,
     expect(200, 200, 200, 200, 403, 403, 403, 200, 200)),
    ("list spaces of an environment", "get", "/v1/spaces?environmentId={dev}", None,
     expect(200, 200, 200, 404, 403, 403, 403, 404, 404)),
    ("create space", "post", "/v1/spaces", {"environmentId": "{dev}", "name": "New"},
     expect(201, 201, 201, 404, 201, 403, 403, 404, 404)),
    ("get space", "get", "/v1/spaces/{space}", None,
     expect(200, 200, 200, 404, 403, 200, 404, 404, 404)),
    ("update space", "patch", "/v1/spaces/{space}", {"name": "Renamed"},
     expect(200, 200, 200, 404, 403, 200, 404, 404, 404)),
    ("delete space", "delete", "/v1/spaces/{space}", None,
     expect(200, 200, 200, 404, 403, 403, 403, 404, 404)),
    ("list workbooks", "get", "/v1/workbooks", None,
     expect(200, 200, 200, 200, 403, 200, 200, 200, 200)),
    ("list workbooks of a space", "get", "/v1/workbooks?spaceId={space}", None,
     expect(200, 200, 200, 404, 403, 200, 404, 404, 404)),
    ("create workbook", "post", "/v1/workbooks", {"spaceId": "{space}", "name": "Leads"},
     expect(201, 201, 201, 404, 403, 201, 404, 404, 404)),
    ("get workbook", "get", "/v1/workbooks/{workbook}", None,
     expect(200, 200, 200, 404, 403, 200, 404, 404, 404)),
    ("update workbook", "patch", "/v1/workbooks/{workbook}", {"labels": ["done"]},
     expect(200, 200, 200, 404, 403, 200, 404, 404, 404)),
    ("delete workbook", "delete", "/v1/workbooks/{workbook}", None,
     expect(200, 200, 200, 404, 403, 403, 403, 404, 404)),
]  # fmt: skip


def _filled(world: World, text: str) -> str:
    for name, value in {
        "{dev}": world.dev.id,
        "{empty}": world.empty.id,
        "{space}": world.space.id,
        "{workbook}": world.workbook.id,
    }.items():
        text = text.replace(name, value)
    return text


def matrix():
    for label, method, path, body, statuses in CASES:
        for caller, status in statuses.items():
            yield pytest.param(method, path, body, caller, status, id=f"{label}|{caller}")


@pytest.mark.parametrize(("method", "path", "body", "caller", "status"), list(matrix()))
def test_each_caller_gets_what_its_kind_may(world, method, path, body, caller, status):
    body = json.loads(_filled(world, json.dumps(body))) if body else None
    events = Event.objects.count()
    response = send(world.client(caller), method, _filled(world, path), body)
    assert response.status_code == status, response.content[:300]
    if status == 403:
        assert response["WWW-Authenticate"] == INSUFFICIENT_SCOPE
        assert Event.objects.count() == events
    if status == 404:
        # Exactly as for an id that does not exist, and nothing done.
        assert response.json() == NOT_FOUND
        assert Event.objects.count() == events


@pytest.mark.parametrize(
    "path",
    [
        "/v1/environments/us_env_doesnotexist",
        "/v1/spaces/us_sp_doesnotexist",
        "/v1/workbooks/us_wb_doesnotexist",
        "/v1/spaces?environmentId=us_env_doesnotexist",
        "/v1/workbooks?spaceId=us_sp_doesnotexist",
    ],
)
def test_an_unknown_id_is_the_same_404(world, path):
    response = world.client("pat").get(path)
    assert response.status_code == 404
    assert response.json() == NOT_FOUND


def test_no_credential_is_401(db):
    for method, path in [
        ("get", "/v1/accounts/current"),
        ("patch", "/v1/accounts/current"),
        ("post", "/v1/environments"),
        ("get", "/v1/spaces"),
        ("post", "/v1/spaces"),
        ("get", "/v1/workbooks"),
        ("delete", "/v1/workbooks/us_wb_x"),
    ]:
        response = getattr(APIClient(), method)(path)
        assert response.status_code == 401, path
        assert response["WWW-Authenticate"].startswith("Bearer")


# The narrowing in accounts.access ------------------------------------------------------------


def test_a_space_narrows_the_reach_to_itself(world):
    space, sibling = world.space, world.sibling_space
    reach = access.Reach(account=world.account, environment=world.dev, space=space)
    assert list(reach.spaces()) == [space]
    assert set(reach.workbooks()) == {world.workbook}
    assert access.space_within(reach, space.id) == space
    assert (
        access.workbook_within(access.Reach(account=world.account, space=space), world.workbook.id)
        == world.workbook
    )
    with pytest.raises(Http404):
        access.space_within(reach, sibling.id)
    with pytest.raises(Http404):
        access.workbook_within(reach, world.sibling_workbook.id)
    # The space alone does not widen anything: another account's space is still not reached.
    with pytest.raises(Http404):
        access.space_within(
            access.Reach(account=world.account, space=world.other_space), world.other_space.id
        )
