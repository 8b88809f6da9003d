"""Guests, their space and workbook grants, magic links and shared links.

A guest belongs to one environment; a space grant connects them to one of its spaces; a
space grant that is limited to some workbooks has workbook grants naming them. Links hold
their token only as a SHA-256 digest (a shared link also encrypted, so administrators can
copy it again).

Every model that points at a guest, and the grants, is a leaf: nothing points at it. So
Django deletes them with one DELETE per table, never reading the rows first, and deleting
a guest with a thousand grants costs the same few queries as one with a single grant
(guests.services.guest_delete). That is why a workbook grant names its guest and space
itself rather than pointing at its space grant: a space grant pointed at would have to be
read, and deleted a hundred rows at a time, before its workbook grants could go."""

from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone

from accounts.models import NAME_MAX_LENGTH, Environment, Space, Workbook
from portal import encryption
from portal.deferred import LoadsDeferredFieldsTogether
from portal.ids import PublicIdField

DIGEST_LENGTH = 64


class Guest(LoadsDeferredFieldsTogether, models.Model):
    """Someone outside the account who may open some of one environment's spaces. Deleted
    for good when deleted (no soft deletion), so a guest re-created with the same email is
    a new guest with a new id and nothing of the old one."""

    id = PublicIdField(prefix="us_g")
    environment = models.ForeignKey(Environment, on_delete=models.CASCADE, related_name="guests")
    # Stored normalised (accounts.models.normalize_email), as it is looked up.
    email = models.EmailField()
    name = models.CharField(max_length=NAME_MAX_LENGTH)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["created_at", "id"]
        # An environment's guests in their order: its Guests page and GET /v1/guests.
        indexes = [
            models.Index(
                fields=["environment", "created_at", "id"], name="guest_environment_oldest_first"
            )
        ]
        constraints = [
            # Deletion is a hard delete, so "among living guests" is every row.
            models.UniqueConstraint(
                "environment", Lower("email"), name="guest_email_unique_per_environment"
            ),
        ]

    def __str__(self) -> str:
        return self.name or self.email


class SpaceGrant(models.Model):
    """A guest's access to one space: the whole space, or (all_workbooks off) only the
    workbooks their WorkbookGrants name, none if every one of those was deleted."""

    class Via(models.TextChoices):
        ADMINISTRATOR = "administrator", "Added by an administrator"
        INVITATION = "invitation", "Magic link invitation"
        SHARED_LINK = "shared_link", "Shared link"
        GUEST = "guest", "Invited by a guest"

    guest = models.ForeignKey(Guest, on_delete=models.CASCADE, related_name="space_grants")
    space = models.ForeignKey(Space, on_delete=models.CASCADE, related_name="guest_grants")
    # Kept apart from the workbook grants so that deleting a guest's last granted workbook
    # leaves them seeing none of the space, never all of it.
    all_workbooks = models.BooleanField(default=True)
    via = models.CharField(max_length=20, choices=Via.choices, default=Via.ADMINISTRATOR)
    # Who gave it, as the audit trail keeps actors: a text id that outlives them.
    granted_by_id = models.CharField(max_length=40, blank=True)
    last_accessed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["guest", "space"], name="space_grant_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.guest_id} in {self.space_id}"


class WorkbookGrant(models.Model):
    """One workbook of a space grant that is limited to some (SpaceGrant.all_workbooks
    off). The workbook is in the grant's space (guests.services checks it)."""

    guest = models.ForeignKey(Guest, on_delete=models.CASCADE, related_name="workbook_grants")
    space = models.ForeignKey(Space, on_delete=models.CASCADE, related_name="guest_workbook_grants")
    workbook = models.ForeignKey(Workbook, on_delete=models.CASCADE, related_name="guest_grants")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["guest", "workbook"], name="workbook_grant_unique"),
        ]
        indexes = [models.Index(fields=["guest", "space"], name="workbook_grant_guest_space")]

    def __str__(self) -> str:
        return f"{self.guest_id} in {self.workbook_id}"


class MagicLink(models.Model):
    """A single-use link that signs a guest in to one space. Following it only shows a
    confirmation page; the POST from there spends it (guests.services.magic_link_spend)."""

    class Purpose(models.TextChoices):
        INVITATION = "invitation", "Invitation"  # mailed by an administrator or a guest: 72 h
        SIGN_IN = "sign_in", "Sign-in link"  # asked for again by the guest: 15 minutes

    id = PublicIdField(prefix="us_ml")
    guest = models.ForeignKey(Guest, on_delete=models.CASCADE, related_name="magic_links")
    space = models.ForeignKey(Space, on_delete=models.CASCADE, related_name="magic_links")
    purpose = models.CharField(max_length=20, choices=Purpose.choices)
    token_digest = models.CharField(max_length=DIGEST_LENGTH, unique=True)
    last_four = models.CharField(max_length=4)
    created_by_id = models.CharField(max_length=40, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "id"]

    def __str__(self) -> str:
        return f"{self.get_purpose_display()} …{self.last_four}"

    @property
    def is_pending(self) -> bool:
        return self.used_at is None and self.revoked_at is None and self.expires_at > timezone.now()


class SharedLink(models.Model):
    """A space's one shared link: whoever holds it may give a name and email and become a
    guest of their own with a grant to the space. Regenerating it gives the same row a new
    token, so the old one stops working at once. The token is kept as a digest (for lookup)
    and encrypted (so administrators can copy it again)."""

    id = PublicIdField(prefix="us_sl")
    space = models.OneToOneField(Space, on_delete=models.CASCADE, related_name="shared_link")
    token_digest = models.CharField(max_length=DIGEST_LENGTH, unique=True)
    encrypted_token = models.TextField()
    last_four = models.CharField(max_length=4)
    expires_at = models.DateTimeField(null=True, blank=True)
    disabled_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # When the current token was made (created_at is when the space first had a link).
    regenerated_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"Shared link …{self.last_four}"

    @property
    def token(self) -> str:
        return encryption.decrypt(self.encrypted_token)

    @property
    def is_active(self) -> bool:
        return self.disabled_at is None and (
            self.expires_at is None or self.expires_at > timezone.now()
        )


class SharedLinkConfirmation(models.Model):
    """Someone's request to join a space by its shared link, waiting for the owner of the
    email they gave. The join form mails a single-use link to that email and changes nothing
    else; the POST from the link's page (guests.services.shared_link_join_confirm) makes the
    guest, or grants the space to the guest the email already is. So every guest who joined
    by a shared link has an email somebody opened, and typing a guest's email into a join
    form gives nobody anything until that guest confirms from their own inbox. The token is
    kept only as a digest, as a magic link's is."""

    id = PublicIdField(prefix="us_slc")
    shared_link = models.ForeignKey(
        SharedLink, on_delete=models.CASCADE, related_name="confirmations"
    )
    # Stored normalised (accounts.models.normalize_email), as guests are looked up.
    email = models.EmailField()
    # The name typed, for a guest made on confirmation (an existing guest keeps theirs).
    name = models.CharField(max_length=NAME_MAX_LENGTH)
    token_digest = models.CharField(max_length=DIGEST_LENGTH, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "id"]

    def __str__(self) -> str:
        return f"Joining by shared link as {self.email}"

    @property
    def shared_link_still_works(self) -> bool:
        """Whether the shared link is as it was when the join form was sent: on, unexpired,
        not regenerated since (which stops the old link at once, for those halfway too)."""
        link = self.shared_link
        return link.is_active and link.regenerated_at <= self.created_at
