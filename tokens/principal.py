"""Who is calling the API, once their credential has been verified."""

from dataclasses import dataclass, field

from accounts.models import Account, Environment, Space, User


@dataclass(frozen=True, eq=False)
class Principal:
    """The caller behind a verified credential.

    `kind` says what vouched for it; `environment` narrows the reach to one environment
    (a secret or publishable key); `space` narrows it to one space (a space access token).
    `id` is what the audit trail records as the actor."""

    USER = "user"
    SECRET_KEY = "secret_key"
    PUBLISHABLE_KEY = "publishable_key"
    SPACE = "space"
    GUEST = "guest"

    kind: str
    id: str
    account: Account
    user: User | None = None
    environment: Environment | None = None
    space: Space | None = None
    credential: object | None = None
    operations: tuple[tuple[str, str], ...] = field(default=())

    is_authenticated = True
    is_anonymous = False

    @property
    def is_administrator(self) -> bool:
        return self.kind == self.USER
