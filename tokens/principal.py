"""Who is calling the API, once their credential has been verified."""

from accounts.models import Account, Environment, Space, User


class Principal:
    """The caller behind a verified credential, built from the verifying query's row.

    `kind` says what vouched for it; `environment` narrows the reach to one environment
    (a secret or publishable key); `space` narrows it to one space (a space access token).
    `id` is what the audit trail records as the actor. `user` and `credential` are there
    for an administrator's PAT (and `user` for their access token); `account_id` is at
    hand without reading `account`. The objects hold ids and what verification decided on,
    linked to one another; an object's other fields load in one query when first read
    (portal.deferred). Nothing here is meant to change after verification."""

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
        "user",
        "credential",
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
        user: User | None = None,
        credential: object | None = None,
        environment: Environment | None = None,
        space: Space | None = None,
        operations: tuple[tuple[str, str], ...] = (),
    ):
        self.kind = kind
        self.id = id
        self.account_id = account_id
        self.account = account
        self.user = user
        self.credential = credential
        self.environment = environment
        self.space = space
        self.operations = operations

    @property
    def is_administrator(self) -> bool:
        return self.kind == self.USER

    def __repr__(self) -> str:
        return f"<Principal {self.kind} {self.id}>"
