"""Who is calling the API, once their credential has been verified."""

from collections.abc import Callable

from django.db.models import QuerySet

from accounts.access import Reach
from accounts.models import Account, Environment, Space, User
from tokens import services
from tokens.lookups import model_instance
from tokens.models import ApiKey, PersonalAccessToken

# What vouched for a caller that is a stored credential (an access token is not stored).
Credential = PersonalAccessToken | ApiKey


class Principal(Reach):
    """The caller behind a verified credential, built from the verifying query's row: its
    reach (accounts.access.Reach: what it may see), and who it is.

    `kind` says what vouched for it; `environment` narrows the reach to one environment
    (a secret or publishable key); `space` narrows it to one space (a space access token).
    A fine-grained personal access token narrows it to its environments
    (`environment_scope`, a subquery made when first read) and to reading (`read_only`).
    A guest's is guests.access.GuestPrincipal, which narrows to the guest's grants.
    `id` is what the audit trail records as the actor. `user` is there for an
    administrator's PAT or access token, and `credential` for a PAT or key; `account_id` is
    at hand without reading `account`. The objects hold ids and what verification decided
    on, linked to one another; an object's other fields load in one query when first read
    (portal.deferred). Nothing here is meant to change after verification.

    Verification gives `environment`, `space`, `user` and `credential` as functions that
    build them, called when first read, and `account` not at all: it is built from
    `account_id` when first read. Most requests never read them, and building them for
    every request was a measurable share of a small API request (README, Benchmark). So
    Reach's `account`, `environment` and `space` are properties here, read-only like the
    rest; Reach's own attributes of those names are not set."""

    is_authenticated = True
    is_anonymous = False

    __slots__ = (
        "id",
        "account_id",
        "_account",
        "_environment",
        "_space",
        "_user",
        "_credential",
        "_scoped_token_id",
        "operations",
    )

    def __init__(
        self,
        *,
        kind: str,
        id: str,
        account_id: str,
        account: Account | None = None,
        user: User | Callable[[], User] | None = None,
        credential: Credential | Callable[[], Credential] | None = None,
        environment: Environment | Callable[[], Environment] | None = None,
        space: Space | Callable[[], Space] | None = None,
        operations: tuple[tuple[str, str], ...] = (),
        read_only: bool = False,
        scoped_token_id: str | None = None,
    ):
        self.kind = kind
        self.read_only = read_only
        # The id of a PAT narrowed to some environments, whose scope is built when first read.
        self._scoped_token_id = scoped_token_id
        self.id = id
        self.account_id = account_id
        self._account = account
        self._environment = environment
        self._space = space
        self._user = user
        self._credential = credential
        self.operations = operations

    @property
    def account(self) -> Account:
        if self._account is None:
            self._account = model_instance(Account, {"id": self.account_id})
        return self._account

    @property
    def environment(self) -> Environment | None:
        if callable(self._environment):
            self._environment = self._environment()
        return self._environment

    @property
    def space(self) -> Space | None:
        if callable(self._space):
            self._space = self._space()
        return self._space

    @property
    def environment_scope(self) -> QuerySet | None:
        if self._scoped_token_id is None:
            return None
        return PersonalAccessToken.environments.through.objects.filter(
            personalaccesstoken_id=self._scoped_token_id
        ).values("environment_id")

    @property
    def user(self) -> User | None:
        if callable(self._user):
            self._user = self._user()
        return self._user

    @property
    def credential(self) -> Credential | None:
        if callable(self._credential):
            self._credential = self._credential()
        return self._credential

    @property
    def is_administrator(self) -> bool:
        return self.kind == self.USER

    def space_access_token_for(self, space: Space) -> str | None:
        """A publishable key's space comes with an access token for that space."""
        if self.kind != self.PUBLISHABLE_KEY:
            return None
        return services.space_access_token_create(space=space, api_key_id=self.id)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.kind} {self.id}>"
