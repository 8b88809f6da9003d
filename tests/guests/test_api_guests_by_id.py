"""GET, PATCH and DELETE /v1/guests/{id}: a guest read, updated (never moved to another
environment), removed from a space or deleted, and another account's guest not found."""

from django.utils import timezone

from guests import services
from guests.models import Guest, SpaceGrant
from tests.factories import development, make_account, production
from tests.guests.api_helpers import NOT_FOUND, guest_token, patch
from tests.guests.conftest import bearer_client, make_guest

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
