"""Every write the accounts app does: one function per operation, atomic, audited."""

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from accounts.access import account_administered_by
from accounts.audit import Actor, record_event
from accounts.models import (
    NAME_MAX_LENGTH,
    Account,
    AdminInvitation,
    Environment,
    GuestAuthentication,
    Membership,
    Space,
    User,
    Workbook,
)
from accounts.signals import environment_created
from portal.mail import send_after_commit
from portal.services import model_update

INVITATION_LIFETIME = timedelta(hours=72)
DEFAULT_ENVIRONMENTS = (("development", False), ("production", True))


def clean_name(value: str | None, *, field: str = "name", what: str = "Name") -> str:
    """A name as people type it: surrounding spaces dropped, 1–255 characters left."""
    name = (value or "").strip()
    if not name:
        raise ValidationError({field: f"{what} cannot be empty."})
    if len(name) > NAME_MAX_LENGTH:
        raise ValidationError({field: f"{what} must be at most {NAME_MAX_LENGTH} characters."})
    return name


def clean_guest_authentication(values) -> list[str]:
    allowed = set(GuestAuthentication.values)
    if not isinstance(values, list | tuple) or any(value not in allowed for value in values):
        raise ValidationError(
            {"guest_authentication": f"Choose from: {', '.join(sorted(allowed))}."}
        )
    return [value for value in GuestAuthentication.values if value in values]


def clean_metadata(value) -> dict:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ValidationError({"metadata": "Metadata must be a JSON object."})
    return value


# Accounts and users ---------------------------------------------------------------------


@transaction.atomic
def account_create(*, name: str, email: str, password: str, user_name: str = "") -> Account:
    """A new account with its first administrator and the default environments."""
    account = Account.objects.create(name=clean_name(name))
    user = User.objects.create_user(email=email, password=password, name=user_name.strip())
    Membership.objects.create(user=user, account=account)
    record_event("account:created", on=account, actor=user, name=account.name)
    for env_name, is_prod in DEFAULT_ENVIRONMENTS:
        environment_create(account=account, actor=user, name=env_name, is_prod=is_prod)
    return account


@transaction.atomic
def account_update(
    *, account: Account, actor: Actor, name: str | None = None, metadata: dict | None = None
) -> Account:
    """Rename the account or replace its metadata (None leaves a field as it is). Audited
    only when something changed."""
    changes = {}
    if name is not None:
        changes["name"] = clean_name(name)
    if metadata is not None:
        changes["metadata"] = clean_metadata(metadata)
    changed = model_update(instance=account, data=changes)
    if changed:
        record_event("account:updated", on=account, actor=actor, changed=changed)
    return account


# Environments -----------------------------------------------------------------------------


def _environment_name_taken(account: Account, name: str, exclude_id: str | None = None) -> bool:
    others = Environment.objects.filter(account=account, name__iexact=name)
    if exclude_id:
        others = others.exclude(pk=exclude_id)
    return others.exists()


DUPLICATE_ENVIRONMENT = "An environment with this name already exists in this account."


@transaction.atomic
def environment_create(
    *,
    account: Account,
    actor: Actor,
    name: str,
    is_prod: bool = False,
    guest_authentication: list[str] | None = None,
    metadata: dict | None = None,
) -> Environment:
    name = clean_name(name)
    if _environment_name_taken(account, name):
        raise ValidationError({"name": DUPLICATE_ENVIRONMENT})
    try:
        with transaction.atomic():  # a concurrent twin loses at the unique constraint
            environment = Environment.objects.create(
                account=account,
                name=name,
                is_prod=bool(is_prod),
                guest_authentication=clean_guest_authentication(
                    guest_authentication
                    if guest_authentication is not None
                    else [GuestAuthentication.MAGIC_LINK]
                ),
                metadata=clean_metadata(metadata),
            )
    except IntegrityError as error:
        raise ValidationError({"name": DUPLICATE_ENVIRONMENT}) from error
    record_event(
        "environment:created",
        on=environment,
        actor=actor,
        name=environment.name,
        isProd=environment.is_prod,
    )
    environment_created.send(sender=Environment, environment=environment, actor=actor)
    return environment


@transaction.atomic
def environment_update(
    *,
    environment: Environment,
    actor: Actor,
    name: str | None = None,
    is_prod: bool | None = None,
    guest_authentication: list[str] | None = None,
    metadata: dict | None = None,
) -> Environment:
    changes = {}
    if name is not None:
        name = clean_name(name)
        if _environment_name_taken(environment.account, name, exclude_id=environment.id):
            raise ValidationError({"name": DUPLICATE_ENVIRONMENT})
        changes["name"] = name
    if is_prod is not None:
        changes["is_prod"] = bool(is_prod)
    if guest_authentication is not None:
        changes["guest_authentication"] = clean_guest_authentication(guest_authentication)
    if metadata is not None:
        changes["metadata"] = clean_metadata(metadata)
    try:
        with transaction.atomic():  # a concurrent twin loses at the unique constraint
            changed = model_update(instance=environment, data=changes)
    except IntegrityError as error:
        environment.refresh_from_db()  # as saved, for the page that shows the refusal
        raise ValidationError({"name": DUPLICATE_ENVIRONMENT}) from error
    if not changed:
        return environment
    record_event("environment:updated", on=environment, actor=actor, changed=changed)
    return environment


