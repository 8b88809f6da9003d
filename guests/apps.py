from django.apps import AppConfig


class GuestsConfig(AppConfig):
    name = "guests"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # guests sits above tokens and accounts: it plugs into their registries here rather
        # than either importing guests.
        from accounts import event_log
        from accounts import views as account_views
        from accounts.api import callers
        from guests import sessions  # noqa: F401  (connects its user_logged_in receiver)
        from guests.verification import resolve_guest_access_token
        from tokens import access_tokens, verification
        from tokens.principal import Principal

        # A guest access token is verified in one query, against the guest's current rows.
        verification.access_token_resolvers[access_tokens.GUEST] = resolve_guest_access_token

        # A guest principal reaches only the spaces and workbooks it is granted, and a token
        # made for one space only that space: decided here, for every endpoint a guest token
        # may call, not by each endpoint remembering `principal.space`.
        callers.principal_space_filters[Principal.GUEST] = spaces_of_guest_principal
        callers.principal_workbook_filters[Principal.GUEST] = workbooks_of_guest_principal

        # A space's shared link is shown to the callers who administer it (an
        # administrator's PAT or access token, a secret key), never to a guest or to a
        # publishable key and its space tokens.
        for kind in (Principal.USER, Principal.SECRET_KEY):
            callers.principal_guest_links[kind] = shared_link_urls

        # The log names a guest by name and email, and a deleted one by the email its
        # deletion recorded.
        event_log.actor_labellers["us_g"] = guest_labels

        # A space's page carries its guest sidebar: accounts renders the page, guests adds to
        # it (accounts.views.space_page_sections).
        account_views.space_page_sections["guests"] = add_guest_sidebar


def add_guest_sidebar(request, space, response):
    from guests.views.administrator import add_guest_sidebar

    add_guest_sidebar(request, space, response)


def spaces_of_guest_principal(principal, spaces):
    from guests.access import spaces_granted_to

    return spaces_granted_to(principal.id, spaces, principal.space)


def workbooks_of_guest_principal(principal, workbooks):
    from guests.access import workbooks_granted_to

    return workbooks_granted_to(principal.id, workbooks, principal.space)


def shared_link_urls(spaces):
    from guests.selectors import shared_link_urls

    return shared_link_urls(spaces)


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
