import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from tests.factories import development
from tokens import access_tokens, services
from tokens.models import ApiKey


@pytest.fixture
def api():
    return APIClient()


def user_access_token(user, claims: dict | None = None) -> tuple[str, object]:
    """An administrator's access token and its expiry, as the auth endpoint issues them:
    under the user's current credentials_version."""
    return access_tokens.issue(
        kind=access_tokens.USER,
        subject=user.id,
        claims={access_tokens.CREDENTIALS_VERSION: user.credentials_version, **(claims or {})},
    )


def bearer(client: APIClient, token: str) -> APIClient:
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


@pytest.fixture
def pat(admin_user):
    return services.personal_access_token_create(user=admin_user, name="script")[1]


@pytest.fixture
def pat_api(pat):
    return bearer(APIClient(), pat)


@pytest.fixture
def secret_key(account, admin_user):
    """A raw secret key of the development environment (values exist only at creation)."""
    return services.api_key_roll(
        environment=development(account), actor=admin_user, key_type=ApiKey.Type.SECRET
    ).raw


@pytest.fixture
def publishable_key(account, admin_user):
    return services.api_key_roll(
        environment=development(account), actor=admin_user, key_type=ApiKey.Type.PUBLISHABLE
    ).raw


@pytest.fixture
def frozen_now(monkeypatch):
    """The clock stopped at a whole minute close to the real one (sessions stay valid)."""
    moment = timezone.now().replace(second=0, microsecond=0)
    monkeypatch.setattr(timezone, "now", lambda: moment)
    return moment
