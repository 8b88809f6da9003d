"""The one "get or 404" every access helper (accounts.access, tokens.access) fetches through,
so an object out of reach is answered the same way wherever it is asked for."""

import re

from django.db.models import Model, QuerySet
from django.http import Http404

from portal.api import NOT_FOUND, PublicIdConverter

# What an id of ours looks like, as API routes match it (`<public_id:…>`). Pages take their
# ids as any text (`<str:…>`), so this is where a page's malformed id stops.
PUBLIC_ID = re.compile(PublicIdConverter.regex)


def get_or_404(queryset: QuerySet, object_id: object) -> Model:
    """The object of `queryset` whose primary key is `object_id`, or Http404.

    `queryset` is already bounded by the caller's reach, so an id outside that reach (another
    account's, another environment's, another user's) is answered exactly like an unknown
    one: the same exception with the same message, never a hint that the object exists.

    Empty or malformed ids never query: no id of ours is empty or holds anything but
    letters, digits and underscores, so such an id is unknown without asking the database
    (and a NUL byte, which PostgreSQL refuses in text, never reaches it)."""
    if not isinstance(object_id, str) or not PUBLIC_ID.fullmatch(object_id):
        raise Http404(NOT_FOUND)
    found = queryset.filter(pk=object_id).first()
    if found is None:
        raise Http404(NOT_FOUND)
    return found
