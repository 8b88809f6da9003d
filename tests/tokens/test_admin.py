"""The Django admin for credentials and secrets: a superuser sees them, never a digest, an
encrypted value, a secret key or a secret's value; revokes them through the services
(audited, refused on the very next request); sets a secret's value through secret_upsert;
and makes nothing."""

import pytest
from django.contrib.admin.utils import quote
from rest_framework.test import APIClient

from accounts.models import Event, User
from tests.factories import (
    ApiKeyFactory,
    ClientCredentialFactory,
    PersonalAccessTokenFactory,
    SecretFactory,
    SpaceFactory,
    development,
)
from tests.tokens.conftest import bearer
from tokens.models import ApiKey, ClientCredential, PersonalAccessToken, Secret
from tokens.verification import verify

MODELS = ["apikey", "personalaccesstoken", "clientcredential", "secret"]


def admin_url(model: str, pk: str, action: str) -> str:
    return f"/admin/tokens/{model}/{quote(pk)}/{action}/"


@pytest.fixture
def root(db):
    return User.objects.create_superuser(email="root@example.com", password="x" * 12)


@pytest.fixture
def superuser_client(client, root):
    client.force_login(root)
    return client


@pytest.fixture
def objects(account, admin_user):
    environment = development(account)
    return {
        "apikey": ApiKeyFactory(environment=environment),
        "personalaccesstoken": PersonalAccessTokenFactory(user=admin_user),
        "clientcredential": ClientCredentialFactory(user=admin_user),
        "secret": SecretFactory(
            environment=environment, name="WEBHOOK_URL", value="https://hooks.example/s3cr3t"
        ),
    }


def events(topic: str) -> list[Event]:
    return list(Event.objects.filter(topic=topic).order_by("created_at", "id"))


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def hidden_values(objects) -> list[str]:
    key, token, credential, secret = (objects[model] for model in MODELS)
    return [
        key.raw,
        key.digest,
        key.encrypted_value,
        token.raw,
        token.digest,
        credential.raw,
        credential.secret_digest,
        secret.value,
        secret.encrypted_value,
    ]


def test_a_superuser_sees_every_credential_but_never_a_value_or_digest(superuser_client, objects):
    hidden = hidden_values(objects)
    for model, obj in objects.items():
        listing = superuser_client.get(f"/admin/tokens/{model}/")
        assert listing.status_code == 200, model
        page = superuser_client.get(admin_url(model, obj.pk, "change"))
        assert page.status_code == 200, model
        for text in (listing.content.decode(), page.content.decode()):
            assert not [value for value in hidden if value in text], model
    # Secret keys of every environment, not only the one rolled above.
    for key in ApiKey.objects.all():
        page = superuser_client.get(admin_url("apikey", key.pk, "change")).content.decode()
        assert key.raw_key not in page


@pytest.mark.parametrize("model", MODELS)
def test_nothing_is_made_here(superuser_client, objects, model):
    count = type(objects[model]).objects.count()
    assert superuser_client.get(f"/admin/tokens/{model}/add/").status_code == 403
    assert superuser_client.post(f"/admin/tokens/{model}/add/", {"name": "x"}).status_code == 403
    assert type(objects[model]).objects.count() == count


@pytest.mark.parametrize("model", ["apikey", "personalaccesstoken", "clientcredential"])
def test_credentials_are_not_changed_in_place(superuser_client, objects, model):
    obj = objects[model]
    page = superuser_client.get(admin_url(model, obj.pk, "change")).content.decode()
    assert 'name="_save"' not in page
    response = superuser_client.post(admin_url(model, obj.pk, "change"), {"name": "forged"})
    assert response.status_code == 403


