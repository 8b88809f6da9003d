"""Settings, all from the environment (12-factor, django-environ).

Development needs nothing: `make serve` writes a git-ignored `.env` with DEBUG on and
generated keys. With DEBUG off every key must come from the real environment and be strong,
or the portal refuses to start.
"""

from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import environ
from django.core.exceptions import ImproperlyConfigured

from portal import security_headers
from portal.logging import logging_config

BASE_DIR = Path(__file__).resolve().parent.parent
LOCAL_ENV_FILE = BASE_DIR / ".env"

env = environ.Env()
environ.Env.read_env(LOCAL_ENV_FILE)  # never overrides variables set in the real environment

DEBUG = env.bool("DEBUG", default=False)

KEY_NAMES = ("SECRET_KEY", "JWT_SIGNING_KEY", "FERNET_KEYS")
if DEBUG and any(name not in env for name in KEY_NAMES):
    from portal.local_env import ensure_local_env

    ensure_local_env(LOCAL_ENV_FILE)
    environ.Env.read_env(LOCAL_ENV_FILE)


def strong_key(name: str, min_length: int = 40) -> str:
    value = env.str(name, default="")
    weak = len(value) < min_length or len(set(value)) < 10 or value.startswith("django-insecure")
    if weak and not DEBUG:
        raise ImproperlyConfigured(
            f"{name} is missing or weak: set it to a random value of at least {min_length} "
            "characters, e.g. from: python -c 'import secrets; print(secrets.token_urlsafe(50))'"
        )
    return value


SECRET_KEY = strong_key("SECRET_KEY")
# Access tokens (JWT) are signed with a key of their own, so SECRET_KEY never signs one.
JWT_SIGNING_KEY = strong_key("JWT_SIGNING_KEY")
# Comma-separated Fernet keys, newest first: add a new key in front to rotate.
FERNET_KEYS = env.list("FERNET_KEYS", default=[])
if not FERNET_KEYS and not DEBUG:
    raise ImproperlyConfigured(
        "FERNET_KEYS is missing: set one or more comma-separated Fernet keys (from: python -c "
        "'from cryptography.fernet import Fernet as F; print(F.generate_key().decode())')"
    )

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"] if DEBUG else [])
# Links in emails are built from this, never from the request's Host header. Unset, it is
# the address `make serve` serves (its PORT), so links in development mail open the portal.
# A name, not an address: browsers refuse passkeys on an IP address (WebAuthn's relying
# party is a domain).
SITE_URL = env.str("SITE_URL", default=f"http://localhost:{env.int('PORT', default=8000)}")
SITE_URL = SITE_URL.rstrip("/")
# Passkeys belong to SITE_URL's host, and only pages served from SITE_URL may use them.
WEBAUTHN_RP_ID = urlsplit(SITE_URL).hostname
WEBAUTHN_RP_NAME = "Access Portal"
# Revealing a production secret key, creating tokens, changing second factors and the other
# dangerous actions ask for a credential again unless it was given this recently
# (GitHub's "sudo mode" lasts 2 hours).
REAUTHENTICATION_AGE = timedelta(minutes=env.int("REAUTHENTICATION_MINUTES", default=120))
# How many reverse proxies in front of the portal append to X-Forwarded-For; 0 trusts none.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "qsessions",  # django-qsessions: sessions with their user, address and browser
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",  # the logs' "3 minutes ago"
    "rest_framework",
    "drf_spectacular",  # the OpenAPI schema (/v1/openapi.json, `make schema`)
    "drf_spectacular_sidecar",  # Swagger UI's files, served by us: /v1/docs works offline
    "axes",  # django-axes: failed sign-ins per (email, client address), see AXES_* below
    "csp",  # django-csp: its system checks (the header itself is its middleware)
    "portal.apps.PortalConfig",  # the deploy checks for several processes (portal/checks.py)
    "accounts",
    "tokens",
    "guests",
]

