"""The guest endpoints in the contract's (and the SDK's) shapes, who may call them, and what
a guest's own access token reaches over the rest of the API."""

import json

import pytest
from django.utils import timezone

from accounts.models import Event, GuestAuthentication, Space
from guests import services
from guests.models import Guest, MagicLink, SpaceGrant, WorkbookGrant
from tests.accounts.test_api_access import key_for, pat_for, space_token_for
from tests.factories import (
    SpaceFactory,
    WorkbookFactory,
    administrator_of,
    development,
    make_account,
    production,
)
from tests.guests.conftest import bearer_client, make_guest, token_in
from tokens import access_tokens
from tokens.models import ApiKey

NOT_FOUND = {"errors": [{"message": "Not found."}]}


@pytest.fixture
def api(admin_user):
    return bearer_client(pat_for(admin_user))


def post(client, path, body):
    return client.post(path, json.dumps(body), content_type="application/json")


def patch(client, path, body):
    return client.patch(path, json.dumps(body), content_type="application/json")


def guest_token(guest, space=None) -> str:
    return services.guest_access_token_create(guest=guest, space=space)[0]


# POST /v1/guests -------------------------------------------------------------------------------


def test_the_seeds_create_snippet_makes_a_single_workbook_guest(api, environment, space, workbooks):
    # The seed's own `api.guests.create({...})`: one object, not a list.
    response = post(
        api,
        "/v1/guests",
        {
            "environmentId": environment.id,
            "email": "guest@example.com",
            "name": "Mr. Guest",
            "spaces": [{"id": space.id, "workbooks": [{"id": workbooks[0].id}]}],
        },
    )
    assert response.status_code == 201, response.content
    (guest,) = response.json()["data"]
    stored = Guest.objects.get()
    assert guest == {
        "id": stored.id,
        "environmentId": environment.id,
        "email": "guest@example.com",
        "name": "Mr. Guest",
        "spaces": [{"id": space.id, "workbooks": [{"id": workbooks[0].id}]}],
        "createdAt": guest["createdAt"],
        "updatedAt": guest["updatedAt"],
    }
    assert guest["createdAt"].endswith("Z")
    assert stored.id.startswith("us_g_")


def test_a_list_of_guests_is_made_together(api, environment, space, other_space):
    response = post(
        api,
        "/v1/guests",
        [
            {
                "environmentId": environment.id,
                "email": "a@example.com",
                "name": "A",
                "spaces": [{"id": space.id}, {"id": other_space.id, "workbooks": []}],
            },
            {
                "environmentId": environment.id,
                "email": "b@example.com",
                "name": "B",
                "spaces": [
                    {
                        "id": space.id,
                        "sheets": [{"id": "us_sh_x"}],
                        "lastAccessed": "2023-10-30T16:59:45.735Z",
                    }
                ],
            },
        ],
    )
    assert response.status_code == 201, response.content
    data = response.json()["data"]
    assert [guest["email"] for guest in data] == ["a@example.com", "b@example.com"]
    assert data[0]["spaces"] == [{"id": space.id}, {"id": other_space.id}]
    # What a caller sends as lastAccessed is not taken: the guest has not opened it.
    assert data[1]["spaces"] == [{"id": space.id}]


def test_creating_an_existing_email_reuses_the_guest(api, environment, guest, space):
    response = post(
        api,
        "/v1/guests",
        {"environmentId": environment.id, "email": "GUEST@example.com", "name": "X", "spaces": []},
    )
    assert response.status_code == 201
    assert response.json()["data"][0]["id"] == guest.id
    assert Guest.objects.count() == 1


def test_one_bad_guest_and_none_is_made(api, environment, space):
    response = post(
        api,
        "/v1/guests",
        [
            {
                "environmentId": environment.id,
                "email": "a@example.com",
                "name": "A",
                "spaces": [{"id": space.id}],
            },
            {
                "environmentId": environment.id,
                "email": "b@example.com",
                "name": "B",
                "spaces": [{"id": "us_sp_unknown"}],
            },
        ],
    )
    assert response.status_code == 404
    assert not Guest.objects.exists()
    assert not Event.objects.filter(topic__startswith="guest:").exists()


