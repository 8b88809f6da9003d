"""Settings for `make bench`: the portal's, plus DRF's token app and django-rest-knox (the
baselines, dev-only) and a URLconf of identical list endpoints, one per scheme."""

import json
import os

from portal.settings import *  # noqa: F403
from portal.settings import DATABASES, INSTALLED_APPS

DEBUG = False  # no query log, as in production
ALLOWED_HOSTS = ["bench.local", "127.0.0.1"]  # in-process; over HTTP on loopback
INSTALLED_APPS = [*INSTALLED_APPS, "rest_framework.authtoken", "knox"]
ROOT_URLCONF = "tests.perf.urls"
# Keep connections open between requests, as a production deployment does.
DATABASES["default"]["CONN_MAX_AGE"] = None
LOGGING = {"version": 1, "disable_existing_loggers": True}
# Measuring database options without editing settings: BENCH_DATABASE_OPTIONS is a JSON
# object merged into DATABASES["default"]["OPTIONS"] (e.g. '{"server_side_binding": true}').
if os.environ.get("BENCH_DATABASE_OPTIONS"):
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        json.loads(os.environ["BENCH_DATABASE_OPTIONS"])
    )
