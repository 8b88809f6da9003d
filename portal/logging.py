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
