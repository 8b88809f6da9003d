"""tokens.services for access tokens, called directly: legacy client credentials keep only their
secret's digest, and an access token is made from an administrator's password or from client
credentials, every wrong one refused alike. The API that calls these: test_auth_endpoint.py."""

import pytest
from django.test import RequestFactory
from django.utils import timezone

from tests.factories import DEFAULT_PASSWORD, ClientCredentialFactory, UserFactory
from tests.tokens.service_helpers import all_payloads, events
from tokens import access_tokens, credentials, services
from tokens.models import ClientCredential

# Legacy client credentials -------------------------------------------------------------------


def test_client_credentials_keep_only_the_secrets_digest(admin_user):
    credential, secret = services.client_credential_create(user=admin_user)
    assert credential.id.startswith("us_cli_")
    assert credential.secret_digest == credentials.digest(secret)
    assert credential.last_four == secret[-4:]
    (event,) = events("client-credential:created")
    assert event.payload == {"clientId": credential.id}
    client_id = credential.id
    services.client_credential_delete(credential=credential, actor=admin_user)
    assert not ClientCredential.objects.exists()
    assert [event.payload for event in events("client-credential:deleted")] == [
        {"clientId": client_id}
    ]


# Access tokens ---------------------------------------------------------------------------------


def auth_request():
    return RequestFactory().post("/v1/auth", REMOTE_ADDR="192.0.2.10")


def test_an_administrators_password_makes_an_access_token(admin_user, account):
    issued = services.access_token_create_for_password(
        email=f"  {admin_user.email.upper()} ", password=DEFAULT_PASSWORD, request=auth_request()
    )
    assert issued.user == admin_user and issued.account_id == account.id
    claims = access_tokens.decode(issued.token)
    assert claims["sub"] == admin_user.id and claims["kind"] == access_tokens.USER
    assert claims[access_tokens.CREDENTIALS_VERSION] == admin_user.credentials_version
    assert issued.expires_at - timezone.now() <= access_tokens.LIFETIMES[access_tokens.USER]
    (event,) = events("access-token:created")
    assert event.payload["via"] == "userCredentials"
    assert issued.token not in all_payloads()


@pytest.mark.parametrize("who", ["wrong password", "unknown", "of no account"])
def test_every_wrong_password_is_the_same_refusal(admin_user, who):
    email, password = admin_user.email, DEFAULT_PASSWORD
    if who == "wrong password":
        password = "not it"
    elif who == "unknown":
        email = "nobody@example.com"
    else:
        email = UserFactory(email="lone@example.com").email
    with pytest.raises(services.InvalidCredentials):
        services.access_token_create_for_password(
            email=email, password=password, request=auth_request()
        )
    assert events("access-token:created") == []


def test_client_credentials_make_an_access_token_that_names_them(admin_user):
    credential = ClientCredentialFactory(user=admin_user)
    issued = services.access_token_create_for_client(client_id=credential.id, secret=credential.raw)
    assert issued.user == admin_user
    assert access_tokens.decode(issued.token)["cli"] == credential.id
    credential.refresh_from_db()
    assert credential.last_used_at is not None
    (event,) = events("access-token:created")
    assert event.payload["via"] == "apiCredentials"


@pytest.mark.parametrize("wrong", ["secret", "client id", "inactive user", "not a secret"])
def test_wrong_client_credentials_are_refused(admin_user, wrong):
    credential = ClientCredentialFactory(user=admin_user)
    client_id, secret = credential.id, credential.raw
    if wrong == "secret":
        secret = ClientCredentialFactory(user=admin_user).raw
    elif wrong == "client id":
        client_id = "us_cli_unknown"
    elif wrong == "inactive user":
        type(admin_user).objects.filter(pk=admin_user.pk).update(is_active=False)
    else:
        secret = "pat_" + secret
    with pytest.raises(services.InvalidCredentials):
        services.access_token_create_for_client(client_id=client_id, secret=secret)
