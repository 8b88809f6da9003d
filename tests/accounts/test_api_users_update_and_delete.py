"""Changing and removing an administrator (PATCH and DELETE /v1/users/{id}): renaming,
bad names and bodies, credentials going with the administrator, and the last administrator,
never removed."""

import pytest
from rest_framework.test import APIClient

from accounts.models import Event, Membership, User
from tests.accounts.users_api_helpers import USER_KEYS, errors
from tests.factories import PersonalAccessTokenFactory
from tests.tokens.conftest import bearer

# Update ---------------------------------------------------------------------------------------


def test_an_administrator_renames_another_audited_with_whose_name(pat_api, admin_user, other_admin):
    response = pat_api.patch(f"/v1/users/{other_admin.id}", {"name": "  Grace  "}, format="json")
    assert response.status_code == 200
    assert response.json()["data"]["name"] == "Grace"
    assert set(response.json()["data"]) == USER_KEYS
    other_admin.refresh_from_db()
    assert other_admin.name == "Grace"
    event = Event.objects.get(topic="user:updated")
    assert event.actor_id == admin_user.id
    assert event.payload == {
        "userId": other_admin.id,
        "email": other_admin.email,
        "changed": ["name"],
    }


def test_renaming_oneself_is_the_profile_pages_change(pat_api, admin_user):
    response = pat_api.patch(f"/v1/users/{admin_user.id}", {"name": "Ada"}, format="json")
    assert response.status_code == 200
    event = Event.objects.get(topic="user:updated")
    assert (event.actor_id, event.payload) == (admin_user.id, {"changed": ["name"]})


def test_the_name_may_be_cleared_and_nothing_else_changes(pat_api, other_admin):
    assert (
        pat_api.patch(f"/v1/users/{other_admin.id}", {"name": ""}, format="json").json()["data"][
            "name"
        ]
        == ""
    )
    before = Event.objects.count()
    # No name, the SDK's `dashboard`, unknown fields: nothing to change, nothing recorded.
    response = pat_api.patch(
        f"/v1/users/{other_admin.id}", {"dashboard": 2, "email": "x@example.com"}, format="json"
    )
    assert response.status_code == 200
    assert Event.objects.count() == before
    other_admin.refresh_from_db()
    assert (other_admin.name, other_admin.email) == ("", "second@example.com")


@pytest.mark.parametrize(
    "raw",
    [
        '{"name": 123}',
        '{"name": null}',
        '{"name": ["a"]}',
        '{"name": {"a": 1}}',
        '{"name": true}',
        '{"name": "a\\u0000b"}',
        '{"name": "\\ud800"}',
        '{"name": "' + "x" * 256 + '"}',
    ],
)
def test_bad_names_are_400_and_change_nothing(pat_api, other_admin, raw):
    response = pat_api.patch(f"/v1/users/{other_admin.id}", raw, content_type="application/json")
    assert response.status_code == 400
    assert errors(response)[0]["key"] == "name"
    other_admin.refresh_from_db()
    assert other_admin.name == "Second"
    assert not Event.objects.filter(topic="user:updated").exists()


@pytest.mark.parametrize("raw", ["{", "[1]", '"name"', "null"])
def test_malformed_or_non_object_bodies_are_400(pat_api, other_admin, raw):
    response = pat_api.patch(f"/v1/users/{other_admin.id}", raw, content_type="application/json")
    assert response.status_code == 400
    assert errors(response)


def test_an_oversized_body_is_413(pat_api, other_admin, settings):
    body = '{"name": "' + "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1) + '"}'
    response = pat_api.patch(f"/v1/users/{other_admin.id}", body, content_type="application/json")
    assert response.status_code == 413


# Delete ---------------------------------------------------------------------------------------


def test_delete_removes_the_administrator_and_their_credentials_at_once(
    pat_api, admin_user, other_admin
):
    theirs = bearer(APIClient(), PersonalAccessTokenFactory(user=other_admin).raw)
    assert theirs.get("/v1/users").status_code == 200
    response = pat_api.delete(f"/v1/users/{other_admin.id}")
    assert response.status_code == 200
    assert response.json() == {"data": {"success": True}}
    assert not User.objects.filter(pk=other_admin.pk).exists()
    event = Event.objects.get(topic="administrator:removed")
    assert (event.actor_id, event.payload["userId"]) == (admin_user.id, other_admin.id)
    assert theirs.get("/v1/users").status_code == 401


def test_the_last_administrator_is_never_deleted_409_with_the_reason(pat_api, admin_user):
    response = pat_api.delete(f"/v1/users/{admin_user.id}")
    assert response.status_code == 409
    assert errors(response) == [{"message": "The last administrator cannot be removed."}]
    assert Membership.objects.filter(user=admin_user).exists()
    assert not Event.objects.filter(topic="administrator:removed").exists()


def test_an_administrator_may_remove_themselves_while_another_remains(
    pat_api, admin_user, other_admin
):
    assert pat_api.delete(f"/v1/users/{admin_user.id}").status_code == 200
    assert pat_api.get("/v1/users").status_code == 401  # their token went with them
    assert list(User.objects.filter(membership__account__isnull=False)) == [other_admin]