def test_another_accounts_space_or_workbook_is_not_found(api, environment, space):
    other = make_account(name="Globex")
    their_space = SpaceFactory(environment=development(other))
    their_workbook = WorkbookFactory(space=their_space)
    for spaces in (
        [{"id": their_space.id}],
        [{"id": space.id, "workbooks": [{"id": their_workbook.id}]}],
    ):
        response = post(
            api,
            "/v1/guests",
            {
                "environmentId": environment.id,
                "email": "a@example.com",
                "name": "A",
                "spaces": spaces,
            },
        )
        assert response.status_code == 404
        assert response.json() == NOT_FOUND
    response = post(
        api,
        "/v1/guests",
        {
            "environmentId": development(other).id,
            "email": "a@example.com",
            "name": "A",
            "spaces": [],
        },
    )
    assert response.status_code == 404
    assert not Guest.objects.exists()


def test_a_space_of_another_environment_or_a_workbook_of_another_space_is_bad_input(
    api, account, environment, space, other_space, workbooks
):
    prod_space = SpaceFactory(environment=production(account))
    for spaces, message in (
        ([{"id": prod_space.id}], f"Space {prod_space.id} is not in this guest's environment."),
        (
            [{"id": other_space.id, "workbooks": [{"id": workbooks[0].id}]}],
            f"Workbook {workbooks[0].id} is not in space {other_space.id}.",
        ),
    ):
        response = post(
            api,
            "/v1/guests",
            {
                "environmentId": environment.id,
                "email": "a@example.com",
                "name": "A",
                "spaces": spaces,
            },
        )
        assert response.status_code == 400
        assert response.json() == {"errors": [{"key": "spaces", "message": message}]}
    assert not Guest.objects.exists()


# GET /v1/guests --------------------------------------------------------------------------------


def test_guests_are_listed_by_space_email_or_environment(
    api, account, environment, guest, space, other_space
):
    alone = make_guest(environment, email="alone@example.com", spaces=[other_space])
    prod_guest = make_guest(production(account), email="prod@example.com")

    def listed(query=""):
        response = api.get(f"/v1/guests{query}")
        assert response.status_code == 200, response.content
        return [g["email"] for g in response.json()["data"]]

    assert listed() == ["guest@example.com", "alone@example.com", "prod@example.com"]
    assert listed(f"?spaceId={space.id}") == ["guest@example.com"]
    assert listed(f"?spaceId={other_space.id}") == ["guest@example.com", "alone@example.com"]
    assert listed("?email=ALONE@example.com") == ["alone@example.com"]
    assert listed(f"?environmentId={production(account).id}") == ["prod@example.com"]
    assert listed(f"?spaceId={space.id}&email=alone@example.com") == []
    response = api.get("/v1/guests?pageSize=2&pageNumber=2")
    assert response.json()["pagination"] == {"currentPage": 2, "pageCount": 2, "totalCount": 3}
    assert [g["id"] for g in response.json()["data"]] == [prod_guest.id]
    assert alone.id in {g["id"] for g in api.get("/v1/guests").json()["data"]}


def test_listing_by_another_accounts_space_or_environment_is_not_found(api, db):
    other = make_account(name="Globex")
    their_space = SpaceFactory(environment=development(other))
    assert api.get(f"/v1/guests?spaceId={their_space.id}").status_code == 404
    assert api.get(f"/v1/guests?environmentId={development(other).id}").status_code == 404


def test_a_guest_is_answered_as_fetched_or_changed_without_reading_it_again(
    api, guest, space, workbooks, django_assert_num_queries
):
    api.get(f"/v1/guests/{guest.id}")  # the credential's first use is recorded once a minute
    # Verify the PAT; the guest within the caller's reach; its space and workbook grants.
    with django_assert_num_queries(4):
        response = api.get(f"/v1/guests/{guest.id}")
    assert response.json()["data"]["id"] == guest.id
    response = patch(
        api, f"/v1/guests/{guest.id}", {"name": "Renamed", "spaces": [{"id": space.id}]}
    )
    answered = response.json()["data"]
    assert answered == api.get(f"/v1/guests/{guest.id}").json()["data"]
    assert (answered["name"], answered["spaces"]) == ("Renamed", [{"id": space.id}])


