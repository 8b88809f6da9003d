"""What the accounts app's services share: the checks of the names, choices and metadata
they are given (tokens and guests check names with clean_name too)."""

from django.core.exceptions import ValidationError

from accounts.models import NAME_MAX_LENGTH, GuestAuthentication


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
