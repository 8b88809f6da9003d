"""The guest session: how a guest who confirmed a magic link or redeemed a shared link stays
signed in, in the browser's Django session, without being a Django user.

A guest is never logged in with django.contrib.auth, so request.user stays anonymous and no
administrator page (login_required) ever takes them for someone. The session holds only the
guest's id, their environment's id and when they were last active. It lasts an hour from
then, and every guest page moves the hour on (to the minute, so a guest clicking around
does not rewrite the session on every click).

Nothing else about the guest is kept: each guest page reads the guest (joined with what the
page shows) from the database again, so a deleted guest, or a guest removed from a space, is
refused on the very next request, on every process."""

from dataclasses import dataclass
from datetime import timedelta

from django.contrib.auth import logout
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.middleware.csrf import rotate_token
from django.utils import timezone

SESSION_LIFETIME = timedelta(hours=1)
# A guest page written less than this after the last renewal leaves the session unwritten.
RENEWED_EVERY = timedelta(minutes=1)

GUEST_ID_KEY = "guests:guest_id"
ENVIRONMENT_ID_KEY = "guests:environment_id"
ACTIVE_AT_KEY = "guests:active_at"  # a POSIX timestamp: sessions store JSON


@dataclass(frozen=True)
class GuestSession:
    guest_id: str
    environment_id: str


def _now() -> float:
    return timezone.now().timestamp()


def guest_session_start(request, guest) -> None:
    """Sign `guest` in to this browser. The session starts afresh under a new key (nobody
    who planted a session id gets in with it; whoever was signed in here, an administrator
    too, is signed out), and so does the CSRF token."""
    if request.user.is_authenticated:
        logout(request)  # flushes the session, and tells django.contrib.auth's listeners
    else:
        request.session.flush()
    rotate_token(request)
    request.session[GUEST_ID_KEY] = guest.id
    request.session[ENVIRONMENT_ID_KEY] = guest.environment_id
    request.session[ACTIVE_AT_KEY] = _now()
    # The session's own expiry, in the session store and the cookie: an hour, renewed with
    # ACTIVE_AT_KEY whenever the session is written again.
    request.session.set_expiry(int(SESSION_LIFETIME.total_seconds()))


def guest_session_end(request) -> None:
    """Sign the guest out: the session and its key are gone."""
    request.session.flush()


def _alive_since(request) -> float | None:
    """When the session's guest was last active, if it holds a guest active within the
    hour."""
    active_at = request.session.get(ACTIVE_AT_KEY)
    if GUEST_ID_KEY not in request.session or not isinstance(active_at, int | float):
        return None
    if _now() - active_at > SESSION_LIFETIME.total_seconds():
        return None
    return active_at


def holds_guest_session(request) -> bool:
    """Whether this browser holds a living guest session (nothing is read but the session)."""
    return _alive_since(request) is not None


def guest_session(request) -> GuestSession | None:
    """The signed-in guest's ids for a guest page, the session's hour moved on; None when
    there is no guest session or it is over an hour old (then it is ended). Whether the
    guest still exists is the page's query to tell."""
    active_at = _alive_since(request)
    if active_at is None:
        if GUEST_ID_KEY in request.session:
            guest_session_end(request)
        return None
    now = _now()
    if now - active_at >= RENEWED_EVERY.total_seconds():
        request.session[ACTIVE_AT_KEY] = now
    return GuestSession(
        guest_id=request.session[GUEST_ID_KEY],
        environment_id=request.session[ENVIRONMENT_ID_KEY],
    )


@receiver(user_logged_in, dispatch_uid="guests.sessions.end_guest_session_on_sign_in")
def end_guest_session_on_sign_in(sender, request, user, **kwargs):
    """An administrator signing in where a guest session was (login() keeps the session's
    data under a new key) is no longer that guest, and their session lives as long as an
    administrator's does."""
    if GUEST_ID_KEY in request.session:
        for key in (GUEST_ID_KEY, ENVIRONMENT_ID_KEY, ACTIVE_AT_KEY):
            request.session.pop(key, None)
        request.session.set_expiry(None)
