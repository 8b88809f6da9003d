"""A credential narrowed to one space (or one environment) acts there and nowhere else: every
operation each narrowed credential may call, against its own space, a space beside it, and a
space it was never given.

The credentials: a guest access token made for one space (`?spaceId=`) and one made for all
the guest's spaces, a publishable key's space access token, a secret key (one environment)
and a publishable key. The spaces: `own` (the one the token was made for), `granted` (the
guest's other space, in the same environment), `never` (same environment, never granted to
the guest) and `elsewhere` (another environment of the same account).

Out of reach is answered as the API answers an unknown id, a 404 that says nothing more; a
list leaves the space out. A refusal changes nothing: no row, no audit event, no mail."""

import json
import re
from types import SimpleNamespace

import pytest
from drf_spectacular.generators import EndpointEnumerator

from accounts.models import Event, Space, Workbook
from guests import services
from guests.models import Guest, MagicLink, SpaceGrant, WorkbookGrant
from portal.api import InsufficientScope
from tests.accounts.test_api_access import key_for, space_token_for
from tests.factories import SpaceFactory, WorkbookFactory, production
from tests.guests.conftest import BOTH_METHODS, bearer_client, make_guest
from tokens.models import ApiKey, Secret
from tokens.principal import Principal

NOT_FOUND = {"errors": [{"message": "Not found."}]}

ALLOWED, REFUSED = "allowed", "refused"

# Every operation a narrowed credential may call, naming its target: {space} (a space), its
# {workbook}, {invitee} (a guest of the space's environment granted it) and its {environment}.
# A "listed" operation names no space: it reaches the space when the list shows it.
OPERATIONS = {
    "list spaces": ("get", "/v1/spaces", None),
    "get space": ("get", "/v1/spaces/{space}", None),
    "update space": ("patch", "/v1/spaces/{space}", {"name": "Renamed"}),
    "create space": ("post", "/v1/spaces", {"environmentId": "{environment}", "name": "New"}),
    "list workbooks": ("get", "/v1/workbooks", None),
    "list workbooks of a space": ("get", "/v1/workbooks?spaceId={space}", None),
    "create workbook": ("post", "/v1/workbooks", {"spaceId": "{space}", "name": "Leads"}),
    "get workbook": ("get", "/v1/workbooks/{workbook}", None),
    "update workbook": ("patch", "/v1/workbooks/{workbook}", {"labels": ["done"]}),
    "invite": ("post", "/v1/invitations", [{"guestId": "{invitee}", "spaceId": "{space}"}]),
    "list guests of a space": ("get", "/v1/guests?spaceId={space}", None),
    "create guest": (
        "post",
        "/v1/guests",
        {
            "environmentId": "{environment}",
            "email": "new@example.com",
            "name": "New",
            "spaces": [{"id": "{space}"}],
        },
    ),
    "update guest's spaces": ("patch", "/v1/guests/{invitee}", {"spaces": [{"id": "{space}"}]}),
    "remove guest from space": ("delete", "/v1/guests/{invitee}?spaceId={space}", None),
    "guest token for a space": ("get", "/v1/guests/{invitee}/token?spaceId={space}", None),
    "list secrets of a space": ("get", "/v1/secrets?spaceId={space}", None),
    "set a space's secret": (
        "post",
        "/v1/secrets",
        {"spaceId": "{space}", "name": "N", "value": "v"},
    ),
}
ANY_ID = re.compile(r"\{[^}]+\}")
LISTED = {"list spaces": "space", "list workbooks": "workbook"}

GUEST_OPERATIONS = (
    "list spaces",
    "get space",
    "list workbooks",
    "list workbooks of a space",
    "get workbook",
    "invite",
)
# The space token's and the secret key's spaces and workbooks operations are in
# tests/accounts/test_api_access.py's matrix too; here beside the guests' and the secrets'.
SPACE_TOKEN_OPERATIONS = (
    "get space",
    "update space",
    "list workbooks",
    "list workbooks of a space",
    "create workbook",
    "get workbook",
    "update workbook",
)
SECRET_KEY_OPERATIONS = (
    "invite",
    "list guests of a space",
    "create guest",
    "update guest's spaces",
    "remove guest from space",
    "guest token for a space",
    "list secrets of a space",
    "set a space's secret",
)

# Credential -> {target space: allowed or refused}, and the operations it may call.
CREDENTIALS = {
    "guest token for its space": (
        {"own": ALLOWED, "granted": REFUSED, "never": REFUSED},
        GUEST_OPERATIONS,
    ),
    "guest token for all its spaces": (
        {"own": ALLOWED, "granted": ALLOWED, "never": REFUSED},
        GUEST_OPERATIONS,
    ),
    "space token": (
        {"own": ALLOWED, "granted": REFUSED, "elsewhere": REFUSED},
        SPACE_TOKEN_OPERATIONS,
    ),
    "secret key": ({"own": ALLOWED, "elsewhere": REFUSED}, SECRET_KEY_OPERATIONS),
    "publishable key": ({"own": ALLOWED, "elsewhere": REFUSED}, ("create space",)),
}


def guest_token(guest, space=None) -> str:
    return services.guest_access_token_create(guest=guest, space=space)[0]


