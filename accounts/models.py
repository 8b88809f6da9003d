import unicodedata
from typing import NamedTuple

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone

from portal.deferred import LoadsDeferredFieldsTogether
from portal.ids import PublicIdField

NAME_MAX_LENGTH = 255


def normalize_email(email) -> str:
    """The one spelling of an email address: what is stored, looked up and rate limited.

    Every way in (the sign-in page, the Django admin's login, POST /v1/auth, password reset,
    user creation) goes through here, so " Admin@Example.com" is the same identity as
    "admin@example.com" for the counters as well as for authentication: padding or re-casing
    an address cannot buy fresh attempts. NFKC as Django's username fields do; lower() rather
    than str.casefold(), which would turn "ß" into "ss", another address (and not what the
    stored addresses were lowercased with). Text that is not valid Unicode (a lone
    surrogate) is nobody's address.
    """
    if not isinstance(email, str):
        return ""
    try:
        email.encode("utf-8")
    except UnicodeEncodeError:
        return ""
    return unicodedata.normalize("NFKC", email).strip().lower()


def axes_username(request, credentials: dict | None) -> str:
    """AXES_USERNAME_CALLABLE: django-axes counts failures under the normalised email, the
    value the user is looked up by, whichever form or endpoint called authenticate()."""
    field = settings.AXES_USERNAME_FORM_FIELD
    if credentials is None:
        return normalize_email(request.POST.get(field))
    return normalize_email(credentials.get(field))


class UserManager(BaseUserManager):
    use_in_migrations = True

    @classmethod
    def normalize_email(cls, email) -> str:
        # Django's version lowercases only the domain; ours is the whole address, stripped.
        return normalize_email(email)

    def get_by_natural_key(self, email):
        # Django's ModelBackend looks the user up here for every authenticate() call (the
        # portal's sign-in, the admin's, the auth endpoint's), so each finds the account by the
        # same spelling django-axes counts under.
        return self.get(**{self.model.USERNAME_FIELD: normalize_email(email)})

    def create_user(self, email: str, password: str | None = None, **fields) -> "User":
        email = normalize_email(email)
        if not email:
            raise ValueError("A user needs an email address.")
        user = self.model(email=email, **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **fields) -> "User":
        fields.update(is_staff=True, is_superuser=True)
        return self.create_user(email, password, **fields)


class User(LoadsDeferredFieldsTogether, AbstractBaseUser, PermissionsMixin):
    """A person who signs in with an email and a password."""

    id = PublicIdField(prefix="us_usr")
    email = models.EmailField(unique=True)
    name = models.CharField(max_length=NAME_MAX_LENGTH, blank=True)
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False)  # may use /admin/
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    # Goes up each time the password is set. Access tokens carry the number they were issued
    # under and verification compares it in the same query that reads the user, so a new
    # password refuses every access token made before it, on every process, at once.
    credentials_version = models.PositiveIntegerField(default=0)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"

    def set_password(self, raw_password) -> None:
        # Every way a password is set goes through here: Django's password change and reset
        # forms, the admin, `manage.py changepassword`, create_user. Each saves the whole
        # user afterwards, so the new version is stored with the new hash.
        super().set_password(raw_password)
        self.credentials_version += 1

    def set_unusable_password(self) -> None:
        # No password any more: what the old one made ends as well.
        super().set_unusable_password()
        self.credentials_version += 1

    def check_password(self, raw_password) -> bool:
        # A correct password whose hash is out of date is hashed again through set_password
        # and saved with update_fields=["password"]: not a password change (Django's words),
        # so the version neither goes up in memory nor in the database.
        version = self.credentials_version
        try:
            return super().check_password(raw_password)
        finally:
            self.credentials_version = version

    async def acheck_password(self, raw_password) -> bool:
        version = self.credentials_version
        try:
            return await super().acheck_password(raw_password)
        finally:
            self.credentials_version = version

    def clean(self) -> None:
        # Model forms (the Django admin's) store the address as every sign-in looks it up.
        super().clean()
        self.email = normalize_email(self.email)

    def __str__(self) -> str:
        return self.email


class Account(LoadsDeferredFieldsTogether, models.Model):
    id = PublicIdField(prefix="us_acc")
    name = models.CharField(max_length=NAME_MAX_LENGTH)
    metadata = models.JSONField(default=dict, blank=True)
    # "Require two-step verification for administrators": with it on, an administrator
    # without a second factor may sign in only to set one up.
    require_two_step = models.BooleanField(default=False)
    # "Maximum lifetime of personal access tokens", in days (None: no maximum). A token
    # older than this is refused (tokens.lifetime_policy), however long it was made for.
    token_max_lifetime_days = models.PositiveSmallIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return self.name

    def audit_scope(self) -> "AuditScope":
        return AuditScope(self)


class Membership(LoadsDeferredFieldsTogether, models.Model):
    """A user's role in an account. A user belongs to one account."""

    class Role(models.TextChoices):
        ADMINISTRATOR = "administrator", "Administrator"

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="membership")
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=32, choices=Role.choices, default=Role.ADMINISTRATOR)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.user} ({self.role} of {self.account})"


