"""Signed-in sessions: django-qsessions stores each with its user, address and browser."""

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.utils import timezone
from qsessions.middleware import SessionMiddleware as QSessionsMiddleware

from portal.ratelimit import client_ip

# When the signed-in person last used this session (a POSIX timestamp: sessions store JSON).
SEEN_AT_KEY = "accounts:seen_at"
# A request less than this after the last one seen leaves the session unwritten.
SEEN_EVERY_SECONDS = 60


class SessionMiddleware(QSessionsMiddleware):
    """django-qsessions' middleware, with the portal's client address instead of
    REMOTE_ADDR, which behind a proxy is the proxy's.

    And a session's "last active" (qsessions' updated_at, set whenever the session is
    saved) kept true to the minute: Django saves a session only when it changed, so a
    signed-in person's request marks it seen when it was last seen a minute ago or more,
    and every other request writes nothing."""

    def process_request(self, request):
        request.session = self.SessionStore(
            ip=client_ip(request),
            user_agent=request.headers.get("User-Agent", ""),
            session_key=request.COOKIES.get(settings.SESSION_COOKIE_NAME),
        )

    def process_response(self, request, response):
        session = getattr(request, "session", None)
        # Only a session the request read already (loaded, so this costs no query) and that
        # signs a person in: not the API's requests, nor a guest's (guests.sessions renews
        # those itself), nor a signed-out visitor's.
        if session is not None and session.accessed and SESSION_KEY in session:
            now = timezone.now().timestamp()
            seen_at = session.get(SEEN_AT_KEY)
            if (
                session.modified  # written anyway: the mark comes free
                or not isinstance(seen_at, int | float)
                or now - seen_at >= SEEN_EVERY_SECONDS
            ):
                session[SEEN_AT_KEY] = int(now)
        return super().process_response(request, response)
