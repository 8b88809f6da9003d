"""Access tokens: short-lived JWTs (PyJWT) signed with a key of their own (JWT_SIGNING_KEY,
never SECRET_KEY). The algorithm is pinned and every claim below is required, so neither
`alg=none`, another key, nor any other JWT of ours passes as an access token."""

import secrets
from datetime import datetime, timedelta

import jwt
from django.conf import settings
from django.utils import timezone

ALGORITHM = "HS256"
ISSUER = "access-portal"
AUDIENCE = "access-portal-api"
TOKEN_TYPE = "access"
REQUIRED_CLAIMS = ["exp", "iat", "iss", "aud", "sub", "typ", "kind"]

# What an access token stands for, and how long it lives.
USER = "user"  # an administrator (from email + password or client credentials)
SPACE = "space"  # one space, handed out when a publishable key creates it
GUEST = "guest"  # a guest (guests app)
LIFETIMES = {USER: timedelta(hours=24), SPACE: timedelta(hours=24), GUEST: timedelta(hours=1)}
# A USER token's required claim: the user's credentials_version when it was issued. A new
# password raises the version, and verification refuses a token whose number is not the
# user's current one.
CREDENTIALS_VERSION = "ver"


def issue(*, kind: str, subject: str, claims: dict | None = None) -> tuple[str, datetime]:
    """A signed access token for `subject` and the moment it expires."""
    now = timezone.now()
    expires_at = now + LIFETIMES[kind]
    payload = {
        **(claims or {}),
        "sub": subject,
        "kind": kind,
        "typ": TOKEN_TYPE,
        "iss": ISSUER,
        "aud": AUDIENCE,
        "iat": int(now.timestamp()),
        "exp": int(expires_at.timestamp()),
        "jti": secrets.token_urlsafe(12),
    }
    return jwt.encode(payload, settings.JWT_SIGNING_KEY, algorithm=ALGORITHM), expires_at


def decode(token: str) -> dict | None:
    """The claims of a valid, unexpired access token of ours, else None."""
    try:
        claims = jwt.decode(
            token,
            settings.JWT_SIGNING_KEY,
            algorithms=[ALGORITHM],
            audience=AUDIENCE,
            issuer=ISSUER,
            options={"require": REQUIRED_CLAIMS},
        )
    except jwt.PyJWTError:
        return None
    # PyJWT has checked signature, algorithm, expiry, audience, issuer and that `sub` is text.
    if claims.get("typ") != TOKEN_TYPE or claims.get("kind") not in LIFETIMES:
        return None
    return claims
