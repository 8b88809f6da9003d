"""Liveness and readiness for a load balancer: `/healthz` (this process answers) and `/readyz`
(it can reach the database and the cache), a plain 200 "ok" or 503 "unavailable".

They are answered here, first in the middleware, before anything reads the request's Host
header or redirects to https: a balancer probes each process by its own address over plain
HTTP, and neither ALLOWED_HOSTS nor SECURE_SSL_REDIRECT would let it. That is safe because
the answer is the same for everyone and says nothing: no credential is read, no session or
cookie is touched, no detail of what failed is given (it is logged instead, for the
operator). The probes are not logged when they pass, so they do not drown the request log.
"""

import logging

from django.core.cache import cache
from django.db import connection
from django.http import HttpResponse

logger = logging.getLogger("portal.health")

PATHS = ("/healthz", "/readyz")


def plain(status: int, text: str) -> HttpResponse:
    response = HttpResponse(text, status=status, content_type="text/plain; charset=utf-8")
    response["Cache-Control"] = "no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def ready() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        # A write and a read: the cache holds the rate limits, so it must take writes.
        cache.set("portal:readyz", "1", timeout=10)
        if cache.get("portal:readyz") != "1":
            raise RuntimeError("the cache did not keep a value")
    except Exception:
        logger.exception("not ready")
        return False
    return True


class HealthCheckMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        path = request.path_info.rstrip("/")
        if path not in PATHS:
            return self.get_response(request)
        if request.method not in ("GET", "HEAD"):
            response = plain(405, "method not allowed")
            response["Allow"] = "GET, HEAD"
            return response
        if path == "/healthz" or ready():
            return plain(200, "ok")
        return plain(503, "unavailable")