def test_listing_guests_takes_the_same_queries_for_1_or_20_guests_and_their_grants(
    api, environment, space, other_space, workbooks, django_assert_num_queries
):
    make_guest(environment, email="g0@example.com", spaces=[(space, workbooks), other_space])
    api.get("/v1/guests")  # the credential's first use is recorded once a minute
    # Verify the PAT; count; the page of guests; their space grants; their workbook grants.
    with django_assert_num_queries(5):
        response = api.get("/v1/guests")
    assert len(response.json()["data"]) == 1
    for number in range(1, 20):
        extra = SpaceFactory(environment=environment)
        make_guest(
            environment,
            email=f"g{number}@example.com",
            spaces=[(space, workbooks[:1]), other_space, extra],
        )
    with django_assert_num_queries(5):
        response = api.get("/v1/guests")
    data = response.json()["data"]
    assert len(data) == 20
    assert data[5]["spaces"][0] == {"id": space.id, "workbooks": [{"id": workbooks[0].id}]}
    assert len(data[5]["spaces"]) == 3
    with django_assert_num_queries(6):  # and the space, for spaceId
        assert len(api.get(f"/v1/guests?spaceId={space.id}").json()["data"]) == 20


# GET/PATCH/DELETE /v1/guests/{id} ------------------------------------------------------------


def test_a_guest_is_read_with_when_they_last_opened_each_space(api, guest, space):
    SpaceGrant.objects.filter(guest=guest, space=space).update(last_accessed_at=timezone.now())
    data = api.get(f"/v1/guests/{guest.id}").json()["data"]
    assert data["id"] == guest.id
    by_space = {item["id"]: item for item in data["spaces"]}
    assert by_space[space.id]["lastAccessed"].endswith("Z")
    assert len(by_space) == 2


def test_another_accounts_guest_is_not_found(api, db):
    other = make_account(name="Globex")
    theirs = make_guest(development(other), email="theirs@example.com")
    for method in ("get", "delete"):
        response = getattr(api, method)(f"/v1/guests/{theirs.id}")
        assert response.status_code == 404
        assert response.json() == NOT_FOUND
    assert patch(api, f"/v1/guests/{theirs.id}", {"name": "X"}).status_code == 404
    assert api.get(f"/v1/guests/{theirs.id}/token").status_code == 404
    assert Guest.objects.filter(pk=theirs.pk).exists()


def test_a_guest_is_updated_and_their_spaces_replaced(
    api, environment, guest, space, other_space, workbooks
):
    response = patch(
        api,
        f"/v1/guests/{guest.id}",
        {
            "name": "Mrs. Guest",
            "email": "mrs@example.com",
            "environmentId": environment.id,
            "spaces": [{"id": space.id, "workbooks": [{"id": workbooks[1].id}]}],
        },
    )
    assert response.status_code == 200, response.content
    data = response.json()["data"]
    assert (data["name"], data["email"]) == ("Mrs. Guest", "mrs@example.com")
    assert data["spaces"] == [{"id": space.id, "workbooks": [{"id": workbooks[1].id}]}]


def test_a_guest_never_moves_environment(api, account, guest):
    response = patch(api, f"/v1/guests/{guest.id}", {"environmentId": production(account).id})
    assert response.status_code == 400
    assert response.json()["errors"][0]["key"] == "environmentId"


def test_an_email_taken_in_the_environment_is_refused(api, environment, guest):
    make_guest(environment, email="taken@example.com")
    response = patch(api, f"/v1/guests/{guest.id}", {"email": "taken@example.com"})
    assert response.status_code == 400
    assert response.json()["errors"] == [{"key": "email", "message": services.DUPLICATE_EMAIL}]


