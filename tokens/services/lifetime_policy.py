"""The account's "Maximum lifetime of personal access tokens": set, and applied at once to
every token its administrators already have.

A token's `policy_expires_at` (its creation plus the maximum) is what verification compares,
so setting the maximum rewrites it on every token of the account in one UPDATE; tokens made
or regenerated later get it from personal_access_tokens. Like GitHub's policy, a token made
for longer keeps working until its age passes the maximum, and is refused from then on."""

from dataclasses import dataclass
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, DateTimeField, ExpressionWrapper, F, Q
from django.utils import timezone

from accounts.audit import record_event
from accounts.models import Account, User
from portal.services import model_update
from tokens.models import PersonalAccessToken, exceeding_policy
from tokens.services.personal_access_tokens import TOKEN_LIFETIME_CHOICES

# The maximums an account may set: the lifetimes a token may be made with (None: no maximum).
TOKEN_MAX_LIFETIME_CHOICES = TOKEN_LIFETIME_CHOICES


@dataclass(frozen=True)
class TokenLifetimePolicyChange:
    previous_days: int | None
    days: int | None
    # Live tokens (not revoked, not expired) made to live longer than the new maximum.
    tokens_exceeding: int
    # Of those, the ones already older than the maximum: refused from their next request.
    tokens_refused_now: int


@transaction.atomic
def token_max_lifetime_set(
    *, account: Account, days: int | None, actor: User
) -> TokenLifetimePolicyChange:
    """Set the account's maximum lifetime of personal access tokens (`days`, one of
    TOKEN_MAX_LIFETIME_CHOICES; None removes it) and stamp every token of its users with when
    the maximum ends it. Removing the maximum clears the stamps: tokens it refused work
    again until their own expiry. Audited only when the setting changed."""
    if not (days is None or (type(days) is int and days in TOKEN_MAX_LIFETIME_CHOICES)):
        raise ValidationError(
            {"token_max_lifetime_days": "Choose 7, 30, 60, 90 or 365 days, or no maximum."}
        )
    # The row personal_access_token_create locks too: a token made meanwhile either waited
    # for this change (and saw the new maximum) or is committed, and stamped below.
    locked = Account.objects.select_for_update().get(pk=account.pk)
    previous = locked.token_max_lifetime_days
    changed = model_update(instance=locked, data={"token_max_lifetime_days": days})
    account.token_max_lifetime_days = days
    tokens = PersonalAccessToken.objects.filter(user__membership__account=locked)
    tokens.update(
        policy_expires_at=None
        if days is None
        else ExpressionWrapper(F("created_at") + timedelta(days=days), output_field=DateTimeField())
    )
    now = timezone.now()
    counts = (
        tokens.filter(exceeding_policy(), revoked_at__isnull=True)
        .exclude(expires_at__lte=now)
        .aggregate(
            exceeding=Count("pk"), refused_now=Count("pk", filter=Q(policy_expires_at__lte=now))
        )
    )
    change = TokenLifetimePolicyChange(
        previous_days=previous,
        days=days,
        tokens_exceeding=counts["exceeding"],
        tokens_refused_now=counts["refused_now"],
    )
    if changed:
        record_event(
            "account:updated",
            on=locked,
            actor=actor,
            changed=changed,
            tokenMaxLifetimeDays={"from": previous, "to": days},
            tokensExceedingPolicy=change.tokens_exceeding,
        )
    return change
