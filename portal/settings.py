"""Settings, all from the environment (12-factor, django-environ).

Development needs nothing: `make serve` writes a git-ignored `.env` with DEBUG on and
generated keys. With DEBUG off every key must come from the real environment and be strong,
or the portal refuses to start.
"""

from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

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
SITE_URL = env.str("SITE_URL", default=f"http://127.0.0.1:{env.int('PORT', default=8000)}")
SITE_URL = SITE_URL.rstrip("/")
# How many reverse proxies in front of the portal append to X-Forwarded-For; 0 trusts none.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",  # the logs' "3 minutes ago"
    "rest_framework",
    "accounts",
    "tokens",
    "guests",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

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
            ],
        },
    },
]

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Wait for a writer rather than failing at once when two requests overlap.
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 20
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and env.bool(
    "DATABASE_PREPARED_STATEMENTS", default=True
):
    # Credential lookups are prepared once per connection (tokens/lookups.py); everything
    # else keeps Django's client-side binding, which never prepares. Turn it off behind a
    # pooler that cannot keep prepared statements (PgBouncer before 1.21, transaction mode).
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("prepare_threshold", 5)
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
LOGIN_REDIRECT_URL = "accounts:home"
LOGOUT_REDIRECT_URL = "accounts:login"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["tokens.authentication.BearerAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["tokens.permissions.PrincipalAllowed"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "EXCEPTION_HANDLER": "portal.api.exception_handler",
    "UNAUTHENTICATED_USER": None,
}

# Rate limits: attempts per window (seconds), counted in the shared cache.
RATE_LIMITS = {
    "login": (10, 60),
    "auth-email": (10, 60),
    "auth-address": (30, 60),
    # Per client address and per email: a few tries for a person whose mail is slow, while
    # nobody can flood an inbox with reset mails or spray reset requests across addresses.
    "password-reset": (5, 3600),
}

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if not DEBUG:
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if TRUSTED_PROXY_COUNT else None
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"redact_credentials": {"()": "portal.logging.RedactCredentials"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["redact_credentials"]},
    },
    "loggers": {
        # The dev server's request log has its own handler; route it through ours.
        "django.server": {"handlers": ["console"], "level": "INFO", "propagate": False},
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
}
