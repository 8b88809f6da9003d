"""Who is calling the API, once their credential has been verified."""

from collections.abc import Callable

from accounts.models import Account, Environment, Space, User


class Principal:
    """The caller behind a verified credential.

    `kind` says what vouched for it; `environment` narrows the reach to one environment
    (a secret or publishable key); `space` narrows it to one space (a space access token).
    `id` is what the audit trail records as the actor. `account_id` is at hand without
    building `account`.

    `account` is given, or left with `user` and `credential` to `build()`, which makes them
    all, linked to one another, from the verifying query's row on first use of any: most
    requests need none of them, only `account_id`. The row holds ids and what verification
    decided on; an object's other fields load in one query when first read
    (portal.deferred). Nothing here is meant to change after verification, so there are
    no setters."""

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
        "environment",
        "space",
        "operations",
        "_account",
        "_user",
        "_credential",
        "_build",
    )

    def __init__(
        self,
        *,
        kind: str,
        id: str,
        account_id: str,
        account: Account | None = None,
        environment: Environment | None = None,
        space: Space | None = None,
        operations: tuple[tuple[str, str], ...] = (),
        build: Callable[[], dict[str, object]] | None = None,
    ):
        self.kind = kind
        self.id = id
        self.account_id = account_id
        self.environment = environment
        self.space = space
        self.operations = operations
        self._account = account
        self._user = None
        self._credential = None
        self._build = build

    def _built(self, name: str):
        if self._build is not None:
            build, self._build = self._build, None
            for built_name, value in build().items():
                setattr(self, f"_{built_name}", value)
        return getattr(self, f"_{name}")

    @property
    def account(self) -> Account:
        return self._built("account")

    @property
    def user(self) -> User | None:
        return self._built("user")

    @property
    def credential(self) -> object | None:
        return self._built("credential")

    @property
    def is_administrator(self) -> bool:
        return self.kind == self.USER

    def __repr__(self) -> str:
        return f"<Principal {self.kind} {self.id}>"
