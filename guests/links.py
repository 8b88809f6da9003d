"""The values in guests' links, and the links themselves.

A magic link's or shared link's token is written in the portal's credential format
(tokens.credentials: `<prefix>_<30 random base62><6-char base62 CRC32 checksum>`, about 178
bits of randomness) with prefixes of its own, `ml_` and `sl_`. The format's checksum lets
the link's page refuse a mangled or made-up link (a mail client that cut it short, a
guess) without a query, and the prefixes let a secret scanner tell them apart from API
credentials. The link a shared link's join form mails to confirm an email
(guests.models.SharedLinkConfirmation) is written as a magic link is, `ml_`: a mailed
single-use link, which scanners and the log redaction already know. They are not added to
tokens.credentials.PREFIXES on purpose: a link's token is never a bearer credential, so
tokens.verification does not even recognise its form.

Links are built from settings.SITE_URL, never from a request's Host header, so a forged
Host cannot make the portal mail out a link to someone else's server."""

import re
import secrets

from django.conf import settings
from django.urls import reverse

from tokens import credentials

MAGIC_LINK = "ml"
SHARED_LINK = "sl"

_PATTERNS = {
    prefix: re.compile(rf"{prefix}_[0-9A-Za-z]{{{credentials.BODY_LENGTH}}}")
    for prefix in (MAGIC_LINK, SHARED_LINK)
}


def generate(prefix: str) -> str:
    """A fresh token with `prefix` (MAGIC_LINK or SHARED_LINK)."""
    if prefix not in _PATTERNS:
        raise ValueError(f"Unknown link prefix {prefix!r}.")
    random_part = "".join(
        secrets.choice(credentials.BASE62) for _ in range(credentials.RANDOM_LENGTH)
    )
    checked = f"{prefix}_{random_part}"
    return checked + credentials.checksum(checked)


def is_well_formed(value: object, prefix: str) -> bool:
    """Whether `value` is a token with `prefix` and a valid checksum: anything else is
    unknown without asking the database."""
    if not isinstance(value, str) or not _PATTERNS[prefix].fullmatch(value):
        return False
    checked = value[: -credentials.CHECKSUM_LENGTH]
    return credentials.checksum(checked) == value[-credentials.CHECKSUM_LENGTH :]


def digest(value: str) -> str:
    """What is stored and looked up (SHA-256, as for every credential)."""
    return credentials.digest(value)


def magic_link_url(token: str) -> str:
    return settings.SITE_URL + reverse("guests:magic-link", args=[token])


def shared_link_url(token: str) -> str:
    return settings.SITE_URL + reverse("guests:shared-link", args=[token])


def shared_link_confirmation_url(token: str) -> str:
    return settings.SITE_URL + reverse("guests:shared-link-confirmation", args=[token])