def test_delete_with_a_space_removes_that_connection_only(api, guest, space, other_space):
    response = api.delete(f"/v1/guests/{guest.id}?spaceId={space.id}")
    assert response.status_code == 200
    assert response.json() == {"data": {"success": True}}
    assert list(SpaceGrant.objects.filter(guest=guest).values_list("space_id", flat=True)) == [
        other_space.id
    ]
    again = api.delete(f"/v1/guests/{guest.id}?spaceId={space.id}")
    assert again.status_code == 400
    assert again.json()["errors"] == [{"key": "spaceId", "message": services.NO_ACCESS}]
    assert api.delete(f"/v1/guests/{guest.id}?spaceId=us_sp_unknown").status_code == 404


def test_delete_removes_the_guest_and_every_connection(api, guest, space):
    token = guest_token(guest)
    response = api.delete(f"/v1/guests/{guest.id}")
    assert response.json() == {"data": {"success": True}}
    assert not Guest.objects.exists()
    assert not SpaceGrant.objects.exists()
    assert api.get(f"/v1/guests/{guest.id}").status_code == 404
    assert bearer_client(token).get("/v1/spaces").status_code == 401


# GET /v1/guests/{id}/token and what the token reaches -------------------------------------------


def test_a_guest_token_is_answered_as_the_sdk_reads_it(api, guest, space):
    response = api.get(f"/v1/guests/{guest.id}/token")
    assert response.status_code == 200
    data = response.json()["data"]
    assert set(data) == {"token", "valid"} and data["valid"] is True
    claims = access_tokens.decode(data["token"])
    assert claims["sub"] == guest.id and claims["kind"] == "guest"
    scoped = api.get(f"/v1/guests/{guest.id}/token?spaceId={space.id}").json()["data"]["token"]
    assert access_tokens.decode(scoped)["spc"] == space.id


def test_a_token_for_a_space_the_guest_lacks_is_refused(api, environment, guest):
    elsewhere = SpaceFactory(environment=environment)
    response = api.get(f"/v1/guests/{guest.id}/token?spaceId={elsewhere.id}")
    assert response.status_code == 400
    assert response.json()["errors"][0]["key"] == "spaceId"
    assert api.get(f"/v1/guests/{guest.id}/token?spaceId=us_sp_unknown").status_code == 404


@pytest.fixture
def reach(environment, space, other_space, workbooks):
    """A guest granted `space` whole and one workbook of `limited`; `hidden` is a space of
    the same environment they are not granted."""
    limited = SpaceFactory(environment=environment, name="Limited")
    shown, unseen = WorkbookFactory(space=limited), WorkbookFactory(space=limited)
    hidden = SpaceFactory(environment=environment, name="Hidden")
    hidden_workbook = WorkbookFactory(space=hidden)
    guest = make_guest(environment, spaces=[space, (limited, [shown])])
    return {
        "guest": guest,
        "client": bearer_client(guest_token(guest)),
        "space": space,
        "limited": limited,
        "shown": shown,
        "unseen": unseen,
        "hidden": hidden,
        "hidden_workbook": hidden_workbook,
        "workbooks": workbooks,
    }


def test_a_guest_token_reads_only_the_granted_spaces(reach):
    client = reach["client"]
    response = client.get("/v1/spaces")
    assert response.status_code == 200
    assert {s["id"] for s in response.json()["data"]} == {reach["space"].id, reach["limited"].id}
    assert response.json()["pagination"]["totalCount"] == 2
    assert client.get(f"/v1/spaces/{reach['space'].id}").json()["data"]["name"] == "Onboarding"
    hidden = client.get(f"/v1/spaces/{reach['hidden'].id}")
    assert hidden.status_code == 404
    assert hidden.json() == NOT_FOUND


def test_a_guest_token_reads_the_workbooks_of_its_grants(reach):
    client = reach["client"]
    listed = {w["id"] for w in client.get("/v1/workbooks").json()["data"]}
    assert listed == {w.id for w in reach["workbooks"]} | {reach["shown"].id}
    in_limited = client.get(f"/v1/workbooks?spaceId={reach['limited'].id}").json()["data"]
    assert [w["id"] for w in in_limited] == [reach["shown"].id]
    assert client.get(f"/v1/workbooks/{reach['shown'].id}").status_code == 200
    for workbook in (reach["unseen"], reach["hidden_workbook"]):
        assert client.get(f"/v1/workbooks/{workbook.id}").status_code == 404
    assert client.get(f"/v1/workbooks?spaceId={reach['hidden'].id}").status_code == 404


