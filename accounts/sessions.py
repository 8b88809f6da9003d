"""Signed-in sessions: django-qsessions stores each with its user, address and browser."""

import ipaddress

from django.conf import settings
from qsessions.middleware import SessionMiddleware as QSessionsMiddleware

from portal.ratelimit import client_address


def session_address(request) -> str | None:
    """The client's address as a session stores it: resolved the portal's way
    (TRUSTED_PROXY_COUNT), and None when a proxy handed over something that is no address."""
    try:
        return str(ipaddress.ip_address(client_address(request)))
    except ValueError:
        return None


class SessionMiddleware(QSessionsMiddleware):
    """django-qsessions' middleware, with the portal's client address instead of
    REMOTE_ADDR, which behind a proxy is the proxy's."""

    def process_request(self, request):
        request.session = self.SessionStore(
            ip=session_address(request),
            user_agent=request.headers.get("User-Agent", ""),
            session_key=request.COOKIES.get(settings.SESSION_COOKIE_NAME),
        )