MIDDLEWARE = [
    # First: a load balancer's probes are answered before ALLOWED_HOSTS or the https redirect
    # (portal/health.py says why that is safe), and are not logged.
    "portal.health.HealthCheckMiddleware",
    # Next, so the line it logs covers every response, redirects and refusals included.
    "portal.request_log.RequestLogMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Early, so that responses made by the middleware below (redirects, refusals) carry them too.
    "csp.middleware.CSPMiddleware",
    "django_permissions_policy.PermissionsPolicyMiddleware",
    "accounts.sessions.SessionMiddleware",
    "portal.no_store.NoStoreMiddleware",  # credentials and secrets are never cached
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # An administrator of an account requiring two-step verification, signed in without a
    # second factor, reaches only the setup of one (accounts/two_step_policy.py). Right below
    # AuthenticationMiddleware: it reads request.user.
    "accounts.two_step_policy.TwoStepPolicyMiddleware",
    # Keeps a guest session to the guest pages (every other page 404s) and those no-store.
    "guests.middleware.GuestSessionMiddleware",
    # The portal's own 404 page with DEBUG on too (below CommonMiddleware's APPEND_SLASH).
    "portal.refusals.RefusalPagesMiddleware",
    # A page's write that lost to a concurrent one: the 409 page, not a server error.
    "portal.conflicts.ConflictPageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: it turns a sign-in it refused into the lockout response.
    "axes.middleware.AxesMiddleware",
]
if not DEBUG:
    # Static files (compressed, hashed names from `collectstatic`), served by each process
    # itself: right after SecurityMiddleware, as whitenoise asks, so they get its headers
    # and skip the rest. In development runserver serves them from the source folders.
    MIDDLEWARE.insert(
        MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1,
        "whitenoise.middleware.WhiteNoiseMiddleware",
    )

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "accounts.context.navigation",
                "guests.context.signed_in_guest",
            ],
        },
    },
]

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # SQLite for concurrent writers, as Django's SQLite notes advise ("Database is locked
    # errors", "Transactions behavior", "Setting pragma options"); without them, about 85 of 224
    # writes from 8 threads answered 500 "database is locked" and were lost
    # (tests/production/test_sqlite_concurrent_writes.py).
    # Options in DATABASE_URL (e.g. `?timeout=5`) win over these.
    sqlite_options = DATABASES["default"].setdefault("OPTIONS", {})
    # Each transaction takes the write lock when it begins: one that began by reading and
    # then writes cannot wait for the lock (SQLite refuses it at once, whatever the
    # timeout), while a BEGIN IMMEDIATE waits its turn.
    sqlite_options.setdefault("transaction_mode", "IMMEDIATE")
    # How long a writer waits for another's lock (seconds) before "database is locked".
    sqlite_options.setdefault("timeout", 20)
    # Write-ahead logging: readers never wait for the writer, nor it for them; kept in the
    # file once set. With it, synchronous=NORMAL is safe (a power cut may lose the last
    # commits, never corrupt the file) and spares an fsync per commit. An in-memory
    # database (the tests') answers journal_mode "memory" and is otherwise unchanged.
    sqlite_options.setdefault("init_command", "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL")
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and env.bool(
    "DATABASE_PREPARED_STATEMENTS", default=True
):
    # Server-side parameter binding, with psycopg preparing a statement once it has run 5
    # times on a connection: the credential lookups (tokens/lookups.py) and the API's
    # other repeated queries are then parsed and planned once per connection, which makes a
    # credential check measurably cheaper (README, Benchmark). Turn it off behind a pooler that
    # cannot keep prepared statements (PgBouncer before 1.21, transaction mode).
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("server_side_binding", True)
    DATABASES["default"]["OPTIONS"].setdefault("prepare_threshold", 5)
