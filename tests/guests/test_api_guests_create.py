"""POST /v1/guests in the contract's (and the SDK's) shapes: one guest or a list made
together, an existing email reused, and another account's or environment's spaces and
workbooks refused."""

from accounts.models import Event
from guests.models import Guest
from tests.factories import SpaceFactory, WorkbookFactory, development, make_account, production
from tests.guests.api_helpers import NOT_FOUND, post

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