def test_a_space_scoped_guest_token_reads_that_space_only(reach):
    client = bearer_client(guest_token(reach["guest"], reach["limited"]))
    assert [s["id"] for s in client.get("/v1/spaces").json()["data"]] == [reach["limited"].id]
    assert client.get(f"/v1/spaces/{reach['space'].id}").status_code == 404
    assert [w["id"] for w in client.get("/v1/workbooks").json()["data"]] == [reach["shown"].id]


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/v1/environments"),
        ("get", "/v1/environments/{environment}"),
        ("get", "/v1/accounts/current"),
        ("get", "/v1/auth/api-keys?environmentId={environment}"),
        ("get", "/v1/auth/publishable-key?environmentId={environment}"),
        ("get", "/v1/auth/personal-access-tokens"),
        ("get", "/v1/secrets?environmentId={environment}"),
        ("get", "/v1/users"),
        ("get", "/v1/roles"),
        ("get", "/v1/events"),
        ("get", "/v1/guests"),
        ("get", "/v1/guests/{guest}"),
        ("get", "/v1/guests/{guest}/token"),
        ("delete", "/v1/guests/{guest}"),
        ("post", "/v1/guests"),
        ("post", "/v1/spaces"),
        ("patch", "/v1/spaces/{space}"),
        ("delete", "/v1/spaces/{space}"),
        ("post", "/v1/workbooks"),
        ("patch", "/v1/workbooks/{workbook}"),
        ("delete", "/v1/workbooks/{workbook}"),
    ],
)
def test_a_guest_token_reaches_nothing_else(reach, environment, method, path):
    path = path.format(
        environment=environment.id,
        guest=reach["guest"].id,
        space=reach["space"].id,
        workbook=reach["workbooks"][0].id,
    )
    before = Event.objects.count()
    client = reach["client"]
    if method == "get":
        response = client.get(path)
    else:
        response = getattr(client, method)(path, "{}", content_type="application/json")
    assert response.status_code == 403, (path, response.content)
    assert response["WWW-Authenticate"] == 'Bearer error="insufficient_scope"'
    assert Event.objects.count() == before
    assert Space.objects.filter(pk=reach["space"].pk).exists()


def test_a_guest_token_is_refused_once_the_guest_is_removed_or_deleted(api, reach):
    client, guest = reach["client"], reach["guest"]
    scoped = bearer_client(guest_token(guest, reach["space"]))
    api.delete(f"/v1/guests/{guest.id}?spaceId={reach['space'].id}")
    # At once: the space is gone from the guest's reach, and its own token is refused.
    assert client.get(f"/v1/spaces/{reach['space'].id}").status_code == 404
    assert scoped.get("/v1/spaces").status_code == 401
    assert [s["id"] for s in client.get("/v1/spaces").json()["data"]] == [reach["limited"].id]
    api.delete(f"/v1/guests/{guest.id}")
    response = client.get("/v1/spaces")
    assert response.status_code == 401
    assert 'error="invalid_token"' in response["WWW-Authenticate"]


# Who may manage guests -------------------------------------------------------------------------


def test_a_secret_key_manages_its_own_environments_guests_only(account, environment, guest, space):
    key = bearer_client(key_for(environment, ApiKey.Type.SECRET))
    assert [g["id"] for g in key.get("/v1/guests").json()["data"]] == [guest.id]
    assert key.get(f"/v1/guests/{guest.id}").status_code == 200
    prod_guest = make_guest(production(account), email="prod@example.com")
    assert key.get(f"/v1/guests/{prod_guest.id}").status_code == 404
    created = post(
        key,
        "/v1/guests",
        {
            "environmentId": environment.id,
            "email": "k@example.com",
            "name": "K",
            "spaces": [{"id": space.id}],
        },
    )
    assert created.status_code == 201
    elsewhere = post(
        key,
        "/v1/guests",
        {
            "environmentId": production(account).id,
            "email": "k@example.com",
            "name": "K",
            "spaces": [],
        },
    )
    assert elsewhere.status_code == 404
    assert key.get(f"/v1/guests/{guest.id}/token").status_code == 200