class World:
    def __init__(self, environment):
        self.environment = environment
        self.prod = production(environment.account)
        self.prod.guest_authentication = BOTH_METHODS
        self.prod.save(update_fields=["guest_authentication"])
        self.spaces = {
            "own": SpaceFactory(environment=environment, name="Own"),
            "granted": SpaceFactory(environment=environment, name="Granted"),
            "never": SpaceFactory(environment=environment, name="Never granted"),
            "elsewhere": SpaceFactory(environment=self.prod, name="Elsewhere"),
        }
        self.workbooks = {name: WorkbookFactory(space=s) for name, s in self.spaces.items()}
        own, granted, never = (self.spaces[name] for name in ("own", "granted", "never"))
        self.guest = make_guest(environment, spaces=[own, granted])
        # Someone to invite to each space, granted it: a refusal is the caller's reach, never
        # the invitee's.
        self.invitees = {
            environment.pk: make_guest(
                environment, email="invitee@example.com", spaces=[own, granted, never]
            ),
            self.prod.pk: make_guest(
                self.prod, email="invitee@example.com", spaces=[self.spaces["elsewhere"]]
            ),
        }
        self.tokens = {
            "guest token for its space": guest_token(self.guest, own),
            "guest token for all its spaces": guest_token(self.guest),
            "publishable key": key_for(environment, ApiKey.Type.PUBLISHABLE),
            "space token": space_token_for(own),
            "secret key": key_for(environment, ApiKey.Type.SECRET),
        }

    def filled(self, value, target: str):
        space = self.spaces[target]
        text = json.dumps(value)
        for name, filler in {
            "{space}": space.id,
            "{workbook}": self.workbooks[target].id,
            "{invitee}": self.invitees[space.environment_id].id,
            "{environment}": space.environment_id,
        }.items():
            text = text.replace(name, filler)
        return json.loads(text)

    def state(self) -> dict:
        """What a refused call must leave as it was."""
        return {
            model.__name__: model.objects.count()
            for model in (
                Event,
                MagicLink,
                Guest,
                SpaceGrant,
                WorkbookGrant,
                Space,
                Workbook,
                Secret,
            )
        }


@pytest.fixture
def world(environment):
    return World(environment)  # guests.conftest's environment: magic links allowed


def matrix():
    for credential, (targets, operations) in CREDENTIALS.items():
        for operation in operations:
            for target, outcome in targets.items():
                yield pytest.param(
                    credential, operation, target, outcome, id=f"{credential}|{operation}|{target}"
                )


@pytest.mark.parametrize(("credential", "operation", "target", "outcome"), list(matrix()))
def test_a_narrowed_credential_acts_only_within_its_reach(
    world, credential, operation, target, outcome, mailoutbox, django_capture_on_commit_callbacks
):
    method, path, body = OPERATIONS[operation]
    path = world.filled(path, target)
    client = bearer_client(world.tokens[credential])
    before = world.state()
    with django_capture_on_commit_callbacks(execute=True):
        if body is None:
            response = getattr(client, method)(path)
        else:
            response = getattr(client, method)(
                path, json.dumps(world.filled(body, target)), content_type="application/json"
            )

    if operation in LISTED:
        assert response.status_code == 200, response.content[:300]
        listed = {row["id"] for row in response.json()["data"]}
        shown = getattr(world, f"{LISTED[operation]}s")[target].id
        assert (shown in listed) == (outcome == ALLOWED), listed
        return
    if outcome == ALLOWED:
        assert response.status_code in (200, 201), response.content[:300]
        if operation == "invite":
            assert [mail.to for mail in mailoutbox] == [["invitee@example.com"]]
        return
    assert response.status_code == 404, response.content[:300]
    assert response.json() == NOT_FOUND
    assert world.state() == before
    assert mailoutbox == []


def _operations_admitting(kind: str) -> set[tuple[str, str]]:
    """(method, path) of every API operation that reads a bearer credential and whose
    permissions admit a caller of `kind`, asked of the views themselves, ids written `{}`.
    An operation that reads no credential (POST /v1/auth, the schema) acts for nobody."""
    admitted = set()
    principal = Principal(kind=kind, id="us_x", account_id="us_acc_x", account=None)
    for path, _regex, method, callback in EndpointEnumerator().get_api_endpoints():
        request = SimpleNamespace(user=principal, method=method, path=path)
        view = callback.cls(**callback.initkwargs)
        view.request = request
        if not view.get_authenticators():
            continue
        try:
            if all(p.has_permission(request, view) for p in view.get_permissions()):
                admitted.add((method, ANY_ID.sub("{}", path)))
        except InsufficientScope:
            pass
    return admitted


@pytest.mark.parametrize(
    ("kind", "operations"),
    [(Principal.GUEST, GUEST_OPERATIONS), (Principal.SPACE, SPACE_TOKEN_OPERATIONS)],
)
def test_every_operation_a_space_narrowed_token_may_call_is_in_the_matrix(kind, operations):
    """A new endpoint a guest or space token may call joins the matrix above, or this fails."""
    in_matrix = {
        (OPERATIONS[name][0].upper(), ANY_ID.sub("{}", OPERATIONS[name][1].split("?")[0]))
        for name in operations
    }
    assert _operations_admitting(kind) == in_matrix
