"""`check --deploy` fails on a configuration that works on one process and silently breaks
on several behind a load balancer."""

from django.conf import settings
from django.core.checks import Error, Tags, register

# Caches whose contents live in one process (or one machine's disk): counts kept there are
# not seen by the other processes, so every rate limit and lockout is multiplied by their
# number, and a lockout on one process lets the next request through on another.
PROCESS_LOCAL_CACHES = {
    "django.core.cache.backends.locmem.LocMemCache",
    "django.core.cache.backends.dummy.DummyCache",
    "django.core.cache.backends.filebased.FileBasedCache",
}


@register(Tags.security, deploy=True)
def shared_cache(app_configs, **kwargs):
    backend = settings.CACHES["default"]["BACKEND"]
    if backend not in PROCESS_LOCAL_CACHES:
        return []
    return [
        Error(
            f"The cache ({backend.rsplit('.', 1)[-1]}) is local to each process: rate limits "
            "and sign-in lockouts are counted per process, not once for the whole system.",
            hint="Set CACHE_URL to a cache every process shares, e.g. redis://host:6379/0.",
            id="portal.E001",
        )
    ]


@register(Tags.security, deploy=True)
def https_site_url(app_configs, **kwargs):
    if settings.SITE_URL.lower().startswith("https://"):
        return []
    return [
        Error(
            f"SITE_URL ({settings.SITE_URL}) is not https: links in emails (invitations, "
            "password resets, sign-in links) would send their tokens over plain HTTP, and "
            "the secure cookies would not be sent back on the pages they open.",
            hint="Set SITE_URL to the portal's public https address, e.g. https://portal.example.com.",
            id="portal.E002",
        )
    ]
