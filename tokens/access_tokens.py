"""Access tokens: short-lived JWTs (PyJWT) signed with a key of their own (JWT_SIGNING_KEY,
never SECRET_KEY). The algorithm is pinned and every claim below is required, so neither
`alg=none`, another key, nor any other JWT of ours passes as an access token.

Checking a token's signature and claims is a pure function of the token and the key, so a
process remembers the tokens it has verified (by their whole value, below) and checks only
their expiry again. It never remembers a refusal, nor anything the database says: who the
subject is now is read again on every request (tokens.verification)."""

import functools
import secrets
import time
from collections.abc import Mapping
from datetime import datetime, timedelta
from types import MappingProxyType

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
# How many verified tokens a process remembers, the least recently used forgotten first:
# a few megabytes at most.
VERIFIED_TOKENS_REMEMBERED = 4096


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


def decode(token: str) -> Mapping | None:
    """The claims of a valid, unexpired access token of ours, else None (read-only)."""
    try:
        claims, expires = verified_claims(token, settings.JWT_SIGNING_KEY)
    except jwt.PyJWTError:
        return None
    # Everything else was checked when the token was first verified; PyJWT's test of expiry.
    if expires <= time.time():
        return None
    return claims


@functools.lru_cache(maxsize=VERIFIED_TOKENS_REMEMBERED)
def verified_claims(token: str, key: str) -> tuple[Mapping, int]:
    """A token's claims, read-only, and its expiry, once PyJWT has checked its signature,
    algorithm, expiry, audience, issuer, required claims and that `sub` is text, and we its
    type and kind; raises jwt.PyJWTError otherwise. Remembered per process by the token's
    whole value and the key: a refusal is raised, and lru_cache keeps no exception, so a
    made-up or altered token is checked in full every time and takes no place here."""
    claims = jwt.decode(
        token,
        key,
        algorithms=[ALGORITHM],
        audience=AUDIENCE,
        issuer=ISSUER,
        options={"require": REQUIRED_CLAIMS},
    )
    if claims.get("typ") != TOKEN_TYPE or claims.get("kind") not in LIFETIMES:
        raise jwt.InvalidTokenError("Not an access token of ours.")
    # PyJWT has read `exp` as a whole number to check it; checked again on every use.
    return MappingProxyType(claims), int(claims["exp"])
