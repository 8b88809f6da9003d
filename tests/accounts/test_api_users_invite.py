"""Inviting administrators (POST /v1/users/invite, /v1/users/{id}/resend-invite) on the Team
page's services: the mail and the pending invitation, resending, and what is refused."""

import re

import pytest
from django.test import Client

from accounts.models import AdminInvitation, Event, User
from tests.accounts.users_api_helpers import errors
from tests.factories import AdminInvitationFactory, development
from tests.reauthentication_helpers import recently_authenticated


def mailed_token(mail) -> str:
    return re.search(r"/invitations/(inv_\S+)/", mail.body).group(1)


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
    recently_authenticated(admin_client)
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
