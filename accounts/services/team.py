"""The team: administrators invited by a single-use 72-hour link (mailed, resent,
revoked, accepted) and removed."""

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from accounts.audit import Actor, record_event
from accounts.models import NAME_MAX_LENGTH, Account, AdminInvitation, Membership, User
from portal.mail import send_after_commit

INVITATION_LIFETIME = timedelta(hours=72)


def invitation_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _invitation_link_and_mail(invitation: AdminInvitation, account: Account) -> str:
    """A fresh token for `invitation` (its digest set on the instance, not saved) and the
    mail carrying its link, sent once the transaction commits. Returns the link."""
    # 256 bits from the OS; the link carries the token, the database only its digest.
    token = "inv_" + secrets.token_urlsafe(32)
    invitation.token_digest = invitation_digest(token)
    link = settings.SITE_URL + reverse("accounts:open-invitation", args=[token])
    email = invitation.email
    send_after_commit(
        subject=f"You are invited to administer {account.name}",
        body=(
            f"You have been invited to become an administrator of {account.name}.\n\n"
            f"Set your password here (the link works once, for 72 hours):\n{link}\n"
        ),
        to=email,
    )
    return link


@transaction.atomic
def administrator_invite(
    *, account: Account, actor: Actor, email: str
) -> tuple[AdminInvitation, str]:
    """Email a single-use link that lets `email` set a password and join as administrator.
    Returns the invitation and the link (for the inviter's confirmation; never stored).
    An earlier invitation of the same email to this account is replaced: its link stops
    working, so only the newest mail is ever good."""
    email = User.objects.normalize_email((email or "").strip()).lower()
    if not email:
        raise ValidationError({"email": "Enter an email address."})
    if User.objects.filter(email__iexact=email).exists():
        raise ValidationError({"email": "This person already has an account."})
    # The account row is locked so two invitations of one email at once cannot both stay
    # pending (each would delete the other's predecessor, not the other).
    Account.objects.select_for_update().filter(pk=account.pk).first()
    earlier = AdminInvitation.objects.filter(
        account=account, email__iexact=email, accepted_at__isnull=True
    )
    replaced = sorted(earlier.values_list("id", flat=True))
    earlier.delete()
    invitation = AdminInvitation(
        account=account,
        email=email,
        invited_by_id=actor.id,
        expires_at=timezone.now() + INVITATION_LIFETIME,
    )
    link = _invitation_link_and_mail(invitation, account)
    invitation.save()
    payload = {"email": email, "invitationId": invitation.id}
    if replaced:
        payload["replacedInvitationIds"] = replaced
    record_event("administrator:invited", on=account, actor=actor, **payload)
    return invitation, link


INVITATION_NOT_PENDING = "This invitation was already used or revoked."


@transaction.atomic
def administrator_invitation_resend(
    *, invitation: AdminInvitation, actor: Actor
) -> tuple[AdminInvitation, str]:
    """Mail a new link for a pending invitation, good for another 72 hours; the link sent
    before stops working. Returns the invitation and the new link (never stored)."""
    if User.objects.filter(email__iexact=invitation.email).exists():
        raise ValidationError("This person already has an account.")
    account = invitation.account
    link = _invitation_link_and_mail(invitation, account)
    now = timezone.now()
    invitation.expires_at = now + INVITATION_LIFETIME
    # The row is the invitation's current link, and the team page shows when it was sent:
    # created_at moves with it (the audit trail keeps when it was first sent).
    invitation.created_at = now
    # Conditional, so an acceptance that got there first wins and this one says so.
    updated = AdminInvitation.objects.filter(pk=invitation.pk, accepted_at__isnull=True).update(
        token_digest=invitation.token_digest,
        expires_at=invitation.expires_at,
        created_at=invitation.created_at,
    )
    if updated != 1:
        raise ValidationError(INVITATION_NOT_PENDING)
    record_event(
        "administrator:invitation-resent",
        on=account,
        actor=actor,
        email=invitation.email,
        invitationId=invitation.id,
    )
    return invitation, link


@transaction.atomic
def administrator_invitation_revoke(*, invitation: AdminInvitation, actor: Actor) -> None:
    """Withdraw a pending invitation: its link stops working at once."""
    deleted, _ = AdminInvitation.objects.filter(pk=invitation.pk, accepted_at__isnull=True).delete()
    if not deleted:
        raise ValidationError(INVITATION_NOT_PENDING)
    record_event(
        "administrator:invitation-revoked",
        on=invitation.account,
        actor=actor,
        email=invitation.email,
        invitationId=invitation.id,
    )


def invitation_for_token(token: str) -> AdminInvitation | None:
    """The pending invitation this token opens, if any."""
    return (
        AdminInvitation.objects.select_related("account")
        .filter(
            token_digest=invitation_digest(token),
            accepted_at__isnull=True,
            expires_at__gt=timezone.now(),
        )
        .first()
    )


INVITATION_GONE = "This invitation link is invalid, expired or already used."


@transaction.atomic
def invitation_accept(*, token: str, password: str, name: str = "") -> User:
    invitation = invitation_for_token(token)
    if invitation is None:
        raise ValidationError(INVITATION_GONE)
    user = User(email=invitation.email, name=(name or "").strip()[:NAME_MAX_LENGTH])
    try:
        validate_password(password, user)
    except ValidationError as error:
        raise ValidationError({"password": error.error_list}) from error
    # Spend the link atomically: of two concurrent acceptances exactly one updates the row.
    # The digest is part of the condition, so a resend committed meanwhile (a new digest)
    # wins over this older link.
    spent = AdminInvitation.objects.filter(
        pk=invitation.pk, token_digest=invitation.token_digest, accepted_at__isnull=True
    ).update(accepted_at=timezone.now())
    if spent != 1:
        raise ValidationError(INVITATION_GONE)
    if User.objects.filter(email__iexact=invitation.email).exists():
        raise ValidationError("This person already has an account.")
    # A user belongs to one account: every other invitation of theirs, to any account, can
    # no longer be accepted, so none is left pending (or shown on a team page).
    AdminInvitation.objects.filter(
        email__iexact=invitation.email, accepted_at__isnull=True
    ).delete()
    user.set_password(password)
    user.save()
    Membership.objects.create(user=user, account=invitation.account)
    record_event(
        "administrator:added",
        on=invitation.account,
        actor=user,
        userId=user.id,
        email=user.email,
        invitedBy=invitation.invited_by_id,
    )
    return user


@transaction.atomic
def administrator_remove(*, account: Account, actor: Actor, user: User) -> None:
    """Remove an administrator (and their user, with every credential of theirs).
    The account row is locked so two removals at once cannot leave it with no administrator."""
    Account.objects.select_for_update().filter(pk=account.pk).first()
    if not Membership.objects.filter(account=account, user=user).exists():
        raise ValidationError("That person is not an administrator of this account.")
    if Membership.objects.filter(account=account).count() <= 1:
        raise ValidationError("The last administrator cannot be removed.")
    record_event("administrator:removed", on=account, actor=actor, userId=user.id, email=user.email)
    user.delete()
