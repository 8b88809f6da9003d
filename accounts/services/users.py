"""Users: the signed-in person's profile and password, and an administrator's name as
the API changes it."""

from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.access import account_administered_by
from accounts.audit import Actor, record_event
from accounts.models import NAME_MAX_LENGTH, User
from portal.services import model_update


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