# Keep connections between requests (a minute unless the URL's `conn_max_age` says
# otherwise), checked before reuse: a new connection per request costs more than a request.
DATABASES["default"].setdefault("CONN_MAX_AGE", 60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DATABASES["default"]["TEST"] = {"NAME": env.str("TEST_DATABASE_NAME", default=None)}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://portal")}

EMAIL_CONFIG = env.email("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Access Portal <portal@localhost>")

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    # First, so every authenticate() call (the portal's sign-in, the Django admin's login,
    # POST /v1/auth) is refused before a password is checked once its client is locked out.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# A password reset link works for an hour (Django's default is three days): long enough
# to read the mail, short enough that an old mailbox is not a way in.
PASSWORD_RESET_TIMEOUT = 3600
LOGIN_URL = "accounts:login"
# A refused request gets the portal's page (portal.refusals), not Django's: a form refused
# for its CSRF token, and with DEBUG on a 400 too (Django's technical page draws it).
CSRF_FAILURE_VIEW = "portal.refusals.csrf_failure"
DEFAULT_EXCEPTION_REPORTER = "portal.refusals.RefusalReporter"
LOGIN_REDIRECT_URL = "accounts:home"
LOGOUT_REDIRECT_URL = "accounts:login"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
if not DEBUG:
    # `collectstatic` (make serve-prod) writes each file under a name with its hash, plus
    # gzip copies (brotli too where the Brotli package is installed); whitenoise serves them
    # with a cache lifetime of a year.
    STORAGES = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["tokens.authentication.BearerAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["tokens.permissions.PrincipalAllowed"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["portal.api.JSONParser"],
    "EXCEPTION_HANDLER": "portal.api.exception_handler",
    "UNAUTHENTICATED_USER": None,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
}

# What the apps built on top add to those below them, which never import them
# (guests → tokens → accounts → portal): dotted paths, as MIDDLEWARE and context_processors
# name theirs, imported where they are used. Every such hook is here.
# tokens.verification: the caller behind an access token of a kind another app owns, by
# kind: claims -> Principal or None, in one query.
ACCESS_TOKEN_RESOLVERS = {"guest": "guests.verification.resolve_guest_access_token"}
# accounts.api.spaces: spaces (each with its environment) -> {space id: URL} of those whose
# shared link works now, shown to administrators and secret keys (accounts.api.callers).
SPACE_GUEST_LINKS = "guests.selectors.shared_link_urls"
# accounts.views.spaces.render_space: what is added to a space's page, in order, each called
# with the request, the space and the page's TemplateResponse before it renders.
SPACE_PAGE_SECTIONS = ["guests.views.administrator.add_guest_sidebar"]
# accounts.services.environment_create: what is made with every environment, in its
# transaction, each called with environment= and actor=.
ENVIRONMENT_CREATED = ["tokens.services.api_keys_create_for_environment"]
# accounts.event_log: who made a change, for the ids of a kind another app owns, by id
# prefix: (account, set of ids) -> {id: ActorLabel}, in one query however many events.
ACTOR_LABELLERS = {
    "us_key": "tokens.selectors.api_key_actor_labels",
    "us_g": "guests.selectors.guest_actor_labels",
}

# The OpenAPI schema (drf-spectacular), served at /v1/openapi.json and committed as
# openapi.json (CI regenerates and compares it). The shared envelopes and hooks are in
# portal/schema.py, the bearer scheme in tokens/schema.py.
SPECTACULAR_SETTINGS = {
    "TITLE": "Access Portal API",
    "VERSION": "1.0.0",
    "DESCRIPTION": (
        "Who may get in to a data-import platform: the account, its environments, spaces "
        "and workbooks, administrators, API keys, secrets, personal access tokens, access "
        "tokens and the audit trail, in Flatfile's wire format (`@flatfile/api` works "
        "unchanged). Every route is also served under `/api/v1/`. JSON keys are camelCase, "
        'dates ISO 8601 UTC with `Z`; a resource answers `{"data": ...}`, a deletion '
        '`{"data": {"success": true}}`, an error `{"errors": [{"key"?, "message"}]}`. '
        "Send `Authorization: Bearer <pat_…|sk_…|pk_…|access token>`."
    ),
    "SERVE_INCLUDE_SCHEMA": False,  # the schema's own route is not an API operation
    "SERVE_PUBLIC": True,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    # Request bodies as components of their own ("…Request"), so that what only input is
    # held to (a name is not blank: minLength 1) is not claimed of the answers too.
    "COMPONENT_SPLIT_REQUEST": True,
    "PREPROCESSING_HOOKS": ["portal.schema.drop_second_prefix"],
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "portal.schema.add_error_headers",
        "portal.schema.add_conflicts",
    ],
    # Ids in paths are `<public_id:…>` (portal.api.PublicIdConverter).
    "PATH_CONVERTER_OVERRIDES": {
        "public_id": {"type": "string", "pattern": "^[0-9A-Za-z_]{1,40}$"},
    },
    # Served from our own static files (drf-spectacular-sidecar), never a CDN, and with the
    # start-up script as a file of its own (SpectacularSwaggerSplitView) for the CSP.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SWAGGER_UI_SETTINGS": {
        "deepLinking": True,
        "persistAuthorization": False,  # a pasted token is not kept in localStorage
        "displayOperationId": True,
        "validatorUrl": None,  # Swagger UI would otherwise send the schema to swagger.io
    },
}

