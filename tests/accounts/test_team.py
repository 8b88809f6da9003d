"""The team: inviting again replaces, Resend and Revoke, acceptance clears every other
invitation of the email, and the last administrator's Remove is disabled with its reason."""

import re
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404
from django.test import Client
from django.utils import timezone

from accounts import access, services
from accounts.models import AdminInvitation, Event, User
from tests.factories import AdministratorFactory, administrator_of
from tests.pages import text
from tests.reauthentication_helpers import recently_authenticated

PASSWORD = "a fine long phrase"


def token_of(link: str) -> str:
    return link.rstrip("/").rsplit("/", 1)[1]


def invite(account, actor, email):
    invitation, link = services.administrator_invite(account=account, actor=actor, email=email)
    return invitation, token_of(link)


def mailed_token(mail) -> str:
    return re.search(r"/invitations/(inv_\S+)/", mail.body).group(1)


# Services ----------------------------------------------------------------------------------


def test_inviting_an_email_again_replaces_its_pending_invitation(account, admin_user):
    first, first_token = invite(account, admin_user, "again@example.com")
    second, second_token = invite(account, admin_user, "Again@Example.com")

    assert services.invitation_for_token(first_token) is None
    assert services.invitation_for_token(second_token) == second
    assert list(AdminInvitation.objects.filter(account=account)) == [second]
    event = Event.objects.filter(topic="administrator:invited").order_by("-created_at").first()
    assert event.payload["invitationId"] == second.id
    assert event.payload["replacedInvitationIds"] == [first.id]
    with pytest.raises(ValidationError, match="invalid, expired or already used"):
        services.invitation_accept(token=first_token, password=PASSWORD)
    services.invitation_accept(token=second_token, password=PASSWORD)


def test_inviting_again_leaves_other_emails_and_other_accounts_alone(
    account, admin_user, other_account
):
    _, other_email_token = invite(account, admin_user, "someone@example.com")
    _, elsewhere_token = invite(other_account, administrator_of(other_account), "x@example.com")
    invite(account, admin_user, "x@example.com")
    invite(account, admin_user, "x@example.com")
    assert services.invitation_for_token(other_email_token) is not None
    assert services.invitation_for_token(elsewhere_token) is not None
    assert AdminInvitation.objects.filter(account=account, email="x@example.com").count() == 1


def test_a_first_invitation_records_no_replacement(account, admin_user):
    invite(account, admin_user, "first@example.com")
    event = Event.objects.get(topic="administrator:invited")
    assert "replacedInvitationIds" not in event.payload


def test_resend_mails_a_new_link_and_the_old_one_stops_working(
    account, admin_user, mailoutbox, django_capture_on_commit_callbacks
):
    invitation, old_token = invite(account, admin_user, "resend@example.com")
    AdminInvitation.objects.filter(pk=invitation.pk).update(
        created_at=timezone.now() - timedelta(hours=70),
        expires_at=timezone.now() + timedelta(hours=2),
    )
    invitation.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        resent, link = services.administrator_invitation_resend(
            invitation=invitation, actor=admin_user
        )
    new_token = token_of(link)

    assert new_token != old_token
    assert services.invitation_for_token(old_token) is None
    assert services.invitation_for_token(new_token) == invitation  # the same invitation
    stored = AdminInvitation.objects.get(pk=invitation.pk)
    assert stored.token_digest == services.invitation_digest(new_token)
    assert timedelta(hours=71) < stored.expires_at - timezone.now() <= timedelta(hours=72)
    assert timezone.now() - stored.created_at < timedelta(minutes=1)  # "Sent" is now
    (mail,) = mailoutbox
    assert mail.to == ["resend@example.com"]
    assert link in mail.body and old_token not in mail.body
    event = Event.objects.get(topic="administrator:invitation-resent")
    assert (event.actor_id, event.payload) == (
        admin_user.id,
        {"email": "resend@example.com", "invitationId": invitation.id},
    )


def test_an_invitation_accepted_meanwhile_cannot_be_resent_or_revoked(
    account, admin_user, mailoutbox, django_capture_on_commit_callbacks
):
    invitation, token = invite(account, admin_user, "quick@example.com")
    services.invitation_accept(token=token, password=PASSWORD)
    before = Event.objects.count()
    for call in [
        lambda: services.administrator_invitation_resend(invitation=invitation, actor=admin_user),
        lambda: services.administrator_invitation_revoke(invitation=invitation, actor=admin_user),
    ]:
        with django_capture_on_commit_callbacks(execute=True), pytest.raises(ValidationError):
            call()
    assert Event.objects.count() == before
    assert mailoutbox == []
    assert User.objects.filter(email="quick@example.com").count() == 1


