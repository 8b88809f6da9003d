"""Settings for `make bench`: the portal's, plus DRF's token app and django-rest-knox (the
baselines, dev-only) and a URLconf of identical list endpoints, one per scheme."""

from portal.settings import *  # noqa: F403
from portal.settings import DATABASES, INSTALLED_APPS

DEBUG = False  # no query log, as in production
ALLOWED_HOSTS = ["bench.local"]
INSTALLED_APPS = [*INSTALLED_APPS, "rest_framework.authtoken", "knox"]
ROOT_URLCONF = "tests.perf.urls"
# Keep connections open between requests, as a production deployment does.
DATABASES["default"]["CONN_MAX_AGE"] = None
LOGGING = {"version": 1, "disable_existing_loggers": True}
