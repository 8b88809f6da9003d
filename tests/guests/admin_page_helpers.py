"""For the tests of the administrator's guest pages: the events recorded, everything the
sidebar's actions could change as one value, and the parts of the space's page they read."""

import re

from accounts.models import Event
from guests.models import Guest, MagicLink, SharedLink, SpaceGrant, WorkbookGrant
from tests.pages import text


def topics() -> list[str]:
    return list(Event.objects.order_by("created_at", "id").values_list("topic", flat=True))


def state() -> tuple:
    """Everything the sidebar's actions could change."""
    return (
        sorted(Guest.objects.values_list("id", "name", "email")),
        sorted(SpaceGrant.objects.values_list("guest_id", "space_id", "all_workbooks")),
        sorted(WorkbookGrant.objects.values_list("guest_id", "workbook_id")),
        sorted(MagicLink.objects.values_list("id", "used_at", "revoked_at")),
        sorted(SharedLink.objects.values_list("id", "token_digest", "expires_at", "disabled_at")),
        Event.objects.count(),
    )


def nonce_of(response) -> str:
    return re.search(r'name="nonce" value="([^"]+)"', text(response)).group(1)


def page_url(space) -> str:
    return f"/spaces/{space.id}/"
