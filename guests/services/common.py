"""What the guests' services share: their refusals, the checks of what they are given, and
the event helper."""

from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from accounts.audit import Actor, record_event
from accounts.models import (
    NAME_MAX_LENGTH,
    AuditScope,
    Environment,
    GuestAuthentication,
    Space,
    Workbook,
    normalize_email,
)
from guests.models import Guest, MagicLink

LIFETIMES = {
    MagicLink.Purpose.INVITATION: timedelta(hours=72),
    MagicLink.Purpose.SIGN_IN: timedelta(minutes=15),
}
EMAIL_MAX_LENGTH = 254  # Django's EmailField
MESSAGE_MAX_LENGTH = 2000
GUEST_ID_PREFIX = "us_g_"

NO_ACCESS = "This guest has no access to that space."
LINK_GONE = "This link is invalid, expired, revoked or already used."
GUESTS_CANNOT_INVITE = "Guests of this space may not invite other guests."
METHOD_OFF = {
    GuestAuthentication.MAGIC_LINK: "This environment does not let guests in by magic link.",
    GuestAuthentication.SHARED_LINK: "This environment does not let guests in by shared link.",
}


# Checks -----------------------------------------------------------------------------------


def clean_guest_email(email) -> str:
    """The address as it is stored and looked up (accounts.models.normalize_email), if it is
    one."""
    email = normalize_email(email)
    try:
        if len(email) > EMAIL_MAX_LENGTH:
            raise ValidationError("too long")
        validate_email(email)
    except ValidationError as error:
        raise ValidationError({"email": "Enter a valid email address."}) from error
    return email


def clean_line(value, *, field: str, what: str, max_length: int = NAME_MAX_LENGTH) -> str:
    """Optional text on one line (it goes into a mail): "" when absent."""
    text = (value or "").strip()
    if len(text) > max_length:
        raise ValidationError({field: f"{what} must be at most {max_length} characters."})
    if any(not character.isprintable() for character in text):
        raise ValidationError({field: f"{what} must be one line of text."})
    return text


def one_line(text: str) -> str:
    return " ".join("".join(c if c.isprintable() else " " for c in text).split())


def clean_message(value) -> str:
    text = (value or "").strip()
    if len(text) > MESSAGE_MAX_LENGTH:
        raise ValidationError(
            {"message": f"The message must be at most {MESSAGE_MAX_LENGTH} characters."}
        )
    if "\x00" in text:
        raise ValidationError({"message": "The message cannot hold NUL characters."})
    return text


def clean_spaces(environment: Environment, spaces) -> list[tuple[Space, list[Workbook] | None]]:
    """(space, workbooks or None for the whole space) for each space asked for, checked:
    each space in the guest's environment, each workbook in its space, no space twice."""
    chosen, seen = [], set()
    for item in spaces or ():
        space, workbooks = item["space"], item.get("workbooks") or None
        if space.environment_id != environment.id:
            raise ValidationError(
                {"spaces": f"Space {space.id} is not in this guest's environment."}
            )
        if space.id in seen:
            raise ValidationError({"spaces": f"Space {space.id} is given more than once."})
        seen.add(space.id)
        if workbooks is not None:
            for workbook in workbooks:
                if workbook.space_id != space.id:
                    raise ValidationError(
                        {"spaces": f"Workbook {workbook.id} is not in space {space.id}."}
                    )
            workbooks = list({workbook.id: workbook for workbook in workbooks}.values())
        chosen.append((space, workbooks))
    return chosen


def require_method(environment: Environment, method: str) -> None:
    if method not in environment.guest_authentication:
        raise ValidationError(METHOD_OFF[method])


def is_guest(actor: Actor | None) -> bool:
    """Whether a guest is acting (a Guest, or a guest principal of the API: its id is the
    guest's)."""
    return actor is not None and (isinstance(actor, Guest) or actor.id.startswith(GUEST_ID_PREFIX))


def actor_id(actor: Actor | None) -> str:
    return actor.id if actor is not None else ""


def iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def record_guest_event(
    topic: str, *, guest: Guest, actor: Actor | None, space_id: str = "", **payload
):
    """An event about the guest (their id and email first in its details), in one of their
    spaces when `space_id` is given."""
    scope = AuditScope(guest.environment.account, guest.environment_id, space_id)
    record_event(topic, on=scope, actor=actor, guestId=guest.id, email=guest.email, **payload)
