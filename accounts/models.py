from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone

from portal.deferred import LoadsDeferredFieldsTogether
from portal.ids import PublicIdField

NAME_MAX_LENGTH = 255


class UserManager(BaseUserManager):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **fields) -> "User":
        if not email:
            raise ValueError("A user needs an email address.")
        user = self.model(email=self.normalize_email(email).lower(), **fields)
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

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"

    def __str__(self) -> str:
        return self.email


class Account(LoadsDeferredFieldsTogether, models.Model):
    id = PublicIdField(prefix="us_acc")
    name = models.CharField(max_length=NAME_MAX_LENGTH)
    metadata = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return self.name


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


class Event(models.Model):
    """One entry of the audit trail. Environment, space and actor are kept as text ids, not
    foreign keys, so that deleting them never erases or rewrites history."""

    id = PublicIdField(prefix="us_evt")
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="events")
    topic = models.CharField(max_length=100)
    domain = models.CharField(max_length=50)
    environment_id = models.CharField(max_length=40, blank=True, db_index=True)
    space_id = models.CharField(max_length=40, blank=True, db_index=True)
    actor_id = models.CharField(max_length=40, blank=True)
    payload = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["account", "-created_at"], name="event_account_recent")]

    def __str__(self) -> str:
        return f"{self.topic} at {self.created_at:%Y-%m-%d %H:%M:%S}"
