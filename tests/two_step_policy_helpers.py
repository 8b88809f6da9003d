"""Second factors made straight in the database, for the tests of the two-step policy, the
auth endpoint's one-time code and the operator's reset: an authenticator app whose secret the
test knows (so it computes codes with pyotp, as the person's phone would), and a passkey row
(its key is never exercised here)."""

import secrets

import pyotp
from django.utils import timezone

from accounts.models import AuthenticatorApp, Passkey, User
from portal.encryption import encrypt


def add_authenticator_app(user: User, *, confirmed: bool = True) -> pyotp.TOTP:
    """A confirmed authenticator app for `user`; returns the TOTP that makes its codes."""
    secret = pyotp.random_base32()
    AuthenticatorApp.objects.create(
        user=user, secret=encrypt(secret), confirmed_at=timezone.now() if confirmed else None
    )
    return pyotp.TOTP(secret)


def add_passkey(user: User, name: str = "Laptop") -> Passkey:
    return Passkey.objects.create(
        user=user,
        name=name,
        credential_id=secrets.token_urlsafe(32),
        public_key=b"not used by these tests",
    )


def previous_code(totp: pyotp.TOTP) -> str:
    """The code of the time step before the current one: a code the person's app showed a
    moment ago."""
    return totp.at(timezone.now(), counter_offset=-1)
