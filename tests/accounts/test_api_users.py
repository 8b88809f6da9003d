"""The users endpoints (the account's administrators): shapes, who may call them, bad input,
the last administrator, and invitations on the Team page's services."""

import re

import pytest
from django.test import Client
from rest_framework.test import APIClient

from accounts.api import callers, users
from accounts.models import AdminInvitation, Event, Membership, User
from tests.factories import (
    AdminInvitationFactory,
    AdministratorFactory,
    ApiKeyFactory,
    PersonalAccessTokenFactory,
    administrator_of,
    development,
)
from tests.tokens.conftest import bearer, user_access_token
from tokens.models import ApiKey
from tokens.principal import Principal

USER_KEYS = {
    "id",
    "email",
    "name",
    "accountId",
    "idp",
    "metadata",
    "createdAt",
    "updatedAt",
    "lastSeenAt",
}


def errors(response) -> list[dict]:
    return response.json()["errors"]


def mailed_token(mail) -> str:
    return re.search(r"/invitations/(inv_\S+)/", mail.body).group(1)


@pytest.fixture
def pat_api(admin_user):
    return bearer(APIClient(), PersonalAccessTokenFactory(user=admin_user).raw)


@pytest.fixture
def other_admin(account):
    return AdministratorFactory(account=account, email="second@example.com", name="Second")


@pytest.fixture
def stranger(other_account):
    """An administrator of another account."""
    return administrator_of(other_account)


def key_api(account, key_type) -> APIClient:
    return bearer(APIClient(), ApiKeyFactory(environment=development(account), type=key_type).raw)


def test_the_administrators_kind_is_the_principals():
    # accounts names the kinds from its Reach, which tokens' Principal inherits.
    assert callers.ADMINISTRATORS == (Principal.USER,)
    assert users.UserList.allowed_principals == (Principal.USER,)


# Who may call ---------------------------------------------------------------------------------

OPERATIONS = [
    ("get", "/v1/users", None),
    ("get", "/v1/users/{id}", None),
    ("patch", "/v1/users/{id}", {"name": "New"}),
    ("delete", "/v1/users/{id}", None),
    ("post", "/v1/users/invite", {"email": "new@example.com"}),
    ("post", "/v1/users/{id}/resend-invite", None),
]


@pytest.mark.parametrize(("method", "path", "body"), OPERATIONS)
@pytest.mark.parametrize("key_type", [ApiKey.Type.SECRET, ApiKey.Type.PUBLISHABLE])
def test_keys_may_not_use_the_users_endpoints(account, other_admin, method, path, body, key_type):
    api = key_api(account, key_type)
    response = getattr(api, method)(path.format(id=other_admin.id), body, format="json")
    assert response.status_code == 403
    assert response["WWW-Authenticate"] == 'Bearer error="insufficient_scope"'
    assert User.objects.filter(pk=other_admin.pk, name="Second").exists()
    assert not AdminInvitation.objects.exists()


@pytest.mark.parametrize(("method", "path", "body"), OPERATIONS)
def test_no_credential_is_401(account, other_admin, method, path, body):
    response = getattr(APIClient(), method)(path.format(id=other_admin.id), body, format="json")
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_an_administrators_access_token_lists_users(admin_user):
    api = bearer(APIClient(), user_access_token(admin_user)[0])
    response = api.get("/v1/users")
    assert response.status_code == 200
    assert [user["id"] for user in response.json()["data"]] == [admin_user.id]


@pytest.mark.parametrize(("method", "path", "body"), [op for op in OPERATIONS if "{id}" in op[1]])
def test_another_accounts_user_is_404_like_an_unknown_id(pat_api, stranger, method, path, body):
    theirs = getattr(pat_api, method)(path.format(id=stranger.id), body, format="json")
    unknown = getattr(pat_api, method)(path.format(id="us_usr_000000000000"), body, format="json")
    assert theirs.status_code == unknown.status_code == 404
    assert theirs.json() == unknown.json() == {"errors": [{"message": "Not found."}]}
    stranger.refresh_from_db()
    assert stranger.name == ""


# List and get ---------------------------------------------------------------------------------


