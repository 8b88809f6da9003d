"""One-time nonces for forms whose response shows a value once (a new token, a magic link).

A browser that reloads the page after such a POST sends it again. Each of those forms
carries a nonce made when the page was rendered, so the repeat makes nothing and shows
nothing (a repeated regenerate would kill the value just copied; a repeated "copy magic
link" would mint another live link).

Nonces live in the shared cache (Redis with several processes), under the user's id, and
are spent by deleting them: the cache deletes a key for exactly one caller, so of several
posts of one form sent at once (a double click, a reload racing the first answer) exactly
one is answered. Kept in the session, every one of them read the nonce before any wrote
the session back, and each made a token."""

import re
import secrets
from datetime import timedelta

from django.core.cache import cache

# How long a rendered form may wait to be sent: a page left open overnight still works.
FORM_NONCE_LIFETIME = timedelta(days=1)
FORM_NONCE = re.compile(r"[A-Za-z0-9_-]{22}")  # secrets.token_urlsafe(16)


def _nonce_key(user, nonce: str) -> str:
    return f"form-nonce:{user.pk}:{nonce}"


def new_nonce(request) -> str:
    """A fresh nonce for the signed-in user's next form."""
    nonce = secrets.token_urlsafe(16)
    cache.add(_nonce_key(request.user, nonce), True, FORM_NONCE_LIFETIME.total_seconds())
    return nonce


def spend_nonce(request, nonce: str) -> bool:
    """True for exactly one caller per nonce made for this user, and only within its life."""
    if not FORM_NONCE.fullmatch(nonce):
        return False  # never made by new_nonce; nor a key the cache should be asked about
    return cache.delete(_nonce_key(request.user, nonce))
