"""The API's one authentication class: `Authorization: Bearer <credential>` (RFC 6750)."""

from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication

from tokens.verification import verify

REALM = 'Bearer realm="api"'
INVALID_TOKEN = "The access token is invalid, expired or revoked."


class BearerAuthentication(BaseAuthentication):
    """Accepts a personal access token, a secret or publishable key, or an access token.
    A token in the query string or the body is never looked at."""

    def authenticate(self, request):
        # WSGI hands headers over as text (PEP 3333).
        header = request.META.get("HTTP_AUTHORIZATION", "")
        if not header:
            return None
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer":
            return None  # not ours: answered 401 with our challenge
        # Exactly one space after the scheme, and no whitespace or control character in the
        # token (Python counts every whitespace but the space as not printable).
        if not token or " " in token or not token.isprintable():
            self._fail(request)
        principal = verify(token, request)
        if principal is None:
            self._fail(request)
        # The principal carries everything, its credential too (principal.credential).
        return principal, None

    def _fail(self, request):
        # Read back by authenticate_header: this refusal's challenge names the error (RFC 6750).
        request.bearer_error = "invalid_token"
        raise exceptions.AuthenticationFailed(INVALID_TOKEN)

    def authenticate_header(self, request) -> str:
        if getattr(request, "bearer_error", None):
            return f'{REALM}, error="invalid_token", error_description="{INVALID_TOKEN}"'
        return REALM
