"""Races on credentials and secrets, with real transactions on PostgreSQL."""

import pytest
from rest_framework.test import APIClient

from tests.factories import administrator_of, development, make_account
from tests.races import behind_a_transaction
from tokens import services
from tokens.models import Secret

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_a_secret_set_through_the_api_as_another_request_makes_it_replaces_its_value():
    """Both set the secret: the one that finds the name taken meanwhile replaces the value
    (the upsert it asked for), rather than failing on the unique name."""
    account = make_account()
    admin = administrator_of(account)
    environment = development(account)
    _, raw = services.personal_access_token_create(user=admin, name="script")
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")

    kind, response = behind_a_transaction(
        lambda: services.secret_upsert(
            environment=environment, actor=admin, name="API_KEY", value="first"
        ),
        lambda: api.post(
            "/v1/secrets",
            {"environmentId": environment.id, "name": "API_KEY", "value": "second"},
            format="json",
        ),
    )

    assert kind == "ok"
    assert response.status_code == 200, response.content
    (secret,) = Secret.objects.filter(environment=environment)
    assert secret.value == "second"
    assert response.json()["data"][0]["id"] == secret.id