# Failed sign-ins (django-axes), on every authenticate() call: the portal's sign-in page, the
# Django admin's login and POST /v1/auth, under one count. Counted per (email, client
# address) together, so a stranger guessing an administrator's password locks out only their
# own address, never the administrator's (the loose per-email limit in RATE_LIMITS stops
# guesses spread over many addresses). The email is the normalised one the user is looked
# up by, the address the one the rate limits use (trusted proxies only).
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_FAILURE_LIMIT = 10  # the tenth failure locks
AXES_COOLOFF_TIME = timedelta(minutes=15)
# Each refused attempt is one more failure and starts the 15 minutes again, so guessing on
# keeps the address locked and Retry-After is always the whole cool-off.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = True
AXES_RESET_ON_SUCCESS = True
AXES_USERNAME_FORM_FIELD = "username"  # the keyword every authenticate() call here passes
AXES_USERNAME_CALLABLE = "accounts.models.axes_username"
AXES_CLIENT_IP_CALLABLE = "portal.ratelimit.client_address"
AXES_VERBOSE = False  # no start-up banner; failures and lockouts are still logged
AXES_LOCKOUT_CALLABLE = "portal.ratelimit.lockout_response"
# The cache handler, not the database one: counts live in the shared cache (Redis in
# production) beside the rate limits, so every process sees one count, and a sign-in costs
# no extra queries (the auth endpoint's query budget stays pinned). What it cannot do, we do
# not need: it keeps no history of attempts (so axes' admin pages, which would stay empty,
# are off) and a lock cannot be lifted by hand; it lifts itself after the cool-off.
AXES_HANDLER = "axes.handlers.cache.AxesCacheHandler"
AXES_ENABLE_ADMIN = False
if DEBUG and CACHES["default"]["BACKEND"] == "django.core.cache.backends.locmem.LocMemCache":
    # axes warns that a process's local memory is no shared count. In development (one
    # process, make serve) that is fine; in production the warning stands, and fails
    # `check --deploy`: several processes need CACHE_URL at Redis, for the rate limits as
    # much as for axes.
    SILENCED_SYSTEM_CHECKS = ["axes.W001"]

# Rate limits: attempts per window (seconds), counted in the shared cache (portal/ratelimit.py),
# for what django-axes does not count: it counts failures per (email, address) only.
RATE_LIMITS = {
    # Per client address across emails: one client cannot try passwords over many accounts,
    # on the sign-in page and on POST /v1/auth.
    "login-address": (10, 60),
    "auth-address": (30, 60),
    # Per email (or client id) across every address, every attempt, loosely: guesses spread
    # over many addresses stop too, yet a stranger must spend 100 attempts an hour (ten
    # addresses' worth of lockouts) before the owner's own sign-in is refused. The sign-in
    # page and POST /v1/auth count together: one identity, two ways in.
    "login-email": (100, 3600),
    # A passkey challenge for someone not signed in (the sign-in page's, the second step's)
    # per client address: each one is a session row.
    "passkey-challenge": (30, 60),
    # Per client address and per email: a few tries for a person whose mail is slow, while
    # nobody can flood an inbox with reset mails or spray reset requests across addresses.
    "password-reset": (5, 3600),
    # Guest invitations per caller (an administrator's credential, a key, a guest's token):
    # each one mails someone, so a leaked guest token cannot turn the portal into a mailer.
    "invitations": (50, 3600),
    # "Email me a new link" on a guest link's page: per client address across emails, and per
    # email across addresses (a few tries for slow mail; no flooding an inbox).
    "magic-link-address": (20, 3600),
    "magic-link-email": (5, 3600),
    # A shared link's join form, which mails a confirmation link to the email given (counted
    # per email with "magic-link-email" above): per client address, like "Email me a new
    # link", and per link across addresses, so a link that leaked cannot be used to mail
    # in bulk; a class joining at once stays well within it.
    "shared-link-address": (20, 3600),
    "shared-link": (200, 3600),
    # Reports of leaked credentials (POST /v1/credentials/revoke) per client address: a
    # scanner reports up to 1,000 values a call, while nobody can make the portal mail
    # owners without end or use the endpoint to time lookups.
    "credential-revoke": (30, 3600),
}

# Sessions in the database with their user, address and browser (django-qsessions), so a
# person can see where they are signed in and end any of those sessions.
SESSION_ENGINE = "qsessions.backends.db"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

# The Content-Security-Policy and Permissions-Policy headers, and why each directive is there.
CONTENT_SECURITY_POLICY = security_headers.CONTENT_SECURITY_POLICY
PERMISSIONS_POLICY = security_headers.PERMISSIONS_POLICY

if not DEBUG:
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if TRUSTED_PROXY_COUNT else None
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

# One line per request from portal/request_log.py (gunicorn's access log is off); JSON
# lines with LOG_FORMAT=json. Every line passes the credential filter (portal/logging.py).
LOGGING = logging_config(
    log_format=env.str("LOG_FORMAT", default="text"), level=env.str("LOG_LEVEL", default="INFO")
)
