"""Keeps credentials out of the logs, whatever logs them.

Every handler the portal logs through (Django's loggers, the dev server's, gunicorn's)
passes this filter, because the paths of a few pages carry a token (invitations, password
resets, guest magic and shared links) and Django itself logs paths: "Not Found: …",
"Method Not Allowed (HEAD): …", a refused CSRF check, the dev server's request line.
"""

import logging
import re

REDACTED = "[redacted]"

# One path segment, as it can appear inside a log line: up to a slash, a space, a quote or
# the query string.
SEGMENT = r"[^/\s\"'?#]+"

# Pages whose path segments are credentials, wherever the path appears in a line:
# (pattern, replacement).
TOKEN_PATHS = [
    # "accept" is the route that spends an invitation, never a token.
    (re.compile(rf"/invitations/(?!accept/){SEGMENT}"), f"/invitations/{REDACTED}"),
    # uidb64 and token; the single-segment pages beside them (sent/, done/) have no second.
    (
        re.compile(rf"/password-reset/{SEGMENT}/{SEGMENT}"),
        f"/password-reset/{REDACTED}/{REDACTED}",
    ),
    # Every segment after these: a shared link's confirmation carries its token in the
    # second (/guest/shared/confirm/<token>/).
    (re.compile(rf"/guest/(magic|shared)/{SEGMENT}(?:/{SEGMENT})*"), rf"/guest/\1/{REDACTED}"),
]

CREDENTIAL_PATTERN = re.compile(
    r"\b(?:pat|sk|pk|cs|inv|ml|sl)_[A-Za-z0-9_-]{16,}"  # our prefixed credentials and links
    r"|\beyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+"  # JWTs
)


def redact(text: str) -> str:
    for pattern, replacement in TOKEN_PATHS:
        text = pattern.sub(replacement, text)
    return CREDENTIAL_PATTERN.sub(REDACTED, text)


class RedactCredentials(logging.Filter):
    """Redacts the message and any traceback or stack attached to it (an exception's text
    can quote a path too)."""

    formatter = logging.Formatter()

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatter.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


def logging_config(*, log_format: str, level: str) -> dict:
    """Django's LOGGING: one console handler, through the credential filter, for every
    logger; `log_format` "json" writes JSON lines (portal.request_log.JsonFormatter)."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"redact_credentials": {"()": "portal.logging.RedactCredentials"}},
        "formatters": {
            "text": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
            "json": {"()": "portal.request_log.JsonFormatter"},
        },
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "filters": ["redact_credentials"],
                "formatter": "json" if log_format == "json" else "text",
            },
        },
        "loggers": {
            # Django's default gives its logger a console handler of its own (DEBUG on) and
            # the admins' mail (DEBUG off), neither through our filter, and it logs
            # token-bearing paths ("Method Not Allowed (HEAD): /guest/magic/…"): ours alone.
            "django": {"handlers": ["console"], "level": "INFO", "propagate": False},
            # The dev server logs each request too; ours says it already, so only its
            # warnings and errors (through our filter).
            "django.server": {"handlers": ["console"], "level": "WARNING", "propagate": False},
        },
        "root": {"handlers": ["console"], "level": level},
    }