@transaction.atomic
def environment_delete(*, environment: Environment, actor: Actor) -> None:
    space_count = Space.objects.filter(environment=environment).count()
    if space_count:
        raise ValidationError(
            f"“{environment.name}” still has {space_count} space{'s' if space_count != 1 else ''}: "
            "delete them first."
        )
    record_event("environment:deleted", on=environment, actor=actor, name=environment.name)
    environment.delete()


# Spaces and workbooks ----------------------------------------------------------------------


@transaction.atomic
def space_create(
    *,
    environment: Environment,
    actor: Actor,
    name: str,
    metadata: dict | None = None,
    guests_can_invite: bool = True,
) -> Space:
    space = Space.objects.create(
        environment=environment,
        name=clean_name(name),
        metadata=clean_metadata(metadata),
        guests_can_invite=bool(guests_can_invite),
    )
    record_event("space:created", on=space, actor=actor, name=space.name)
    return space


@transaction.atomic
def space_update(
    *,
    space: Space,
    actor: Actor,
    name: str | None = None,
    guests_can_invite: bool | None = None,
    metadata: dict | None = None,
) -> Space:
    changes = {}
    if name is not None:
        changes["name"] = clean_name(name)
    if guests_can_invite is not None:
        changes["guests_can_invite"] = bool(guests_can_invite)
    if metadata is not None:
        changes["metadata"] = clean_metadata(metadata)
    changed = model_update(instance=space, data=changes)
    if not changed:
        return space
    record_event("space:updated", on=space, actor=actor, changed=changed)
    return space


@transaction.atomic
def space_delete(*, space: Space, actor: Actor) -> None:
    record_event("space:deleted", on=space, actor=actor, name=space.name)
    space.delete()


def clean_labels(labels) -> list[str]:
    if labels is None:
        return []
    if not isinstance(labels, list | tuple) or not all(isinstance(label, str) for label in labels):
        raise ValidationError({"labels": "Labels must be a list of text."})
    return [clean_name(label, field="labels", what="A label") for label in labels]


@transaction.atomic
def workbook_create(
    *, space: Space, actor: Actor, name: str, labels: list[str] | None = None
) -> Workbook:
    workbook = Workbook.objects.create(
        space=space, name=clean_name(name), labels=clean_labels(labels)
    )
    record_event(
        "workbook:created", on=workbook, actor=actor, workbookId=workbook.id, name=workbook.name
    )
    return workbook


@transaction.atomic
def workbook_update(
    *, workbook: Workbook, actor: Actor, name: str | None = None, labels: list[str] | None = None
) -> Workbook:
    changes = {}
    if name is not None:
        changes["name"] = clean_name(name)
    if labels is not None:
        changes["labels"] = clean_labels(labels)
    changed = model_update(instance=workbook, data=changes)
    if not changed:
        return workbook
    record_event(
        "workbook:updated", on=workbook, actor=actor, workbookId=workbook.id, changed=changed
    )
    return workbook


@transaction.atomic
def workbook_delete(*, workbook: Workbook, actor: Actor) -> None:
    record_event(
        "workbook:deleted", on=workbook, actor=actor, workbookId=workbook.id, name=workbook.name
    )
    workbook.delete()


# The team: administrators and their invitations ---------------------------------------------


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


# The signed-in person's own profile and password ---------------------------------------------


def user_update_profile(*, user: User, name: str | None) -> User:
    """Change the user's own name (the profile page): user_update, by the user."""
    return user_update(user=user, actor=user, name=name)


@transaction.atomic
def user_record_password_change(
    *, user: User, actor: Actor | None = None, reset: bool = False
) -> None:
    """Audit a password just changed (signed in) or reset (from a mailed link, or set by
    someone else, the `actor`: a superuser in the admin). Without an actor it is the user's
    own doing.

    Django's own forms set the password (its validators, its hasher) and its views keep or
    end the sessions; those views call this inside the same transaction as the save, so the
    event exists exactly when the new password does. A user of no account (a bare superuser)
    has no audit trail to write to."""
    account = account_administered_by(user)
    if account is not None:
        record_event(
            "user:password-reset" if reset else "user:password-changed",
            on=account,
            actor=user if actor is None else actor,
            userId=user.id,
        )


# Users (the account's administrators, as the API names them) ---------------------------------


@transaction.atomic
def user_update(*, user: User, actor: Actor, name: str | None) -> User:
    """Change a user's name: their own (the profile page) or, administrators having full
    access, another administrator's (PATCH /v1/users/{id}). Unlike other names it may be
    empty: the layout then shows the email, which every user has. The event names whose
    name it was when that is not the actor's own."""
    name = (name or "").strip()
    if len(name) > NAME_MAX_LENGTH:
        raise ValidationError({"name": f"Name must be at most {NAME_MAX_LENGTH} characters."})
    changed = model_update(instance=user, data={"name": name})
    account = account_administered_by(user) if changed else None
    if account is not None:
        payload = {"changed": changed}
        if actor.id != user.id:
            payload = {"userId": user.id, "email": user.email, **payload}
        record_event("user:updated", on=account, actor=actor, **payload)
    return user
