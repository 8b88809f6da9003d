from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from accounts.models import AuditScope, Environment, Space
from portal import encryption
from portal.deferred import LoadsDeferredFieldsTogether
from portal.ids import PublicIdField
from portal.services import CLIENT_MAX_LENGTH

DIGEST_LENGTH = 64


def default_publishable_operations() -> list[dict]:
    return [{"path": "/v1/spaces", "method": "POST"}]


class ApiKey(LoadsDeferredFieldsTogether, models.Model):
    """An environment's secret or publishable key. The value is kept encrypted (an
    administrator can reveal it again) beside its digest, which is what requests look up."""

    class Type(models.TextChoices):
        SECRET = "SECRET", "Secret key"
        PUBLISHABLE = "PUBLISHABLE", "Publishable key"

    id = PublicIdField(prefix="us_key")
    environment = models.ForeignKey(Environment, on_delete=models.CASCADE, related_name="api_keys")
    type = models.CharField(max_length=16, choices=Type.choices)
    digest = models.CharField(max_length=DIGEST_LENGTH, unique=True)
    encrypted_value = models.TextField()
    last_four = models.CharField(max_length=4)
    # What a publishable key may do; a secret key may do everything in its environment.
    operations = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    # Set when the key is rolled: it keeps working until then, and is refused after.
    expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["type", "-created_at"]

    def __str__(self) -> str:
        return f"{self.get_type_display()} …{self.last_four}"

    @property
    def raw_key(self) -> str:
        return encryption.decrypt(self.encrypted_value)

    @property
    def is_expired(self) -> bool:
        return self.expires_at is not None and self.expires_at <= timezone.now()


class CredentialUse(models.Model):
    """When a personal access token or legacy client credential was last used, and where
    from (portal.services.used_from). Written at most once a minute (record_use)."""

    last_used_at = models.DateTimeField(null=True, blank=True)
    last_used_address = models.GenericIPAddressField(null=True, blank=True)
    last_used_client = models.CharField(max_length=CLIENT_MAX_LENGTH, blank=True, default="")

    class Meta:
        abstract = True


class Revocable(models.Model):
    """Revoked by an administrator (the credentials inventory) or as leaked (the public
    revocation endpoint): refused from then on, and kept, so the inventory and the owner's
    list say it was revoked, when and by whom (None: reported as leaked)."""

    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        abstract = True

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None


# What a credential is now, as its owner's list, the inventory and the API say it.
ACTIVE = "active"
EXPIRED = "expired"
REVOKED = "revoked"
REFUSED_BY_POLICY = "refused_by_policy"  # older than the account's maximum lifetime


def exceeding_policy() -> Q:
    """PersonalAccessToken.exceeds_policy, as a filter."""
    return Q(policy_expires_at__isnull=False) & (
        Q(expires_at__isnull=True) | Q(expires_at__gt=F("policy_expires_at"))
    )


class PersonalAccessToken(LoadsDeferredFieldsTogether, CredentialUse, Revocable, models.Model):
    """A user-scoped token. Only its digest and last four characters are kept.

    It may be narrowed (a fine-grained token): to some of the account's environments
    (`all_environments` false: those in `environments`, none once they are all deleted) and
    to reading (`read_only`). The principal's reach enforces both (tokens.principal)."""

    id = PublicIdField(prefix="us_pat")
    # Indexed by pat_user_newest_first, which leads with it.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="personal_access_tokens",
        db_index=False,
    )
    name = models.CharField(max_length=255)
    digest = models.CharField(max_length=DIGEST_LENGTH, unique=True)
    last_four = models.CharField(max_length=4)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    # When the account's maximum lifetime (Account.token_max_lifetime_days) ends this token:
    # its creation plus the maximum, kept by tokens.lifetime_policy whenever either changes,
    # so that verification compares it as it compares `expires_at`. None: no maximum.
    policy_expires_at = models.DateTimeField(null=True, blank=True)
    read_only = models.BooleanField(default=False)
    all_environments = models.BooleanField(default=True)
    environments = models.ManyToManyField(Environment, blank=True, related_name="+")

    class Meta:
        ordering = ["-created_at", "-id"]
        # A person's list, in its order: a page of one person's tokens reads only theirs.
        indexes = [
            models.Index(fields=["user", "-created_at", "-id"], name="pat_user_newest_first")
        ]

    def __str__(self) -> str:
        return f"{self.name} (…{self.last_four})"

    @property
    def is_expired(self) -> bool:
        return self.expires_at is not None and self.expires_at <= timezone.now()

    @property
    def exceeds_policy(self) -> bool:
        """Made to live longer than the account's maximum lifetime allows (or for ever):
        "Exceeds policy" in the lists. It keeps working until its age reaches the maximum
        (`policy_expires_at`), and is refused from then on."""
        return self.policy_expires_at is not None and (
            self.expires_at is None or self.expires_at > self.policy_expires_at
        )

    def scope_label(self) -> str:
        """What the token may do and where, as the lists and refusals say it: "Read-only ·
        Development, Production", "Read and write · All environments". With its
        environments prefetched for a list (prefetch_related("environments"))."""
        access = "Read-only" if self.read_only else "Read and write"
        if self.all_environments:
            return f"{access} · All environments"
        names = sorted(environment.name for environment in self.environments.all())
        return f"{access} · {', '.join(names) if names else 'No environment'}"

    @property
    def is_refused_by_policy(self) -> bool:
        return self.policy_expires_at is not None and self.policy_expires_at <= timezone.now()

    @property
    def status(self) -> str:
        """Revoked, else expired (its own lifetime), else refused by policy, else active:
        what tokens.verification decides, in words."""
        if self.is_revoked:
            return REVOKED
        if self.is_expired:
            return EXPIRED
        if self.is_refused_by_policy:
            return REFUSED_BY_POLICY
        return ACTIVE


class ClientCredential(CredentialUse, Revocable, models.Model):
    """Legacy client id + secret, traded at the auth endpoint for an access token. The
    client id is the public id; the secret is kept only as a digest."""

    id = PublicIdField(prefix="us_cli")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="client_credentials"
    )
    secret_digest = models.CharField(max_length=DIGEST_LENGTH, unique=True)
    last_four = models.CharField(max_length=4)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.id

    @property
    def status(self) -> str:
        """Client credentials never expire: revoked, else active."""
        return REVOKED if self.is_revoked else ACTIVE


class Secret(models.Model):
    """A name/value pair for listeners, scoped to an environment or to one of its spaces.
    The value is encrypted at rest."""

    id = PublicIdField(prefix="us_sec")
    environment = models.ForeignKey(Environment, on_delete=models.CASCADE, related_name="secrets")
    space = models.ForeignKey(
        Space, on_delete=models.CASCADE, null=True, blank=True, related_name="secrets"
    )
    name = models.CharField(max_length=1024)
    encrypted_value = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            # NULL never equals NULL in a unique index, so each scope has its own constraint.
            models.UniqueConstraint(
                fields=["environment", "name"],
                condition=Q(space__isnull=True),
                name="secret_name_unique_per_environment",
            ),
            models.UniqueConstraint(
                fields=["space", "name"],
                condition=Q(space__isnull=False),
                name="secret_name_unique_per_space",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def value(self) -> str:
        return encryption.decrypt(self.encrypted_value)

    def audit_scope(self) -> AuditScope:
        return AuditScope(self.environment.account, self.environment_id, self.space_id or "")
