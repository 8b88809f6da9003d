from django.apps import AppConfig


class GuestsConfig(AppConfig):
    name = "guests"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # guests sits above tokens and accounts. What it adds to them is named in settings
        # (ACCESS_TOKEN_RESOLVERS, SPACE_GUEST_LINKS, SPACE_PAGE_SECTIONS), and a guest's
        # reach narrows itself (guests.access.GuestPrincipal); only these remain here.
        from accounts import event_log
        from guests import sessions  # noqa: F401  (connects its user_logged_in receiver)

        # The log names a guest by name and email, and a deleted one by the email its
        # deletion recorded.
        event_log.actor_labellers["us_g"] = guest_labels


def guest_labels(account, guest_ids: set[str]) -> dict:
    """accounts.event_log's labeller for guests: one query for the living, one for the
    deleted (their deletion's event recorded their email)."""
    from django.db.models.fields.json import KT

    from accounts import access
    from accounts.event_log import ActorLabel
    from guests.models import Guest

    labels = {}
    for guest_id, name, email in Guest.objects.filter(
        pk__in=guest_ids, environment__account=account
    ).values_list("id", "name", "email"):
        labels[guest_id] = (
            ActorLabel(name, note="guest", title=email) if name else ActorLabel(email)
        )
    deleted = guest_ids - labels.keys()
    if deleted:
        for guest_id, email in (
            access.events_within(account)
            .filter(topic="guest:deleted", payload__guestId__in=deleted)
            .values_list(KT("payload__guestId"), KT("payload__email"))
        ):
            labels[guest_id] = ActorLabel(email, note="deleted guest", title=guest_id)
    return labels