def test_list_is_the_accounts_administrators_in_the_sdks_shape(
    pat_api, account, admin_user, other_admin, stranger
):
    response = pat_api.get("/v1/users")
    assert response.status_code == 200
    body = response.json()
    assert body["pagination"] == {"currentPage": 1, "pageCount": 1, "totalCount": 2}
    first, second = body["data"]
    assert [first["id"], second["id"]] == [admin_user.id, other_admin.id]  # longest-serving
    assert set(first) == USER_KEYS
    assert second == {
        "id": other_admin.id,
        "email": "second@example.com",
        "name": "Second",
        "accountId": account.id,
        "idp": "PORTAL",
        "metadata": {},
        "createdAt": second["createdAt"],
        "updatedAt": second["updatedAt"],
        "lastSeenAt": None,
    }
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", second["createdAt"])


def test_last_seen_is_the_last_sign_in(pat_api, admin_user):
    assert pat_api.get(f"/v1/users/{admin_user.id}").json()["data"]["lastSeenAt"] is None
    signed_in = Client()
    signed_in.force_login(admin_user)
    seen = pat_api.get(f"/v1/users/{admin_user.id}").json()["data"]["lastSeenAt"]
    assert seen is not None and seen.endswith("Z")


def test_get_one(pat_api, other_admin):
    response = pat_api.get(f"/v1/users/{other_admin.id}")
    assert response.status_code == 200
    assert response.json()["data"]["email"] == "second@example.com"
    assert set(response.json()["data"]) == USER_KEYS


def test_a_pending_invitation_is_not_a_user(pat_api, account):
    invitation = AdminInvitationFactory(account=account)
    assert invitation.email not in pat_api.get("/v1/users").content.decode()
    assert pat_api.get(f"/v1/users/{invitation.id}").status_code == 404


def test_list_filters_by_email_as_it_is_stored(pat_api, other_admin):
    response = pat_api.get("/v1/users", {"email": "  SECOND@example.com "})
    assert [user["id"] for user in response.json()["data"]] == [other_admin.id]
    assert pat_api.get("/v1/users", {"email": "nobody@example.com"}).json()["data"] == []


def test_list_searches_names_and_emails(pat_api, account, other_admin):
    AdministratorFactory(account=account, email="third@example.com", name="Zed")
    found = pat_api.get("/v1/users", {"search": "secon"}).json()["data"]
    assert [user["id"] for user in found] == [other_admin.id]
    assert [user["name"] for user in pat_api.get("/v1/users?search=zE").json()["data"]] == ["Zed"]
    assert pat_api.get("/v1/users?search=100%25").json()["data"] == []  # % is a character


def test_list_sorts_as_the_sdk_asks(pat_api, account, admin_user):
    # Addresses whose first letters decide, whatever the database's collation makes of "@".
    zoe = AdministratorFactory(account=account, email="zoe@example.com", name="Bea")
    yan = AdministratorFactory(account=account, email="yan@example.com", name="Cy")
    admin = admin_user.email  # admin…@example.com, no name

    def emails(query):
        return [user["email"] for user in pat_api.get("/v1/users", query).json()["data"]]

    assert emails({}) == [admin, zoe.email, yan.email]  # longest-serving first
    assert emails({"sortField": "email"}) == [admin, yan.email, zoe.email]
    assert emails({"sortField": "email", "sortDirection": "desc"}) == [zoe.email, yan.email, admin]
    assert emails({"sortField": "name", "sortDirection": "desc"}) == [yan.email, zoe.email, admin]
    # Ids are random: by id, one direction is the other reversed.
    by_id = emails({"sortField": "id"})
    assert sorted(by_id) == sorted([admin, zoe.email, yan.email])
    assert emails({"sortField": "id", "sortDirection": "desc"}) == by_id[::-1]
    Client().force_login(zoe)
    # Never seen counts as the oldest, on both databases.
    assert emails({"sortField": "last_seen_at", "sortDirection": "desc"})[0] == zoe.email
    assert emails({"sortField": "last_seen_at"})[-1] == zoe.email
    # The same for everyone here: the default order.
    assert emails({"sortField": "idp"}) == emails({})


@pytest.mark.parametrize(
    ("query", "key"),
    [
        ("sortField=bogus", "sortField"),
        ("sortField=%00", "sortField"),
        ("sortDirection=up", "sortDirection"),
        ("email=a%00b", "email"),
        ("email=" + "a" * 255, "email"),
        ("search=" + "a" * 256, "search"),
        ("search=%00", "search"),
        ("search=a&search=b", "search"),
        ("pageSize=0", "pageSize"),
        ("pageNumber=x", "pageNumber"),
    ],
)
def test_bad_list_parameters_are_400(pat_api, query, key):
    response = pat_api.get(f"/v1/users?{query}")
    assert response.status_code == 400
    assert errors(response)[0]["key"] == key


