"""A guest's grants: spaces (whole, or narrowed to workbooks) given and taken away, and the
note of when a granted space was last opened."""

from django.utils import timezone

from accounts.audit import Actor
from accounts.models import Space, Workbook
from guests.models import Guest, MagicLink, SpaceGrant, WorkbookGrant
from guests.services.common import actor_id, record_guest_event
from portal.services import USE_RESOLUTION, record_use


def _lock(guest: Guest) -> None:
    """Hold the guest's row until the transaction ends, so that two changes of their grants
    at once (two administrators adding the same space) take turns rather than both
    inserting the same grant."""
    Guest.objects.select_for_update().filter(pk=guest.pk).values_list("pk").first()


def grant_spaces(
    guest: Guest,
    chosen: list[tuple[Space, list[Workbook] | None]],
    *,
    actor: Actor | None,
    via: str,
) -> None:
    """Grant each chosen space with its workbook limits; a space granted already keeps its
    grant (how it was given, when last opened) and takes the limits given now."""
    if not chosen:
        return
    _lock(guest)
    space_ids = [space.id for space, _ in chosen]
    existing = {
        grant.space_id: grant
        for grant in SpaceGrant.objects.filter(guest=guest, space_id__in=space_ids)
    }
    limits_before: dict[str, set[str]] = {}
    for space_id, workbook_id in WorkbookGrant.objects.filter(
        guest=guest, space_id__in=existing.keys()
    ).values_list("space_id", "workbook_id"):
        limits_before.setdefault(space_id, set()).add(workbook_id)
    SpaceGrant.objects.bulk_create(
        [
            SpaceGrant(
                guest=guest,
                space=space,
                all_workbooks=workbooks is None,
                via=via,
                granted_by_id=actor_id(actor),
            )
            for space, workbooks in chosen
            if space.id not in existing
        ]
    )
    changed = [
        (space, workbooks)
        for space, workbooks in chosen
        if space.id in existing
        and (
            existing[space.id].all_workbooks != (workbooks is None)
            or limits_before.get(space.id, set()) != {workbook.id for workbook in workbooks or ()}
        )
    ]
    for whole in (True, False):
        SpaceGrant.objects.filter(
            guest=guest,
            space_id__in=[space.id for space, workbooks in changed if (workbooks is None) is whole],
        ).update(all_workbooks=whole)
    replaced = [space.id for space, _ in changed]
    if replaced:
        WorkbookGrant.objects.filter(guest=guest, space_id__in=replaced).delete()
    WorkbookGrant.objects.bulk_create(
        [
            WorkbookGrant(guest=guest, space=space, workbook=workbook)
            for space, workbooks in chosen
            if space.id not in existing or space.id in replaced
            for workbook in workbooks or ()
        ]
    )
    for space, workbooks in chosen:
        workbook_ids = [workbook.id for workbook in workbooks] if workbooks is not None else None
        if space.id not in existing:
            record_guest_event(
                "guest:space-granted",
                guest=guest,
                actor=actor,
                space_id=space.id,
                via=via,
                workbookIds=workbook_ids,
            )
        elif space.id in replaced:
            record_guest_event(
                "guest:workbooks-changed",
                guest=guest,
                actor=actor,
                space_id=space.id,
                workbookIds=workbook_ids,
            )


def remove_grants(guest: Guest, space_ids: list[str], *, actor: Actor | None) -> None:
    """End the guest's access to these spaces: their grants and workbook grants go and
    their outstanding magic links there are revoked. Three statements however many."""
    if not space_ids:
        return
    _lock(guest)
    SpaceGrant.objects.filter(guest=guest, space_id__in=space_ids).delete()
    WorkbookGrant.objects.filter(guest=guest, space_id__in=space_ids).delete()
    MagicLink.objects.filter(
        guest=guest, space_id__in=space_ids, used_at__isnull=True, revoked_at__isnull=True
    ).update(revoked_at=timezone.now())
    for space_id in space_ids:
        record_guest_event("guest:space-removed", guest=guest, actor=actor, space_id=space_id)


def space_grant_record_access(*, grant: SpaceGrant) -> None:
    """Note that the guest opened the grant's space now (the guest's space page), at most
    once a minute, never failing the page (portal.services.record_use). Not an audit event:
    a view, like a credential's last use."""
    now = timezone.now()
    if grant.last_accessed_at is not None and now - grant.last_accessed_at < USE_RESOLUTION:
        return
    record_use(model=SpaceGrant, pk=grant.pk, field="last_accessed_at", now=now)
    grant.last_accessed_at = now
