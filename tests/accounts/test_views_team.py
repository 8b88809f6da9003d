"""The Team page, through Django's test client: inviting an administrator who sets a
password, an unknown or expired invitation, and removing administrators (never the last)."""

import re

from django.test import Client

from accounts import services
from accounts.models import AdminInvitation, Event, User
from tests.pages import text
from tests.reauthentication_helpers import recently_authenticated

# The team --------------------------------------------------------------------------------------


def test_invite_an_administrator_who_sets_a_password(
    admin_client, account, mailoutbox, django_capture_on_commit_callbacks
):
    recently_authenticated(admin_client)  # inviting and removing ask otherwise
    client = Client()  # the invitee's own browser
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post("/team/", {"email": "New.Admin@Example.com"})
    assert response.status_code == 302
    assert len(mailoutbox) == 1
    link = re.search(r"http://\S+/invitations/(\S+)/", mailoutbox[0].body)
    token = link.group(1)
    # The link is in the mail only: not on the page, not in the database.
    assert token not in text(admin_client.get("/team/"))
    assert "new.admin@example.com" in text(admin_client.get("/team/"))
    assert not AdminInvitation.objects.filter(token_digest=token).exists()

    # Opening the link moves the token into the session and leads to the form, whose URL
    # holds no token; opening it spends nothing.
    assert client.get(f"/invitations/{token}/").status_code == 302
    opened = client.get(f"/invitations/{token}/", follow=True)
    assert opened.redirect_chain == [("/invitations/accept/", 302)]
    assert opened.status_code == 200
    assert token not in text(opened)
    mismatch = client.post(
        "/invitations/accept/", {"password": "a fine long phrase", "password_again": "other"}
    )
    assert mismatch.status_code == 400
    accepted = client.post(
        "/invitations/accept/",
        {
            "name": "New Admin",
            "password": "a fine long phrase",
            "password_again": "a fine long phrase",
        },
    )
    assert accepted.status_code == 302
    assert User.objects.get(email="new.admin@example.com").membership.account == account
    assert "invitation_token" not in client.session
    # Single use.
    assert client.get(f"/invitations/{token}/").status_code == 404
    assert client.get("/invitations/accept/").status_code == 404
    assert "invalid, expired or already used" in text(client.get(f"/invitations/{token}/"))


def test_the_invitation_sent_message_never_shows_the_link(
    admin_client, account, mailoutbox, django_capture_on_commit_callbacks
):
    recently_authenticated(admin_client)  # inviting and removing ask otherwise
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post("/team/", {"email": "x@example.com"}, follow=True)
    page = text(response)
    assert "Invitation sent to x@example.com." in page
    token = re.search(r"/invitations/(\S+)/", mailoutbox[0].body).group(1)
    assert token not in page
    # No invitation link at all; the only /invitations/ paths are the team page's own
    # Resend and Revoke routes, under /team/.
    assert "/invitations/" not in page.replace("/team/invitations/", "")
    assert "x@example.com" in page.split("Pending invitations", 1)[1]


def test_an_unknown_or_expired_invitation_says_so(client, account, admin_user):
    for token in ["inv_nonsense", "x" * 300]:
        response = client.get(f"/invitations/{token}/")
        assert response.status_code == 404
        assert "invalid, expired or already used" in text(response)
    invitation, link = services.administrator_invite(
        account=account, actor=admin_user, email="late@example.com"
    )
    token = link.rstrip("/").rsplit("/", 1)[1]
    assert client.get(f"/invitations/{token}/").status_code == 302
    assert client.get("/invitations/accept/").status_code == 200
    AdminInvitation.objects.filter(pk=invitation.pk).update(expires_at=invitation.created_at)
    passwords = {"password": "a fine long phrase", "password_again": "a fine long phrase"}
    for response in [
        client.get(f"/invitations/{token}/"),
        client.get("/invitations/accept/"),
        client.post("/invitations/accept/", passwords),
    ]:
        assert response.status_code == 404
        assert "invalid, expired or already used" in text(response)
    assert not User.objects.filter(email="late@example.com").exists()


def test_a_weak_password_keeps_the_form_and_the_link(client, account, admin_user):
    _, link = services.administrator_invite(
        account=account, actor=admin_user, email="weak@example.com"
    )
    token = link.rstrip("/").rsplit("/", 1)[1]
    client.get(f"/invitations/{token}/")
    response = client.post(
        "/invitations/accept/", {"name": "Wes", "password": "123", "password_again": "123"}
    )
    assert response.status_code == 400
    assert "This password is too short." in text(response)
    assert 'value="Wes"' in text(response)
    assert "_auth_user_id" not in client.session
    assert services.invitation_for_token(token) is not None


def test_inviting_an_existing_user_or_bad_email_is_refused(
    admin_client, admin_user, mailoutbox, django_capture_on_commit_callbacks
):
    recently_authenticated(admin_client)  # inviting and removing ask otherwise
    for email, message in [
        (admin_user.email, "already has an account"),
        ("not-an-email", "Enter a valid email"),
    ]:
        with django_capture_on_commit_callbacks(execute=True):
            response = admin_client.post("/team/", {"email": email})
        assert response.status_code == 400
        assert message in text(response)
    assert mailoutbox == []


def test_removing_the_last_administrator_is_refused(admin_client, admin_user):
    recently_authenticated(admin_client)  # inviting and removing ask otherwise
    response = admin_client.post(f"/team/{admin_user.id}/remove/")
    assert response.status_code == 400
    assert "The last administrator cannot be removed." in text(response)
    assert User.objects.filter(pk=admin_user.pk).exists()
    assert not Event.objects.filter(topic="administrator:removed").exists()


def test_removing_another_administrator(admin_client, account, admin_user):
    recently_authenticated(admin_client)  # inviting and removing ask otherwise
    _, link = services.administrator_invite(
        account=account, actor=admin_user, email="b@example.com"
    )
    second = services.invitation_accept(
        token=link.rstrip("/").rsplit("/", 1)[1], password="a fine long phrase"
    )
    response = admin_client.post(f"/team/{second.id}/remove/")
    assert response["Location"] == "/team/"
    assert not User.objects.filter(pk=second.pk).exists()
