"""gunicorn's settings, from the environment (`make serve-prod`, the Procfile).

Sync workers: each request is a few milliseconds of Python and one or two database round
trips, so a process per core (WEB_CONCURRENCY) is what a machine serves best; the processes
share PostgreSQL and Redis and nothing else.
"""

import os

from gunicorn import glogging

from portal.logging import RedactCredentials

wsgi_app = "portal.wsgi:application"
# Every interface by default, as behind a load balancer; HOST=127.0.0.1 for loopback only.
HOST = os.environ.get("HOST", "0.0.0.0")  # noqa: S104
bind = os.environ.get("BIND") or f"{HOST}:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
worker_class = "sync"
# A request that takes longer than this is killed and its worker replaced.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "30"))
# Behind a load balancer that keeps connections open to us.
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", "5"))
# The portal logs every request itself (portal/request_log.py: credentials redacted, a
# request id): gunicorn's access log would log the raw path, tokens and all.
accesslog = None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
# X-Forwarded-* are read by Django itself, from TRUSTED_PROXY_COUNT proxies only.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")


class RedactingLogger(glogging.Logger):
    """gunicorn's own error log names the path of a request it could not hand over
    ("Error handling request /guest/magic/…"), and some paths carry a token: its lines pass
    the filter every other log line passes."""

    redact_credentials = RedactCredentials()

    def setup(self, cfg):
        super().setup(cfg)
        for handler in self.error_log.handlers:
            handler.addFilter(self.redact_credentials)


logger_class = RedactingLogger
