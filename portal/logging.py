"""Keeps credentials out of the logs, whatever logs them (the dev server logs request paths,
and an invitation link carries its token in the path)."""

import logging
import re

CREDENTIAL_PATTERN = re.compile(
    r"\b(?:pat|sk|pk|cs|inv|ml|sl)_[A-Za-z0-9_-]{16,}"  # our prefixed credentials and links
    r"|\beyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+"  # JWTs
)


def redact(text: str) -> str:
    return CREDENTIAL_PATTERN.sub("[redacted]", text)


class RedactCredentials(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True
