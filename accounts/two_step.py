"""Two-step sign-in and recent authentication, kept in the session.

After a correct password, a person with a second factor is not signed in yet: the session
remembers who passed the first step, for PENDING_SECONDS, and the second step (a code from
an authenticator app, a recovery code or a passkey) signs them in. Every way of proving who
one is marks the time, which the dangerous actions read ("sudo mode")."""

import time

from django.conf import settings
from django.contrib.auth import login

from accounts.models import AuthenticatorApp, User

PENDING_USER = "two_step_user"
PENDING_SINCE = "two_step_since"
AUTHENTICATED_AT = "authenticated_at"
PENDING_SECONDS = 600
# The backend a session signed in with a second step records: the password was checked by
# ModelBackend (django-axes' backend only refuses locked-out clients).
BACKEND = "django.contrib.auth.backends.ModelBackend"


def has_second_factor(user: User) -> bool:
    """A passkey, or an authenticator app confirmed by a first code. Recovery codes come
    with a factor; alone they are none."""
    return (
        user.passkeys.exists()
        or AuthenticatorApp.objects.filter(user=user, confirmed_at__isnull=False).exists()
    )


def begin(request, user: User) -> None:
    """The password was right: remember who passed the first step, in a new session key
    (nobody holding the old cookie inherits the half-signed-in state)."""
    request.session.cycle_key()
    request.session[PENDING_USER] = user.pk
    request.session[PENDING_SINCE] = time.time()


def pending_user(request) -> User | None:
    """Whoever passed the first step in this session in the last PENDING_SECONDS, if they
    can still sign in."""
    user_id = request.session.get(PENDING_USER)
    since = request.session.get(PENDING_SINCE, 0)
    if user_id is None or time.time() - since > PENDING_SECONDS:
        return None
    return User.objects.filter(pk=user_id, is_active=True).first()


def complete(request, user: User) -> None:
    """Sign `user` in: the second step (or a passkey alone) proved who they are."""
    request.session.pop(PENDING_USER, None)
    request.session.pop(PENDING_SINCE, None)
    login(request, user, backend=BACKEND)
    mark_authenticated(request)


def mark_authenticated(request) -> None:
    """The person just proved who they are (a password, a code, a passkey)."""
    request.session[AUTHENTICATED_AT] = time.time()


def recently_authenticated(request) -> bool:
    at = request.session.get(AUTHENTICATED_AT)
    return at is not None and time.time() - at <= settings.REAUTHENTICATION_AGE.total_seconds()
