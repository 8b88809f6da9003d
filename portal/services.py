"""Helpers every app's services share."""

from django.db import models


def model_update(*, instance: models.Model, data: dict) -> list[str]:
    """Set the fields of `data` whose value differs and save only those (with `updated_at`
    where the model has one): one UPDATE, or none when nothing changed. Returns the names of
    the fields that changed, sorted, for the change's event. HackSoft's `model_update`, less
    its full_clean: our services check what they are given themselves, in fewer queries."""
    changed = sorted(field for field, value in data.items() if getattr(instance, field) != value)
    for field in changed:
        setattr(instance, field, data[field])
    if changed:
        stamped = ["updated_at"] if hasattr(type(instance), "updated_at") else []
        instance.save(update_fields=[*changed, *stamped])
    return changed