@pytest.mark.parametrize("caller", ["publishable key", "space token"])
def test_publishable_keys_and_space_tokens_cannot_touch_guests(environment, guest, space, caller):
    token = (
        key_for(environment, ApiKey.Type.PUBLISHABLE)
        if caller == "publishable key"
        else space_token_for(space)
    )
    client = bearer_client(token)
    for method, path in (
        ("get", "/v1/guests"),
        ("get", f"/v1/guests/{guest.id}"),
        ("delete", f"/v1/guests/{guest.id}"),
        ("get", f"/v1/guests/{guest.id}/token"),
        ("post", "/v1/invitations"),
    ):
        assert getattr(client, method)(path).status_code == 403, (caller, path)
    assert Guest.objects.filter(pk=guest.pk).exists()


def test_no_credential_is_a_401(db):
    from rest_framework.test import APIClient

    response = APIClient().get("/v1/guests")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'


# POST /v1/invitations -----------------------------------------------------------------------------


def test_an_administrator_invites_by_magic_link(
    api, guest, space, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = post(
            api,
            "/v1/invitations",
            [
                {
                    "guestId": guest.id,
                    "spaceId": space.id,
                    "fromName": "Ada",
                    "message": "Hello, I would like to invite you to my space.",
                }
            ],
        )
    assert response.status_code == 200, response.content
    assert response.json() == {"data": {"success": True}}
    (mail,) = mailoutbox
    assert "Ada invited you to Onboarding." in mail.body
    assert "Hello, I would like to invite you to my space." in mail.body
    assert services.magic_link_spend(token=token_in(mail)).guest_id == guest.id


def test_invitations_are_all_or_nothing(
    api, environment, guest, space, mailoutbox, django_capture_on_commit_callbacks
):
    elsewhere = SpaceFactory(environment=environment)
    with django_capture_on_commit_callbacks(execute=True):
        response = post(
            api,
            "/v1/invitations",
            [
                {"guestId": guest.id, "spaceId": space.id},
                {"guestId": guest.id, "spaceId": elsewhere.id},
            ],
        )
    assert response.status_code == 400
    assert response.json()["errors"] == [{"key": "spaceId", "message": services.NO_ACCESS}]
    assert mailoutbox == []
    assert not MagicLink.objects.exists()


def test_an_invitation_without_magic_links_allowed_is_refused(api, environment, guest, space):
    environment.guest_authentication = [GuestAuthentication.SHARED_LINK]
    environment.save()
    response = post(api, "/v1/invitations", {"guestId": guest.id, "spaceId": space.id})
    assert response.status_code == 400
    assert response.json()["errors"] == [
        {"message": services.METHOD_OFF[GuestAuthentication.MAGIC_LINK]}
    ]


def test_another_accounts_guest_or_space_is_not_found_for_an_invitation(api, guest, space):
    other = make_account(name="Globex")
    their_space = SpaceFactory(environment=development(other))
    theirs = make_guest(development(other), email="theirs@example.com", spaces=[their_space])
    for body in (
        {"guestId": theirs.id, "spaceId": space.id},
        {"guestId": guest.id, "spaceId": their_space.id},
    ):
        assert post(api, "/v1/invitations", [body]).status_code == 404
    assert not MagicLink.objects.exists()


def test_a_guest_invites_where_guests_can_invite_and_nowhere_else(
    environment, guest, space, other_space, mailoutbox, django_capture_on_commit_callbacks
):
    invitee = make_guest(environment, email="invitee@example.com", spaces=[space, other_space])
    client = bearer_client(guest_token(guest))
    with django_capture_on_commit_callbacks(execute=True):
        response = post(client, "/v1/invitations", [{"guestId": invitee.id, "spaceId": space.id}])
    assert response.status_code == 200, response.content
    assert [mail.to for mail in mailoutbox] == [["invitee@example.com"]]
    assert Event.objects.get(topic="guest:invited").actor_id == guest.id

    Space.objects.filter(pk=other_space.pk).update(guests_can_invite=False)
    response = post(client, "/v1/invitations", [{"guestId": invitee.id, "spaceId": other_space.id}])
    assert response.status_code == 403
    assert response.json() == {"errors": [{"message": services.GUESTS_CANNOT_INVITE}]}

    not_theirs = SpaceFactory(environment=environment)
    services.guest_update(
        guest=invitee, actor=None, spaces=[{"space": space}, {"space": not_theirs}]
    )
    response = post(client, "/v1/invitations", [{"guestId": invitee.id, "spaceId": not_theirs.id}])
    assert response.status_code == 404
    assert MagicLink.objects.count() == 1


def test_a_guest_cannot_create_guests_or_grants(environment, guest, space):
    client = bearer_client(guest_token(guest))
    response = post(
        client,
        "/v1/guests",
        {
            "environmentId": environment.id,
            "email": "friend@example.com",
            "name": "F",
            "spaces": [{"id": space.id}],
        },
    )
    assert response.status_code == 403
    assert not Guest.objects.filter(email="friend@example.com").exists()
    assert WorkbookGrant.objects.count() == 0


def test_the_audit_trail_names_guests_living_and_deleted(admin_user, environment, guest, space):
    from guests.selectors import guest_actor_labels

    guest_id = guest.id
    services.guest_invite(guest=guest, space=space, actor=guest)
    services.guest_delete(guest=guest, actor=administrator_of(environment.account))
    labels = guest_actor_labels(environment.account, {guest_id, "us_g_unknown"})
    assert labels[guest_id].text == "guest@example.com"
    assert labels[guest_id].note == "deleted guest"
    assert "us_g_unknown" not in labels
    living = make_guest(environment, email="living@example.com", name="Liv")
    assert guest_actor_labels(environment.account, {living.id})[living.id].text == "Liv"


def test_a_guest_lists_spaces_and_workbooks_in_the_same_queries_for_1_or_12_grants(
    environment, space, django_assert_num_queries
):
    WorkbookFactory(space=space)
    guest = make_guest(environment, email="counted@example.com", spaces=[space])
    client = bearer_client(guest_token(guest))
    # Verify the token; count; the page (spaces narrowed to the grants by a subquery).
    with django_assert_num_queries(3):
        assert len(client.get("/v1/spaces").json()["data"]) == 1
    with django_assert_num_queries(3):
        assert len(client.get("/v1/workbooks").json()["data"]) == 1
    for number in range(11):
        extra = SpaceFactory(environment=environment, name=f"Extra {number}")
        workbook = WorkbookFactory(space=extra)
        make_guest(environment, email="counted@example.com", spaces=[(extra, [workbook])])
    with django_assert_num_queries(3):
        assert len(client.get("/v1/spaces").json()["data"]) == 12
    with django_assert_num_queries(3):
        assert len(client.get("/v1/workbooks").json()["data"]) == 12


def test_a_guests_narrowing_rides_in_the_fetch_not_a_query_of_its_own(
    environment, space, django_assert_num_queries
):
    workbook = WorkbookFactory(space=space)
    guest = make_guest(environment, email="fetched@example.com", spaces=[space])
    client = bearer_client(guest_token(guest))
    # Verify the token; the workbook, within the guest's grants.
    with django_assert_num_queries(2):
        assert client.get(f"/v1/workbooks/{workbook.id}").json()["data"]["id"] == workbook.id
    # Verify the token; the space, within the grants; count; the page.
    with django_assert_num_queries(4):
        response = client.get("/v1/workbooks", {"spaceId": space.id})
    assert [row["id"] for row in response.json()["data"]] == [workbook.id]


def test_invitations_are_limited_per_caller(
    api, guest, space, settings, mailoutbox, django_capture_on_commit_callbacks
):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "invitations": (3, 3600)}
    invitation = {"guestId": guest.id, "spaceId": space.id}
    with django_capture_on_commit_callbacks(execute=True):
        assert post(api, "/v1/invitations", [invitation, invitation]).status_code == 200
        assert post(api, "/v1/invitations", [invitation]).status_code == 200
        refused = post(api, "/v1/invitations", [invitation])
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 0
    assert refused.json()["errors"][0]["message"].startswith("Request was throttled.")
    assert len(mailoutbox) == 3  # the refused one mailed nobody
