"""For the tests of the guests services: a guest's grants as one value, and a magic link
made through its service."""

from guests import services
from guests.models import MagicLink, SpaceGrant, WorkbookGrant
from tests.factories import administrator_of


def grants_of(guest) -> dict[str, set[str] | None]:
    """space id → None (the whole space) or the ids of the workbooks granted there."""
    limited = {}
    for space_id, workbook_id in WorkbookGrant.objects.filter(guest=guest).values_list(
        "space_id", "workbook_id"
    ):
        limited.setdefault(space_id, set()).add(workbook_id)
    return {
        grant.space_id: None if grant.all_workbooks else limited.get(grant.space_id, set())
        for grant in SpaceGrant.objects.filter(guest=guest)
    }


def invitation(guest, space, *, actor=None, purpose=MagicLink.Purpose.INVITATION):
    return services.magic_link_create(
        guest=guest,
        space=space,
        purpose=purpose,
        actor=actor or administrator_of(guest.environment.account),
    )
