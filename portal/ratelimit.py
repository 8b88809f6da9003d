"""Fixed-window rate limits counted in the shared cache, so every app process behind the
load balancer sees the same counts; and the glue for django-axes, which counts failed
sign-ins per (email, client address) in the same cache.

Axes hooks every authenticate() call, the Django admin's login included; the limits here
are what it cannot count: attempts per client address across emails, the loose per-email
limit across addresses, password reset requests, guests' requests for a new magic
link, and the join forms of shared links."""

import hashlib
import ipaddress
import time

from axes.helpers import get_cool_off
from axes.utils import reset as axes_reset
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import NON_FIELD_ERRORS
from django.http import HttpResponse

from portal.api import AttemptsThrottled, json_error
from portal.paths import is_api_request


def client_ip(request) -> str | None:
    """client_address as a database keeps an address (a session's, a credential's last
    use): None when a proxy handed over something that is no address."""
    try:
        return str(ipaddress.ip_address(client_address(request)))
    except ValueError:
        return None


def client_address(request) -> str:
    """The client's address, trusting exactly TRUSTED_PROXY_COUNT proxies in front of us.

    Each trusted proxy appends the address it saw to X-Forwarded-For, so the real client is
    that many entries from the right; anything further left is the client's own claim.
    """
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies:
        forwarded = [
            part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
        ]
        forwarded = [part for part in forwarded if part]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR", "")


def hit(scope: str, subject: str) -> int | None:
    """Count one attempt; return seconds to wait if the limit is exceeded, else None."""
    limit, window = settings.RATE_LIMITS[scope]
    now = time.time()
    window_index = int(now // window)
    # The subject (an email, an address) is hashed so cache keys never carry it in clear;
    # "surrogatepass" so that text no address could hold is counted, not a crash.
    digest = hashlib.sha256(subject.lower().encode("utf-8", "surrogatepass")).hexdigest()[:32]
    key = f"ratelimit:{scope}:{digest}:{window_index}"
    cache.add(key, 0, timeout=window + 1)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr: start the window again
        cache.add(key, 1, timeout=window + 1)
        count = 1
    if count > limit:
        return max(1, int(window - (now % window)) + 1)
    return None


def hit_each(*limits: tuple[str, str]) -> int | None:
    """Count one attempt against every (scope, subject) limit, all of them advancing
    whatever the others say (so a refusal tells nothing of which one it was); the longest
    wait if any is exceeded, else None."""
    waits = [wait for scope, subject in limits if (wait := hit(scope, subject))]
    return max(waits, default=None)


# django-axes ------------------------------------------------------------------------------


class TooManyAttempts(Exception):
    """A service refused an attempt over a limit; the caller answers 429 with Retry-After."""

    def __init__(self, retry_after: int):
        super().__init__(f"Too many attempts, try again in {retry_after} seconds.")
        self.retry_after = retry_after


def lockout_seconds(request) -> int:
    """How long a locked-out (email, address) waits. Every refused attempt counts as one more
    failure and starts the cool-off again, so it is the whole cool-off from now."""
    return int(get_cool_off(request).total_seconds())


def lockout_wait(request) -> int | None:
    """After an authenticate() call that returned no user: seconds to wait if django-axes
    refused it (the client is locked out), None if the credentials were simply wrong."""
    if getattr(request, "axes_locked_out", False):
        return lockout_seconds(request)
    return None


def clear_failures(request, *, username: str) -> None:
    """A successful sign-in outside django.contrib.auth.login() (the auth endpoint issues a
    token instead of a session, so axes' own reset on login never runs) clears its count."""
    if settings.AXES_RESET_ON_SUCCESS:
        axes_reset(ip=client_address(request), username=username)


def wait_text(seconds: int) -> str:
    """A wait or a lifetime in words: whole hours as hours, else minutes from two on."""
    if seconds >= 3600 and seconds % 3600 == 0:
        hours = seconds // 3600
        return f"{hours} hour{'s' if hours != 1 else ''}"
    if seconds >= 120:
        return f"{-(-seconds // 60)} minutes"
    return f"{seconds} second{'s' if seconds != 1 else ''}"


def too_many_requests(response: HttpResponse, wait: int) -> HttpResponse:
    """A refusal over a limit outside DRF: a page as rendered, its form saying why and for
    how long, or django-axes' lockout. 429, with Retry-After in seconds; the API's views
    raise DRF's Throttled instead (portal.api.AttemptsThrottled), which carries both."""
    response.status_code = 429
    response["Retry-After"] = str(wait)
    return response


def lockout_response(request, original_response, credentials) -> HttpResponse:
    """AXES_LOCKOUT_CALLABLE: the answer to a sign-in that django-axes refused, per path.

    A sign-in page (the portal's, the Django admin's) is the page itself, as it was answered,
    with the lockout in place of "wrong email or password": the typed email kept, 429 and
    Retry-After, like the portal's own rate limits. Under the API it is the envelope.
    """
    wait = lockout_seconds(request)
    if is_api_request(request):
        # POST /v1/auth answers its lockouts itself (its request object is DRF's, which the
        # middleware never sees); this keeps any other endpoint's in the envelope too.
        response = json_error(str(AttemptsThrottled(wait=wait).detail), 429)
    else:
        message = f"Too many attempts, try again in {wait_text(wait)}."
        context = getattr(original_response, "context_data", None) or {}
        form = context.get("form")
        if form is None:
            response = HttpResponse(message, content_type="text/plain")
        else:
            # Django's login views answer a TemplateResponse; its form was validated (the
            # attempt was refused inside its authenticate()), so only its message changes.
            form.errors[NON_FIELD_ERRORS] = form.error_class(
                [message], error_class="nonfield", renderer=form.renderer
            )
            response = original_response
            response.content = response.rendered_content
    return too_many_requests(response, wait)
