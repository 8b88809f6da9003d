from django.apps import AppConfig


class PortalConfig(AppConfig):
    """The project package as an app of its own, for its system checks (portal/checks.py)."""

    name = "portal"

    def ready(self):
        from portal import checks  # noqa: F401  (registers the checks)
