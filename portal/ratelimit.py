"""Fixed-window rate limits counted in the shared cache, so every app process behind the
load balancer sees the same counts."""

import hashlib
import time

from django.conf import settings
from django.core.cache import cache


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
    # The subject (an email, an address) is hashed so cache keys never carry it in clear.
    digest = hashlib.sha256(subject.lower().encode()).hexdigest()[:32]
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
