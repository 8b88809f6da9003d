"""For the tests of fine-grained personal access tokens: an account with something of every
kind in development and in production, and an administrator's tokens: a plain one, a
read-only one and one narrowed to development."""

import json

from rest_framework.test import APIClient

from accounts import services as account_services
from accounts.models import AdminInvitation, Environment, Event, Space, User, Workbook
from guests.models import Guest, SpaceGrant
from tests.factories import (
    EventFactory,
    SecretFactory,
    SpaceFactory,
    WorkbookFactory,
    administrator_of,
    development,
    make_account,
    production,
)
from tests.guests.conftest import make_guest
from tokens import services
from tokens.models import ApiKey, ClientCredential, PersonalAccessToken, Secret

# What a refused write could have changed: the rows of every kind, and the revoked tokens.
COUNTED = (
    Environment,
    Space,
    Workbook,
    Secret,
    ApiKey,
    Guest,
    SpaceGrant,
    User,
    AdminInvitation,
    PersonalAccessToken,
    ClientCredential,
    Event,
)


def snapshot() -> dict:
    counts = {model.__name__: model.objects.count() for model in COUNTED}
    counts["revoked tokens"] = PersonalAccessToken.objects.filter(revoked_at__isnull=False).count()
    counts["live keys"] = ApiKey.objects.filter(expires_at__isnull=True).count()
    return counts


def client_with(token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


def send(client: APIClient, method: str, path: str, body=None):
    if method in ("get", "head", "delete") and body is None:
        return getattr(client, method)(path)
    return getattr(client, method)(path, json.dumps(body or {}), content_type="application/json")


class Scene:
    """Acme with an empty environment (staging) and, in development and in production each,
    a space with a workbook, a secret, a guest (whose creation is an event of that
    environment); a pending invitation; and three tokens of its administrator: `plain` (as
    today), `read_only` and `development_only` (read and write)."""

    def __init__(self):
        self.account = make_account(name="Acme")
        self.admin = administrator_of(self.account)
        self.dev, self.prod = development(self.account), production(self.account)
        self.empty = Environment.objects.create(account=self.account, name="staging")
        self.dev_space = SpaceFactory(environment=self.dev, name="Imports")
        self.prod_space = SpaceFactory(environment=self.prod, name="Live")
        self.dev_workbook = WorkbookFactory(space=self.dev_space)
        self.prod_workbook = WorkbookFactory(space=self.prod_space)
        self.dev_secret = SecretFactory(environment=self.dev, name="DEV_SECRET")
        self.prod_secret = SecretFactory(environment=self.prod, name="PROD_SECRET")
        self.dev_guest = make_guest(self.dev, email="dev@example.com", spaces=[self.dev_space])
        self.prod_guest = make_guest(self.prod, email="prod@example.com", spaces=[self.prod_space])
        self.prod_event = EventFactory(
            account=self.account, topic="space:updated", environment_id=self.prod.id
        )
        self.invitation, _link = account_services.administrator_invite(
            account=self.account, actor=self.admin, email="invited@example.com"
        )
        self.plain_token, self.plain = self._token("plain")
        self.read_only_token, self.read_only = self._token("read only", read_only=True)
        self.narrowed_token, self.development_only = self._token(
            "development only", environments=[self.dev]
        )

    def _token(self, name: str, **narrowing) -> tuple[PersonalAccessToken, str]:
        return services.personal_access_token_create(user=self.admin, name=name, **narrowing)
