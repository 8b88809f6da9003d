"""One log line per request: method, path, status, duration and a request id.

What it never logs: a header (Authorization, cookies), a body, or a credential in the path or
query string. Links that carry a token in their path (invitations, password resets, guest
magic and shared links) are logged with the token replaced, and so is any query value that
looks like a credential or sits under a name that says it is one.

With `LOG_FORMAT=json` the console handler writes JSON lines (JsonFormatter below), the
request's fields as keys of their own.
"""

import json
import logging
import re
import time
import uuid
from datetime import UTC, datetime
from urllib.parse import parse_qsl, urlencode

from django.conf import settings

from portal.logging import REDACTED, redact

logger = logging.getLogger("portal.request")

# Query parameters whose value is a credential whatever it looks like.
SENSITIVE_PARAMETER = re.compile(
    r"token|key|secret|password|passwd|signature|code|auth|session|uid", re.IGNORECASE
)
# A value that looks like a random token: long, and nothing but token characters.
TOKEN_LIKE = re.compile(r"^[A-Za-z0-9_.:~+/=-]{20,}$")

# A request id a trusted proxy may hand us: short, and nothing that could break a log line.
REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")


def redact_query(query: str) -> str:
    if not query:
        return ""
    pairs = parse_qsl(query, keep_blank_values=True)
    cleaned = [
        (name, REDACTED if SENSITIVE_PARAMETER.search(name) or TOKEN_LIKE.match(value) else value)
        for name, value in pairs
    ]
    # urlencode would escape the brackets of the marker; it reads better as it is.
    return redact(urlencode(cleaned)).replace("%5Bredacted%5D", REDACTED)


def loggable_path(request) -> str:
    path = redact(request.path)
    query = redact_query(request.META.get("QUERY_STRING", ""))
    return f"{path}?{query}" if query else path


def request_id_of(request) -> str:
    """The id a trusted proxy gave this request, if well-formed; else a new one. Without a
    trusted proxy the header is the client's own claim, and a client must not choose the id
    its requests are filed under."""
    offered = request.META.get("HTTP_X_REQUEST_ID", "")
    if settings.TRUSTED_PROXY_COUNT and REQUEST_ID.match(offered):
        return offered
    return uuid.uuid4().hex


class RequestLogMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        request_id = request_id_of(request)
        request.request_id = request_id
        response = self.get_response(request)
        duration_ms = round((time.perf_counter() - started) * 1000, 1)
        response["X-Request-ID"] = request_id
        if not logger.isEnabledFor(logging.INFO):
            return response  # nothing to redact for nobody
        fields = {
            "method": request.method,
            "path": loggable_path(request),
            "status": response.status_code,
            "duration_ms": duration_ms,
            "request_id": request_id,
        }
        logger.info(
            "%(method)s %(path)s %(status)s %(duration_ms)sms request_id=%(request_id)s",
            fields,
            extra={"request_fields": fields},
        )
        return response


class JsonFormatter(logging.Formatter):
    """One JSON object per line. A request's line carries its fields as keys of their own."""

    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": datetime.fromtimestamp(record.created, tz=UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        fields = getattr(record, "request_fields", None)
        if isinstance(fields, dict):
            line.update(fields)
        if record.exc_info:
            line["exception"] = redact(self.formatException(record.exc_info))
        return json.dumps(line, ensure_ascii=False)