def test_a_resend_that_loses_to_an_acceptance_sends_nothing(
    account, admin_user, mailoutbox, django_capture_on_commit_callbacks
):
    invitation, _token = invite(account, admin_user, "race@example.com")
    # Accepted by some other path while this resend was on its way (the user check passes:
    # the acceptance is only marked, its user not yet made).
    AdminInvitation.objects.filter(pk=invitation.pk).update(accepted_at=timezone.now())
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(ValidationError, match="already used or revoked"),
    ):
        services.administrator_invitation_resend(invitation=invitation, actor=admin_user)
    assert mailoutbox == []
    assert not Event.objects.filter(topic="administrator:invitation-resent").exists()


def test_revoke_deletes_the_invitation_and_its_link(account, admin_user):
    invitation, token = invite(account, admin_user, "revoke@example.com")
    services.administrator_invitation_revoke(invitation=invitation, actor=admin_user)
    assert services.invitation_for_token(token) is None
    assert not AdminInvitation.objects.filter(pk=invitation.pk).exists()
    event = Event.objects.get(topic="administrator:invitation-revoked")
    assert (event.actor_id, event.payload) == (
        admin_user.id,
        {"email": "revoke@example.com", "invitationId": invitation.id},
    )
    with pytest.raises(ValidationError, match="already used or revoked"):
        services.administrator_invitation_revoke(invitation=invitation, actor=admin_user)
    assert Event.objects.filter(topic="administrator:invitation-revoked").count() == 1


def test_accepting_removes_every_other_pending_invitation_of_the_email(
    account, admin_user, other_account
):
    _, elsewhere_token = invite(other_account, administrator_of(other_account), "Both@Example.com")
    _, unrelated_token = invite(other_account, administrator_of(other_account), "n@example.com")
    _, token = invite(account, admin_user, "both@example.com")

    user = services.invitation_accept(token=token, password=PASSWORD)
    assert user.membership.account == account
    assert services.invitation_for_token(elsewhere_token) is None
    assert (
        not access.Reach(account=other_account)
        .pending_invitations()
        .filter(email__iexact="both@example.com")
    )
    assert services.invitation_for_token(unrelated_token) is not None
    # The accepted one stays, spent, as the record of how they joined.
    assert AdminInvitation.objects.get(email="both@example.com").accepted_at is not None


def test_a_refused_acceptance_leaves_the_other_invitations(account, admin_user, other_account):
    _, elsewhere_token = invite(other_account, administrator_of(other_account), "weak@example.com")
    _, token = invite(account, admin_user, "weak@example.com")
    with pytest.raises(ValidationError):
        services.invitation_accept(token=token, password="123")
    assert services.invitation_for_token(elsewhere_token) is not None
    assert services.invitation_for_token(token) is not None


def test_pending_invitation_within_reaches_only_the_accounts_pending_ones(
    account, admin_user, other_account
):
    mine, _ = invite(account, admin_user, "mine@example.com")
    theirs, _ = invite(other_account, administrator_of(other_account), "theirs@example.com")
    expired, _ = invite(account, admin_user, "expired@example.com")
    AdminInvitation.objects.filter(pk=expired.pk).update(expires_at=timezone.now())
    accepted, accepted_token = invite(account, admin_user, "accepted@example.com")
    services.invitation_accept(token=accepted_token, password=PASSWORD)

    assert access.pending_invitation_within(access.Reach(account=account), mine.id) == mine
    for invitation_id in [theirs.id, expired.id, accepted.id, "", "us_inv_nonsense"]:
        with pytest.raises(Http404):
            access.pending_invitation_within(access.Reach(account=account), invitation_id)


# Pages --------------------------------------------------------------------------------------


def test_resend_from_the_team_page(
    admin_client, account, admin_user, mailoutbox, django_capture_on_commit_callbacks
):
    recently_authenticated(admin_client)  # inviting and removing ask otherwise
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post("/team/", {"email": "page@example.com"})
    invitation = AdminInvitation.objects.get(email="page@example.com")
    old_token = mailed_token(mailoutbox[0])
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(f"/team/invitations/{invitation.id}/resend/")
    assert response.status_code == 302
    assert response["Location"] == "/team/"
    page = text(admin_client.get("/team/"))
    assert (
        "A new invitation was sent to page@example.com; the earlier link no longer works." in page
    )
    new_token = mailed_token(mailoutbox[1])
    assert new_token not in page
    invitee = Client()
    assert invitee.get(f"/invitations/{old_token}/").status_code == 404
    assert invitee.get(f"/invitations/{new_token}/").status_code == 302


