"""A write that lost to another one made at the same moment.

Services check what they can first (a name already taken answers as the duplicate it is),
but between a check and its write another request may commit the same thing, or delete what
the write refers to; and two transactions may each wait for the other. The database then
refuses the loser and rolls its transaction back: nothing of it was saved. That is a
conflict with the current state (409, "try again"), not a fault of ours (500), wherever it
happens. Any other database error stays a 500."""

import logging

from django.db import DatabaseError

from portal import refusals
from portal.paths import is_api_request

logger = logging.getLogger(__name__)

CONFLICT = (
    "Another request changed the same thing at the same moment, so nothing was saved. Try again."
)

# PostgreSQL's SQLSTATE codes (psycopg's `sqlstate`): a unique or foreign key violation,
# a deadlock, a serialization failure.
POSTGRESQL_CONFLICTS = {"23505", "23503", "40P01", "40001"}
# SQLite's extended result codes (sqlite3's `sqlite_errorname`). SQLITE_BUSY is another
# writer holding the lock for longer than the busy timeout (settings, DATABASES).
SQLITE_CONFLICTS = {
    "SQLITE_CONSTRAINT_UNIQUE",
    "SQLITE_CONSTRAINT_PRIMARYKEY",
    "SQLITE_CONSTRAINT_FOREIGNKEY",
    "SQLITE_BUSY",
}


def is_conflict(error: BaseException) -> bool:
    """Whether `error` is the database refusing a write that raced another, by the
    driver's own error code (Django's DatabaseError wraps the driver's as its cause)."""
    if not isinstance(error, DatabaseError):
        return False
    cause = error.__cause__
    return (
        getattr(cause, "sqlstate", None) in POSTGRESQL_CONFLICTS
        or getattr(cause, "sqlite_errorname", None) in SQLITE_CONFLICTS
    )


def log_conflict(error: BaseException) -> None:
    """Logged with its traceback (Django logs the response and its path itself), so a
    conflict that a service should have named, as it names a duplicate it checked for, is
    seen and fixed there."""
    logger.warning("A write lost to a concurrent one and was refused", exc_info=error)


PAGE_CONFLICT = (
    "Changed at the same moment",
    "Someone changed the same thing just as you sent this, so nothing was saved. Go back, "
    "reload the page and try again.",
)


class ConflictPageMiddleware:
    """A page's write that lost to a concurrent one answers the portal's 409 page rather
    than a server error. (The API's views answer theirs in the envelope, portal.api.)"""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not is_conflict(exception) or is_api_request(request):
            return None
        log_conflict(exception)
        return refusals.refusal(request, 409, *PAGE_CONFLICT)
