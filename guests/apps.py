from django.apps import AppConfig


class GuestsConfig(AppConfig):
    name = "guests"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # guests sits above tokens and accounts. What it adds to them is named in settings
        # (ACCESS_TOKEN_RESOLVERS, SPACE_GUEST_LINKS, SPACE_PAGE_SECTIONS, ACTOR_LABELLERS),
        # and a guest's reach narrows itself (guests.access.GuestPrincipal); only this
        # remains here.
        from guests import sessions  # noqa: F401  (connects its user_logged_in receiver)