def test_revoke_from_the_team_page(admin_client, account, admin_user):
    invitation, token = invite(account, admin_user, "gone@example.com")
    page = text(admin_client.get("/team/"))
    assert f'data-open-dialog="revoke-{invitation.id}"' in page
    assert f'<dialog id="revoke-{invitation.id}">' in page
    assert f'action="/team/invitations/{invitation.id}/revoke/"' in page
    assert f'action="/team/invitations/{invitation.id}/resend/"' in page

    response = admin_client.post(f"/team/invitations/{invitation.id}/revoke/", follow=True)
    assert response.redirect_chain == [("/team/", 302)]
    page = text(response)
    assert "The invitation for gone@example.com was revoked." in page
    assert "Pending invitations" not in page
    assert Client().get(f"/invitations/{token}/").status_code == 404


def test_inviting_again_from_the_page_kills_the_first_link(
    admin_client, mailoutbox, django_capture_on_commit_callbacks
):
    recently_authenticated(admin_client)  # inviting and removing ask otherwise
    for _ in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            admin_client.post("/team/", {"email": "twice@example.com"})
    first, second = (mailed_token(mail) for mail in mailoutbox)
    invitee = Client()
    assert invitee.get(f"/invitations/{first}/").status_code == 404
    assert invitee.get(f"/invitations/{second}/").status_code == 302
    pending = text(admin_client.get("/team/")).split("Pending invitations", 1)[1]
    assert pending.count("twice@example.com</td>") == 1


def test_invitation_actions_are_posts_within_the_account(
    admin_client, account, admin_user, other_account
):
    mine, _ = invite(account, admin_user, "mine@example.com")
    theirs, theirs_token = invite(
        other_account, administrator_of(other_account), "theirs@example.com"
    )
    for action in ["resend", "revoke"]:
        assert admin_client.get(f"/team/invitations/{mine.id}/{action}/").status_code == 405
        response = admin_client.post(f"/team/invitations/{theirs.id}/{action}/")
        assert response.status_code == 404, action
        assert admin_client.post(f"/team/invitations/us_inv_nope/{action}/").status_code == 404
    assert services.invitation_for_token(theirs_token) == theirs
    assert not Event.objects.filter(topic__startswith="administrator:invitation-").exists()


def test_invitation_actions_need_a_signed_in_administrator_and_csrf(client, account, admin_user):
    invitation, token = invite(account, admin_user, "safe@example.com")
    for action in ["resend", "revoke"]:
        response = client.post(f"/team/invitations/{invitation.id}/{action}/")
        assert response.status_code == 302
        assert response["Location"].startswith("/login/")
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(admin_user)
    for action in ["resend", "revoke"]:
        assert strict.post(f"/team/invitations/{invitation.id}/{action}/").status_code == 403
    assert services.invitation_for_token(token) == invitation


def test_an_expired_invitation_is_not_offered_or_reachable(admin_client, account, admin_user):
    invitation, _ = invite(account, admin_user, "old@example.com")
    AdminInvitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now())
    assert "old@example.com" not in text(admin_client.get("/team/"))
    assert admin_client.post(f"/team/invitations/{invitation.id}/resend/").status_code == 404


def test_a_refused_resend_says_why_on_the_team_page(admin_client, account, admin_user):
    invitation, _ = invite(account, admin_user, "taken@example.com")
    # Someone with this email got an account another way meanwhile.
    User.objects.create_user(email="taken@example.com", password=PASSWORD)
    response = admin_client.post(f"/team/invitations/{invitation.id}/resend/")
    assert response.status_code == 400
    assert "This person already has an account." in text(response)


def test_the_last_administrator_has_a_disabled_remove_with_its_reason(admin_client, admin_user):
    page = text(admin_client.get("/team/"))
    assert re.search(r"<button[^>]*\bdisabled\b[^>]*>Remove</button>", page)
    assert "The last administrator cannot be removed" in page
    assert f'data-open-dialog="remove-{admin_user.id}"' not in page
    assert f'<dialog id="remove-{admin_user.id}">' not in page


def test_with_two_administrators_each_has_a_live_remove(admin_client, account, admin_user):
    second = AdministratorFactory(account=account, email="second@example.com", password=PASSWORD)
    page = text(admin_client.get("/team/"))
    assert "The last administrator cannot be removed" not in page
    assert not re.search(r"<button[^>]*\bdisabled\b", page)
    for administrator in [admin_user, second]:
        assert f'data-open-dialog="remove-{administrator.id}"' in page
        assert f'<dialog id="remove-{administrator.id}">' in page


def test_team_tables_scroll_inside_the_page(admin_client, account, admin_user):
    invite(account, admin_user, "wrapped@example.com")
    page = text(admin_client.get("/team/"))
    assert page.count("<table>") == 2
    assert page.count('<div class="table-scroll">\n<table>') == 2