def test_deleting_a_personal_access_token_revokes_it_at_once_and_is_audited(
    superuser_client, objects, root
):
    token = objects["personalaccesstoken"]
    assert bearer(APIClient(), token.raw).get("/v1/auth/personal-access-tokens").status_code == 200
    response = superuser_client.post(
        admin_url("personalaccesstoken", token.pk, "delete"), {"post": "yes"}, follow=True
    )
    assert response.status_code == 200
    assert not PersonalAccessToken.objects.filter(pk=token.pk).exists()
    assert verify(token.raw) is None
    assert bearer(APIClient(), token.raw).get("/v1/auth/personal-access-tokens").status_code == 401
    (event,) = events("personal-access-token:deleted")
    assert event.actor_id == root.id
    assert event.payload == {"tokenId": token.pk, "name": token.name}


def test_deleting_keys_and_client_credentials_goes_through_their_services(
    superuser_client, objects, root
):
    key, credential = objects["apikey"], objects["clientcredential"]
    superuser_client.post(admin_url("apikey", key.pk, "delete"), {"post": "yes"})
    superuser_client.post(admin_url("clientcredential", credential.pk, "delete"), {"post": "yes"})
    assert not ApiKey.objects.filter(pk=key.pk).exists()
    assert not ClientCredential.objects.filter(pk=credential.pk).exists()
    assert verify(key.raw) is None
    (key_event,) = events("api-key:deleted")
    (credential_event,) = events("client-credential:deleted")
    assert key_event.payload == {"keyId": key.pk, "type": "SECRET"}
    assert credential_event.payload == {"clientId": credential.pk}
    assert {key_event.actor_id, credential_event.actor_id} == {root.id}


def test_delete_selected_revokes_each_through_the_service(superuser_client, admin_user):
    tokens = [PersonalAccessTokenFactory(user=admin_user) for _ in range(3)]
    response = superuser_client.post(
        "/admin/tokens/personalaccesstoken/",
        {
            "action": "delete_selected",
            "_selected_action": [token.pk for token in tokens],
            "post": "yes",
        },
        follow=True,
    )
    assert messages_of(response) == ["Successfully deleted 3 personal access tokens."]
    assert not PersonalAccessToken.objects.exists()
    revoked = [event.payload["tokenId"] for event in events("personal-access-token:deleted")]
    assert sorted(revoked) == sorted(token.pk for token in tokens)


def test_a_secrets_new_value_is_set_through_the_service(superuser_client, objects, root):
    secret = objects["secret"]
    page = superuser_client.get(admin_url("secret", secret.pk, "change")).content.decode()
    assert 'name="new_value"' in page and 'name="name"' not in page
    url = admin_url("secret", secret.pk, "change")
    assert superuser_client.post(url, {"new_value": " kept as typed "}).status_code == 302
    secret.refresh_from_db()
    assert secret.value == " kept as typed "
    assert secret.name == "WEBHOOK_URL" and secret.space is None
    (event,) = events("secret:updated")
    assert event.actor_id == root.id
    assert event.payload == {"secretId": secret.pk, "name": "WEBHOOK_URL"}
    # Left empty, the value stays and nothing is recorded.
    assert superuser_client.post(url, {"new_value": ""}).status_code == 302
    secret.refresh_from_db()
    assert secret.value == " kept as typed "
    assert len(events("secret:updated")) == 1


def test_a_too_long_secret_value_is_refused(superuser_client, objects):
    secret = objects["secret"]
    response = superuser_client.post(
        admin_url("secret", secret.pk, "change"), {"new_value": "v" * 1025}
    )
    assert response.status_code == 200  # the form again, with its error
    secret.refresh_from_db()
    assert secret.value == "https://hooks.example/s3cr3t"
    assert events("secret:updated") == []


def test_deleting_a_secret_goes_through_the_service(superuser_client, account, root):
    space = SpaceFactory(environment=development(account))
    secret = SecretFactory(space=space, name="TOKEN")
    superuser_client.post(admin_url("secret", secret.pk, "delete"), {"post": "yes"})
    assert not Secret.objects.filter(pk=secret.pk).exists()
    (event,) = events("secret:deleted")
    assert event.space_id == space.pk and event.actor_id == root.id