def test_a_lone_surrogate_in_the_query_is_no_crash(pat_api):
    # Query strings are decoded with replacement characters: no lone surrogate reaches us.
    response = pat_api.get("/v1/users", QUERY_STRING="search=%ED%A0%80")
    assert response.status_code == 200
    assert response.json()["data"] == []


@pytest.mark.parametrize("rows", [1, 12])
def test_list_query_count_is_pinned_and_flat(pat_api, account, django_assert_num_queries, rows):
    for number in range(rows - 1):
        AdministratorFactory(account=account, email=f"more{number}@example.com")
    pat_api.get("/v1/users")  # a first use records the token's last use
    # The token's lookup, the count, the page (with memberships).
    with django_assert_num_queries(3):
        response = pat_api.get("/v1/users")
    assert len(response.json()["data"]) == rows


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


# Invite and resend ------------------------------------------------------------------------------


def test_invite_mails_the_team_pages_invitation_and_answers_the_pending_invitation(
    pat_api, account, admin_user, admin_client, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = pat_api.post(
            "/v1/users/invite",
            {
                "email": "  New@Example.com ",
                "name": "John Smith",
                "actorRoles": [{"roleId": "us_rol_administrator", "resourceId": account.id}],
            },
            format="json",
        )
    assert response.status_code == 201
    invitation = AdminInvitation.objects.get()
    data = response.json()["data"]
    assert data == {
        "id": invitation.id,
        "email": "new@example.com",
        "name": "",  # the invitee gives their own on accepting
        "accountId": account.id,
        "idp": "PORTAL",
        "metadata": {},
        "createdAt": data["createdAt"],
        "updatedAt": data["createdAt"],
        "lastSeenAt": None,
        "actorRoles": [],
    }
    assert data["id"].startswith("us_inv_")
    # The Team page's invitation: its mail, its event, listed on the page as pending.
    (mail,) = mailoutbox
    assert mail.to == ["new@example.com"]
    assert mail.subject == f"You are invited to administer {account.name}"
    event = Event.objects.get(topic="administrator:invited")
    assert (event.actor_id, event.payload["invitationId"]) == (admin_user.id, invitation.id)
    assert "new@example.com" in admin_client.get("/team/").content.decode()
    assert response.content.decode().count(mailed_token(mail)) == 0  # the link goes by mail only
    # The mailed link works as one from the page does.
    assert Client().get(f"/invitations/{mailed_token(mail)}/").status_code == 302


def test_resend_takes_the_invitations_id_and_the_old_link_stops_working(
    pat_api, account, admin_user, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        invited = pat_api.post("/v1/users/invite", {"email": "new@example.com"}, format="json")
    old_token = mailed_token(mailoutbox[0])
    with django_capture_on_commit_callbacks(execute=True):
        response = pat_api.post(f"/v1/users/{invited.json()['data']['id']}/resend-invite")
    assert response.status_code == 200
    assert response.json() == {"data": {"success": True}}
    assert len(mailoutbox) == 2 and mailoutbox[1].to == ["new@example.com"]
    assert Event.objects.filter(topic="administrator:invitation-resent").count() == 1
    assert Client().get(f"/invitations/{old_token}/").status_code == 404
    assert Client().get(f"/invitations/{mailed_token(mailoutbox[1])}/").status_code == 302


def test_an_invitation_made_on_the_team_page_is_resent_through_the_api(
    pat_api, admin_client, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post("/team/", {"email": "page@example.com"})
    invitation = AdminInvitation.objects.get(email="page@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        assert pat_api.post(f"/v1/users/{invitation.id}/resend-invite").status_code == 200
    assert [mail.to for mail in mailoutbox] == [["page@example.com"], ["page@example.com"]]


def test_resending_to_an_administrator_is_409_and_sends_nothing(
    pat_api, other_admin, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = pat_api.post(f"/v1/users/{other_admin.id}/resend-invite")
    assert response.status_code == 409
    assert errors(response) == [
        {"message": "This administrator accepted their invitation already."}
    ]
    assert mailoutbox == []


def test_resending_an_invitation_whose_person_has_an_account_is_409(
    pat_api, account, mailoutbox, django_capture_on_commit_callbacks
):
    invitation = AdminInvitationFactory(account=account, email="late@example.com")
    # They joined meanwhile (elsewhere), so this invitation can never be accepted.
    User.objects.create_user(email="late@example.com", password="a fine long phrase")
    with django_capture_on_commit_callbacks(execute=True):
        response = pat_api.post(f"/v1/users/{invitation.id}/resend-invite")
    assert response.status_code == 409
    assert errors(response) == [{"message": "This person already has an account."}]
    assert mailoutbox == []


def test_another_accounts_invitation_is_404(pat_api, other_account, mailoutbox):
    theirs = AdminInvitationFactory(account=other_account)
    response = pat_api.post(f"/v1/users/{theirs.id}/resend-invite")
    assert response.status_code == 404
    assert errors(response) == [{"message": "Not found."}]


def test_inviting_someone_who_has_an_account_is_400_on_the_email(pat_api, other_admin, mailoutbox):
    response = pat_api.post("/v1/users/invite", {"email": other_admin.email}, format="json")
    assert response.status_code == 400
    assert errors(response) == [{"key": "email", "message": "This person already has an account."}]
    assert not AdminInvitation.objects.exists()


@pytest.mark.parametrize(
    ("body", "key"),
    [
        ({}, "email"),
        ({"email": ""}, "email"),
        ({"email": "not an email"}, "email"),
        ({"email": 123}, "email"),
        ({"email": None}, "email"),
        ({"email": ["a@example.com"]}, "email"),
        ({"email": "a\x00@example.com"}, "email"),
        ({"email": "a" * 250 + "@example.com"}, "email"),
        ({"email": "a@example.com", "name": 5}, "name"),
        ({"email": "a@example.com", "name": "x" * 256}, "name"),
        ({"email": "a@example.com", "name": "a\x00"}, "name"),
        ({"email": "a@example.com", "actorRoles": "admin"}, "actorRoles"),
        ({"email": "a@example.com", "actorRoles": [{"roleId": "us_rol_guest"}]}, "actorRoles"),
        (
            {
                "email": "a@example.com",
                "actorRoles": [{"roleId": "us_rol_guest", "resourceId": "us_acc_x"}],
            },
            "actorRoles",
        ),
        (
            {"email": "a@example.com", "actorRoles": [{"roleId": 1, "resourceId": "us_acc_x"}]},
            "actorRoles",
        ),
    ],
)
def test_bad_invitations_are_400_and_mail_nothing(pat_api, body, key, mailoutbox):
    response = pat_api.post("/v1/users/invite", body, format="json")
    assert response.status_code == 400
    assert errors(response)[0]["key"] == key
    assert not AdminInvitation.objects.exists()
    assert mailoutbox == []


@pytest.mark.parametrize(
    ("roles", "message"),
    [
        ("admin", 'Expected a list of items but got type "str".'),
        ({"roleId": "us_rol_administrator"}, 'Expected a list of items but got type "dict".'),
        (["x"], "Item 1: Invalid data. Expected a dictionary, but got str."),
        ([{"resourceId": "us_acc_x"}], "Item 1: roleId: This field is required."),
        (
            [{"roleId": "us_rol_administrator", "resourceId": "a" * 41}],
            "Item 1: resourceId: Ensure this field has no more than 40 characters.",
        ),
        (
            [{"roleId": "us_rol_administrator", "resourceId": "x"}, {"roleId": "us_rol_guest"}],
            "Item 2: roleId: Users are invited as administrators: use us_rol_administrator "
            "(guests are invited through /v1/guests).",
        ),
    ],
)
def test_bad_actor_roles_say_which_item_and_field(pat_api, roles, message):
    response = pat_api.post(
        "/v1/users/invite", {"email": "a@example.com", "actorRoles": roles}, format="json"
    )
    assert response.status_code == 400
    assert errors(response)[0] == {"key": "actorRoles", "message": message}


def test_a_lone_surrogate_in_an_email_is_400(pat_api):
    response = pat_api.post(
        "/v1/users/invite", '{"email": "\\ud800@example.com"}', content_type="application/json"
    )
    assert response.status_code == 400
    assert errors(response)[0]["key"] == "email"


def test_an_administrator_role_narrower_than_the_account_is_refused(pat_api, account):
    response = pat_api.post(
        "/v1/users/invite",
        {
            "email": "a@example.com",
            "actorRoles": [
                {"roleId": "us_rol_administrator", "resourceId": development(account).id}
            ],
        },
        format="json",
    )
    assert response.status_code == 400
    assert errors(response) == [
        {
            "key": "actorRoles",
            "message": "An administrator has the whole account: give the account's id as "
            "resourceId.",
        }
    ]
    assert not AdminInvitation.objects.exists()
