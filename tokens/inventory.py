"""The credentials inventory: every personal access token and legacy client credential of an
account, whoever owns it, for its administrators (the Credentials page and
`GET /v1/credentials`). Never a value: the rows hold digests, and nothing here reads them
out.

Both kinds are one list, newest first, paged as one: the page's ids come from one UNION of
the two tables (so a count and a slice are one query each), and the page's rows are then
read per kind with their owner, revoker and (a token's) environments, so a page costs the
same number of queries whatever it holds.

Fetching one by id (`account_credential_within`) is named as accounts.access says: the
reach's account bounds it, so another account's credential is an unknown id (404)."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from accounts.access import Reach
from portal.access import get_or_404
from portal.api import NOT_FOUND
from tokens.models import (
    ACTIVE,
    EXPIRED,
    REFUSED_BY_POLICY,
    REVOKED,
    ClientCredential,
    PersonalAccessToken,
    exceeding_policy,
)

PERSONAL_ACCESS_TOKEN = "personalAccessToken"
CLIENT_CREDENTIAL = "clientCredential"
KIND_PREFIXES = {"us_pat_": PERSONAL_ACCESS_TOKEN, "us_cli_": CLIENT_CREDENTIAL}

# What a credential is now (`status` of a row: the model's, a token ended by the account's
# maximum lifetime reading as expired) and, with EXCEEDS_POLICY, the filters.
# A working token made to live longer than the account's maximum lifetime allows.
EXCEEDS_POLICY = "exceedsPolicy"
STATUSES = (ACTIVE, EXPIRED, REVOKED)
STATUS_FILTERS = (ACTIVE, EXPIRED, REVOKED, EXCEEDS_POLICY)
# What the page offers for "unused for"; the API takes any number of days in range.
UNUSED_DAYS_CHOICES = (30, 60, 90)
UNUSED_DAYS_MAX = 3650


@dataclass(frozen=True)
class Filters:
    owner_id: str | None = None
    status: str | None = None
    unused_days: int | None = None


def _token_filter(status: str | None, now: datetime) -> Q:
    """The personal access tokens in `status` (tokens.verification refuses the same ones:
    revoked, expired, or ended by the account's maximum lifetime)."""
    ended = Q(expires_at__lte=now) | Q(policy_expires_at__lte=now)
    if status == REVOKED:
        return Q(revoked_at__isnull=False)
    if status == EXPIRED:
        return Q(revoked_at__isnull=True) & ended
    working = Q(revoked_at__isnull=True) & ~ended
    if status == ACTIVE:
        return working
    if status == EXCEEDS_POLICY:
        return working & exceeding_policy()
    return Q()


def _client_filter(status: str | None) -> Q:
    """Client credentials never expire, nor have a lifetime to exceed."""
    if status == REVOKED:
        return Q(revoked_at__isnull=False)
    if status == ACTIVE:
        return Q(revoked_at__isnull=True)
    if status in (EXPIRED, EXCEEDS_POLICY):
        return Q(pk__in=[])
    return Q()


def _common_filter(reach: Reach, filters: Filters, now: datetime) -> Q:
    # Owned by a member of the reach's account: the one bound of everything here.
    bound = Q(user__membership__account=reach.account)
    if filters.owner_id is not None:
        bound &= Q(user_id=filters.owner_id)
    if filters.unused_days is not None:
        since = now - timedelta(days=filters.unused_days)
        bound &= Q(last_used_at__isnull=True) | Q(last_used_at__lt=since)
    return bound


def personal_access_tokens_within(reach: Reach, filters: Filters = Filters()) -> QuerySet:
    now = timezone.now()
    return PersonalAccessToken.objects.filter(
        _common_filter(reach, filters, now), _token_filter(filters.status, now)
    )


def client_credentials_within(reach: Reach, filters: Filters = Filters()) -> QuerySet:
    now = timezone.now()
    return ClientCredential.objects.filter(
        _common_filter(reach, filters, now), _client_filter(filters.status)
    )


def kind_of(credential_id: str) -> str | None:
    return next(
        (kind for prefix, kind in KIND_PREFIXES.items() if credential_id.startswith(prefix)),
        None,
    )


def _with_people(queryset: QuerySet) -> QuerySet:
    return queryset.select_related("user", "revoked_by")


def _rows(ids: list[str]) -> list:
    """The credentials of `ids`, in that order, each with its owner and revoker (and a
    token with its environments, for scope_label): one query per kind, and the prefetch."""
    by_kind: dict[str, list[str]] = {}
    for credential_id in ids:
        by_kind.setdefault(kind_of(credential_id), []).append(credential_id)
    found = {}
    if token_ids := by_kind.get(PERSONAL_ACCESS_TOKEN):
        tokens = _with_people(PersonalAccessToken.objects.filter(pk__in=token_ids))
        found |= {token.pk: token for token in tokens.prefetch_related("environments")}
    if client_ids := by_kind.get(CLIENT_CREDENTIAL):
        clients = _with_people(ClientCredential.objects.filter(pk__in=client_ids))
        found |= {credential.pk: credential for credential in clients}
    # A row revoked and deleted between the two reads is left out rather than failing.
    return [found[credential_id] for credential_id in ids if credential_id in found]


class CredentialInventory:
    """Both kinds as one sequence, newest first, for django.core.paginator.Paginator and
    portal.pagination.Pagination alike: `count()` is one query, a slice two or three."""

    # Stable: Paginator warns about lists without an order; this one has one.
    ordered = True

    def __init__(self, reach: Reach, filters: Filters = Filters()):
        # Each side unordered (a compound statement orders as a whole, SQLite insists).
        tokens = personal_access_tokens_within(reach, filters).order_by()
        clients = client_credentials_within(reach, filters).order_by()
        self.union = tokens.values_list("id", "created_at").union(
            clients.values_list("id", "created_at"), all=True
        )

    def count(self) -> int:
        return self.union.count()

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, index):
        if not isinstance(index, slice):
            raise TypeError("The inventory is read a page (a slice) at a time.")
        page = self.union.order_by("-created_at", "-id")[index]
        return _rows([credential_id for credential_id, _created_at in page])


def credentials_within(reach: Reach, filters: Filters = Filters()) -> CredentialInventory:
    return CredentialInventory(reach, filters)


def status_of(credential) -> str:
    """The credential's status (the model's), a token refused by the account's maximum
    lifetime counted as expired, as the `expired` filter counts it."""
    return EXPIRED if credential.status == REFUSED_BY_POLICY else credential.status


def account_credential_within(reach: Reach, credential_id: str):
    """A personal access token (`us_pat_…`) or client credential (`us_cli_…`) owned by a
    member of the reach's account, revoked ones too; anything else is an unknown id."""
    kind = kind_of(credential_id) if isinstance(credential_id, str) else None
    within = {
        PERSONAL_ACCESS_TOKEN: personal_access_tokens_within,
        CLIENT_CREDENTIAL: client_credentials_within,
    }.get(kind)
    if within is None:
        # The same answer as an unknown id of a known kind, without a query.
        raise Http404(NOT_FOUND)
    return get_or_404(
        _with_people(within(reach)).select_related("user__membership__account"), credential_id
    )
