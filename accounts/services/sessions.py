"""A person's signed-in sessions (django-qsessions' rows): listing them, and ending one or
all but the current one.

A session's key is its database key and the cookie's value: whoever holds it is signed in.
So it never leaves the server: pages name a session by its handle, an HMAC of the key under
the portal's SECRET_KEY, which says nothing about the key and is resolved back only among
the person's own sessions."""

from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth import HASH_SESSION_KEY
from django.db import transaction
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from qsessions.models import Session

from accounts.access import account_administered_by
from accounts.audit import Actor, record_event
from accounts.models import User

HANDLE_SALT = "accounts.sessions.handle"
HANDLE_LENGTH = 32  # hex digits: 128 bits of the HMAC-SHA256

# ua-parser's names that read badly on the page.
PLATFORM_NAMES = {"Mac OS X": "macOS", "Chrome OS": "ChromeOS"}


@dataclass(frozen=True)
class SignedInSession:
    """What the Sessions page shows of one session: never its key."""

    handle: str
    browser: str
    ip: str | None
    created_at: datetime | None
    last_active_at: datetime
    current: bool


def session_handle(session_key: str) -> str:
    return salted_hmac(HANDLE_SALT, session_key, algorithm="sha256").hexdigest()[:HANDLE_LENGTH]


def browser_name(session: Session) -> str:
    """ "Chrome 131 on macOS", from the user agent the session was last used with."""
    result = session.device_info
    agent = result.user_agent if result is not None else None
    if agent is None or agent.family == "Other":
        return "Unknown browser"
    name = f"{agent.family} {agent.major}" if agent.major else agent.family
    if result.os is None or result.os.family == "Other":
        return name
    return f"{name} on {PLATFORM_NAMES.get(result.os.family, result.os.family)}"


def _holds_current_password(user: User, session: Session) -> bool:
    """Whether Django would still accept the session for `user` (django.contrib.auth's
    get_user): a session signed in before the password last changed carries the old
    password's hash and is signed out on its next request, so it is no longer a place the
    person is signed in."""
    session_hash = session.get_decoded().get(HASH_SESSION_KEY) or ""
    return constant_time_compare(session_hash, user.get_session_auth_hash()) or any(
        constant_time_compare(session_hash, fallback)
        for fallback in user.get_session_auth_fallback_hash()
    )


def _living_sessions(user: User) -> list[Session]:
    """The user's sessions that have not expired and still sign them in. Expired rows stay
    until `manage.py clearsessions` deletes them (README, Production)."""
    sessions = Session.objects.filter(user=user, expire_date__gt=timezone.now()).order_by(
        "-updated_at"
    )
    return [session for session in sessions if _holds_current_password(user, session)]


def sessions_of(user: User, *, current_session_key: str | None) -> list[SignedInSession]:
    """Where `user` is signed in: `current_session_key`'s session (the browser asking)
    marked and first, then the most recently active first."""
    signed_in = [
        SignedInSession(
            handle=session_handle(session.session_key),
            browser=browser_name(session),
            ip=session.ip,
            created_at=session.created_at,
            last_active_at=session.updated_at,
            current=session.session_key == current_session_key,
        )
        for session in _living_sessions(user)
    ]
    return sorted(signed_in, key=lambda session: not session.current)


def session_key_for_handle(user: User, handle: str) -> str | None:
    """The key of `user`'s living session whose handle is `handle`; None for anything else
    (another person's session, an ended one, a made-up handle)."""
    for session in _living_sessions(user):
        if constant_time_compare(session_handle(session.session_key), handle):
            return session.session_key
    return None


def _record_ended(user: User, actor: Actor, *, ended: int, everywhere_else: bool) -> None:
    account = account_administered_by(user)
    if account is not None:  # a bare superuser has no audit trail to write to
        record_event(
            "user:session-ended",
            on=account,
            actor=actor,
            userId=user.id,
            sessions=ended,
            everywhereElse=everywhere_else,
        )


@transaction.atomic
def session_end(*, user: User, session_key: str, actor: Actor) -> None:
    """Sign `user` out of one of their sessions: the browser holding it is signed out on its
    very next request (the row is gone, so Django finds no session). Another person's
    session, or a key that is no session, raises Session.DoesNotExist and ends nothing."""
    ended, _ = Session.objects.filter(user=user, session_key=session_key).delete()
    if not ended:
        raise Session.DoesNotExist("No such session of this user.")
    _record_ended(user, actor, ended=ended, everywhere_else=False)


@transaction.atomic
def sessions_end_all_except(*, user: User, keep_session_key: str | None) -> int:
    """Sign `user` out everywhere but the session `keep_session_key` (the browser asking):
    how many sessions ended, counting those the Sessions page lists (an expired session, or
    one from before the password changed, signs no one in already). Nothing ended, nothing
    is recorded."""
    others = [
        session.session_key
        for session in _living_sessions(user)
        if session.session_key != keep_session_key
    ]
    ended, _ = Session.objects.filter(user=user, session_key__in=others).delete()
    if ended:
        _record_ended(user, user, ended=ended, everywhere_else=True)
    return ended
