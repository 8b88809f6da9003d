"""Who is calling the API, once their credential has been verified."""

from collections.abc import Callable

from accounts.models import Account, Environment, Space, User


class Principal:
    """The caller behind a verified credential, built from the verifying query's row.

    `kind` says what vouched for it; `environment` narrows the reach to one environment
    (a secret or publishable key); `space` narrows it to one space (a space access token).
    `id` is what the audit trail records as the actor. `user` is there for an
    administrator's PAT or access token, and `credential` for a PAT or key; `account_id` is
    at hand without reading `account`. The objects hold ids and what verification decided
    on, linked to one another; an object's other fields load in one query when first read
    (portal.deferred). Nothing here is meant to change after verification.

    `user` and `credential` may be given as functions that build them, called when first
    read: most requests never read them, and building them for every request was a
    measurable share of a small API request (README, Benchmark)."""

    USER = "user"
    SECRET_KEY = "secret_key"
    PUBLISHABLE_KEY = "publishable_key"
    SPACE = "space"
    GUEST = "guest"

    is_authenticated = True
    is_anonymous = False

    __slots__ = (
        "kind",
        "id",
        "account_id",
        "account",
        "_user",
        "_credential",
        "environment",
        "space",
        "operations",
    )

    def __init__(
        self,
        *,
        kind: str,
        id: str,
        account_id: str,
        account: Account,
        user: User | Callable[[], User] | None = None,
        credential: object | Callable[[], object] | None = None,
        environment: Environment | None = None,
        space: Space | None = None,
        operations: tuple[tuple[str, str], ...] = (),
    ):
        self.kind = kind
        self.id = id
        self.account_id = account_id
        self.account = account
        self._user = user
        self._credential = credential
        self.environment = environment
        self.space = space
        self.operations = operations

    @property
    def user(self) -> User | None:
        if callable(self._user):
            self._user = self._user()
        return self._user

    @property
    def credential(self) -> object | None:
        if callable(self._credential):
            self._credential = self._credential()
        return self._credential

    @property
    def is_administrator(self) -> bool:
        return self.kind == self.USER

    def __repr__(self) -> str:
        return f"<Principal {self.kind} {self.id}>"