class GuestAuthentication(models.TextChoices):
    MAGIC_LINK = "magic_link", "Magic link"
    SHARED_LINK = "shared_link", "Shared link"


def default_guest_authentication() -> list[str]:
    return [GuestAuthentication.MAGIC_LINK]


class Environment(LoadsDeferredFieldsTogether, models.Model):
    id = PublicIdField(prefix="us_env")
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="environments")
    name = models.CharField(max_length=NAME_MAX_LENGTH)
    is_prod = models.BooleanField(default=False)
    guest_authentication = models.JSONField(default=default_guest_authentication)
    metadata = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                "account", Lower("name"), name="environment_name_unique_per_account"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def audit_scope(self) -> "AuditScope":
        return AuditScope(self.account, self.id)


class Space(LoadsDeferredFieldsTogether, models.Model):
    id = PublicIdField(prefix="us_sp")
    # PROTECT: an environment with spaces cannot be deleted (the service says why first).
    environment = models.ForeignKey(Environment, on_delete=models.PROTECT, related_name="spaces")
    name = models.CharField(max_length=NAME_MAX_LENGTH)
    metadata = models.JSONField(default=dict, blank=True)
    guests_can_invite = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "id"]

    def __str__(self) -> str:
        return self.name

    def audit_scope(self) -> "AuditScope":
        return AuditScope(self.environment.account, self.environment_id, self.id)


class Workbook(models.Model):
    id = PublicIdField(prefix="us_wb")
    space = models.ForeignKey(Space, on_delete=models.CASCADE, related_name="workbooks")
    name = models.CharField(max_length=NAME_MAX_LENGTH)
    labels = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.name

    def audit_scope(self) -> "AuditScope":
        return self.space.audit_scope()


class AdminInvitation(models.Model):
    """An invitation to become an administrator: a single-use, expiring link whose token is
    kept only as a SHA-256 digest."""

    id = PublicIdField(prefix="us_inv")
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField()
    token_digest = models.CharField(max_length=64, unique=True)
    invited_by_id = models.CharField(max_length=40)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Invitation for {self.email}"


class AuditScope(NamedTuple):
    """Where an event belongs: its account, and the environment and space it is about, if
    any (accounts.audit.record_event derives it from what the change is about)."""

    account: Account
    environment_id: str = ""
    space_id: str = ""


class Event(models.Model):
    """One entry of the audit trail. Environment, space and actor are kept as text ids, not
    foreign keys, so that deleting them never erases or rewrites history."""

    id = PublicIdField(prefix="us_evt")
    # Indexed by the composite indexes below, which begin with it.
    account = models.ForeignKey(
        Account, on_delete=models.CASCADE, related_name="events", db_index=False
    )
    topic = models.CharField(max_length=100)
    domain = models.CharField(max_length=50)
    environment_id = models.CharField(max_length=40, blank=True)
    space_id = models.CharField(max_length=40, blank=True)
    actor_id = models.CharField(max_length=40, blank=True)
    payload = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        # One per filter of the trail (accounts.selectors.events_filtered), each ending in
        # the order: a page is read straight off the index, newest first, whatever the
        # account's size, with no sort and no row read outside the page.
        indexes = [
            models.Index(fields=["account", "-created_at", "-id"], name="event_recent"),
            models.Index(
                fields=["account", "environment_id", "-created_at", "-id"],
                name="event_environment_recent",
            ),
            models.Index(
                fields=["account", "topic", "-created_at", "-id"], name="event_topic_recent"
            ),
            models.Index(
                fields=["account", "environment_id", "topic", "-created_at", "-id"],
                name="event_environment_topic_recent",
            ),
            models.Index(
                fields=["account", "space_id", "-created_at", "-id"], name="event_space_recent"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.topic} at {self.created_at:%Y-%m-%d %H:%M:%S}"


# Second factors: what an administrator proves besides the password (accounts.two_step).


class Passkey(models.Model):
    """A WebAuthn credential: a second step after the password, or a way in without one."""

    id = PublicIdField(prefix="us_pky")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="passkeys")
    name = models.CharField(max_length=NAME_MAX_LENGTH)
    # The authenticator's credential id (base64url), as browsers send it back at sign-in.
    credential_id = models.CharField(max_length=1400, unique=True)
    public_key = models.BinaryField()  # COSE-encoded: public, it verifies signatures
    sign_count = models.PositiveBigIntegerField(default=0)
    transports = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return self.name


class AuthenticatorApp(models.Model):
    """A TOTP secret (RFC 6238) shared with an authenticator app. It counts as a second
    factor once a first code has confirmed it."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="authenticator_app")
    secret = models.TextField()  # base32, encrypted (portal.encryption)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    # The last time step a code was accepted for: a code, or an earlier one, never works
    # twice.
    last_used_step = models.BigIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Authenticator app of {self.user_id}"


class RecoveryCode(models.Model):
    """A one-time code for when every other factor is lost, stored as a digest only."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="recovery_codes")
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Recovery code of {self.user_id}"
