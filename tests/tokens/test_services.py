"""tokens.services, called directly: every write about credentials and secrets, its rules
and its audit event (never a value in it). The pages and the API that call these are
tested in test_views.py and test_api.py."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.test import RequestFactory
from django.utils import timezone

from accounts import services as account_services
from accounts.models import Event
from tests.factories import (
    DEFAULT_PASSWORD,
    ApiKeyFactory,
    ClientCredentialFactory,
    PersonalAccessTokenFactory,
    SecretFactory,
    SpaceFactory,
    UserFactory,
    development,
    production,
)
from tokens import access_tokens, credentials, services
from tokens.models import ApiKey, ClientCredential, PersonalAccessToken, Secret


def events(topic: str) -> list[Event]:
    return list(Event.objects.filter(topic=topic).order_by("created_at", "id"))


def all_payloads() -> str:
    return str(list(Event.objects.values_list("payload", flat=True)))


# Environment API keys --------------------------------------------------------------------


def test_every_environment_is_born_with_one_key_of_each_type(account):
    for environment in account.environments.all():
        keys = environment.api_keys.all()
        assert sorted(key.type for key in keys) == ["PUBLISHABLE", "SECRET"]
        publishable = keys.get(type=ApiKey.Type.PUBLISHABLE)
        assert publishable.operations == [{"path": "/v1/spaces", "method": "POST"}]
        assert keys.get(type=ApiKey.Type.SECRET).operations == []
    created = events("api-key:created")
    assert len(created) == 4
    assert {event.payload["type"] for event in created} == {"PUBLISHABLE", "SECRET"}


def refuse_to_make_keys(*, environment, actor):
    raise ValidationError("no keys today")


def test_an_environment_whose_keys_cannot_be_made_is_not_made(account, admin_user, settings):
    """What is made with an environment (settings.ENVIRONMENT_CREATED) is made in its
    transaction: all or nothing."""
    settings.ENVIRONMENT_CREATED = [
        "tokens.services.api_keys_create_for_environment",
        f"{__name__}.refuse_to_make_keys",
    ]
    before = (account.environments.count(), ApiKey.objects.count(), Event.objects.count())
    with pytest.raises(ValidationError):
        account_services.environment_create(account=account, actor=admin_user, name="staging")
    after = (account.environments.count(), ApiKey.objects.count(), Event.objects.count())
    assert after == before


def test_a_key_is_stored_as_digest_and_ciphertext_never_in_clear(account, admin_user):
    rolled = services.api_key_roll(
        environment=development(account), actor=admin_user, key_type=ApiKey.Type.SECRET
    )
    key, raw = rolled.key, rolled.raw
    assert credentials.parse(raw) == credentials.SECRET_KEY
    assert key.digest == credentials.digest(raw)
    assert raw not in key.encrypted_value and key.raw_key == raw
    assert key.last_four == raw[-4:]
    assert raw not in all_payloads()


def test_rolling_now_removes_the_old_key_and_says_which(account, admin_user):
    environment = development(account)
    old = environment.api_keys.get(type=ApiKey.Type.SECRET)
    rolled = services.api_key_roll(
        environment=environment, actor=admin_user, key_type=ApiKey.Type.SECRET
    )
    key = rolled.key
    assert list(environment.api_keys.filter(type=ApiKey.Type.SECRET)) == [key]
    # What was decided comes back: which key was replaced, and that it stopped at once.
    assert (rolled.replaced, rolled.replaced_until) == (old, None)
    (event,) = events("api-key:rolled")
    assert event.actor_id == admin_user.id
    assert event.payload == {
        "keyId": key.id,
        "type": "SECRET",
        "retiredKeyIds": [old.id],
        "oldKeysExpireAt": None,
    }
    # The other type is untouched.
    assert environment.api_keys.filter(type=ApiKey.Type.PUBLISHABLE).count() == 1


def test_rolling_with_grace_keeps_the_old_key_until_then(account, admin_user):
    environment = development(account)
    old = environment.api_keys.get(type=ApiKey.Type.PUBLISHABLE)
    before = timezone.now()
    rolled = services.api_key_roll(
        environment=environment,
        actor=admin_user,
        key_type=ApiKey.Type.PUBLISHABLE,
        keep_old_for=timedelta(hours=24),
    )
    old.refresh_from_db()
    assert before + timedelta(hours=24) <= old.expires_at <= timezone.now() + timedelta(hours=24)
    assert rolled.replaced == old
    assert rolled.replaced_until == rolled.replaced.expires_at == old.expires_at
    (event,) = events("api-key:rolled")
    assert event.payload["retiredKeyIds"] == [old.id]
    assert event.payload["oldKeysExpireAt"] == old.expires_at.isoformat()


def test_rolling_again_removes_keys_past_their_grace_and_never_lengthens_one(account, admin_user):
    environment = development(account)
    first = ApiKeyFactory(environment=environment, keep_old_for=timedelta(hours=1))
    ApiKeyFactory(environment=environment, keep_old_for=timedelta(hours=1))
    first.refresh_from_db()
    assert first.expires_at is not None
    short_expiry = first.expires_at
    # A longer grace for the next roll leaves the earlier, shorter one as it was.
    ApiKeyFactory(environment=environment, keep_old_for=timedelta(days=7))
    first.refresh_from_db()
    assert first.expires_at == short_expiry
    ApiKey.objects.filter(pk=first.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    ApiKeyFactory(environment=environment, keep_old_for=timedelta(hours=1))
    assert not ApiKey.objects.filter(pk=first.pk).exists()


@pytest.mark.parametrize(
    ("changes", "key"),
    [
        ({"key_type": "ROOT"}, "type"),
        ({"keep_old_for": timedelta(days=8)}, "expires"),
        ({"keep_old_for": timedelta(seconds=-1)}, "expires"),
    ],
)
def test_a_bad_roll_changes_nothing(account, admin_user, changes, key):
    environment = development(account)
    keys = set(environment.api_keys.values_list("id", "expires_at"))
    with pytest.raises(ValidationError) as refused:
        services.api_key_roll(
            environment=environment,
            actor=admin_user,
            **{"key_type": ApiKey.Type.SECRET, **changes},
        )
    assert key in refused.value.message_dict
    assert set(environment.api_keys.values_list("id", "expires_at")) == keys
    assert events("api-key:rolled") == []


def test_revealing_a_key_is_recorded_without_its_value(account, admin_user):
    key = ApiKeyFactory(environment=production(account))
    assert services.api_key_reveal(api_key=key, actor=admin_user) == key.raw
    (event,) = events("api-key:revealed")
    assert event.environment_id == key.environment_id and event.actor_id == admin_user.id
    assert event.payload == {"keyId": key.id, "type": "SECRET"}
    assert key.raw not in all_payloads()


def test_deleting_a_key(account, admin_user):
    key = ApiKeyFactory(environment=development(account), type=ApiKey.Type.PUBLISHABLE)
    key_id = key.id
    services.api_key_delete(api_key=key, actor=admin_user)
    assert not ApiKey.objects.filter(pk=key_id).exists()
    (event,) = events("api-key:deleted")
    assert event.payload == {"keyId": key_id, "type": "PUBLISHABLE"}


# Personal access tokens --------------------------------------------------------------------


def test_a_token_is_kept_as_a_digest_and_its_creation_recorded(admin_user, account):
    token, raw = services.personal_access_token_create(
        user=admin_user, name="  deploy  ", expires_in_days=30
    )
    assert token.name == "deploy"
    assert credentials.parse(raw) == credentials.PERSONAL_ACCESS_TOKEN
    assert token.digest == credentials.digest(raw) and token.last_four == raw[-4:]
    assert timedelta(days=30) - timedelta(seconds=5) < token.expires_at - timezone.now()
    (event,) = events("personal-access-token:created")
    assert event.account_id == account.id and event.actor_id == admin_user.id
    assert event.payload == {
        "tokenId": token.id,
        "name": "deploy",
        "expiresAt": token.expires_at.isoformat(),
    }
    assert raw not in all_payloads()


@pytest.mark.parametrize(
    ("fields", "key"),
    [
        ({"name": "   "}, "name"),
        ({"name": "n" * 256}, "name"),
        ({"expires_in_days": 14}, "expires_in_days"),
        ({"expires_in_days": "soon"}, "expires_in_days"),
    ],
)
def test_a_bad_token_is_refused_and_nothing_made(admin_user, fields, key):
    with pytest.raises(ValidationError) as refused:
        services.personal_access_token_create(user=admin_user, **{"name": "ok", **fields})
    assert key in refused.value.message_dict
    assert not PersonalAccessToken.objects.exists()
    assert events("personal-access-token:created") == []


@pytest.mark.parametrize("never", [None, "", "never", 0, "0"])
def test_every_spelling_of_never_makes_a_token_that_never_expires(admin_user, never):
    token, _raw = services.personal_access_token_create(
        user=admin_user, name="forever", expires_in_days=never
    )
    assert token.expires_at is None


def test_regenerating_keeps_name_and_lifetime_and_starts_afresh(admin_user):
    token = PersonalAccessTokenFactory(user=admin_user, name="CI", expires_in_days=7)
    # Used, and three days into its week.
    now = timezone.now()
    PersonalAccessToken.objects.filter(pk=token.pk).update(
        last_used_at=now, created_at=now - timedelta(days=3), expires_at=now + timedelta(days=4)
    )
    token.refresh_from_db()
    regenerated, raw = services.personal_access_token_regenerate(token=token, actor=admin_user)
    assert regenerated.pk == token.pk and regenerated.name == "CI"
    assert regenerated.digest == credentials.digest(raw) != credentials.digest(token.raw)
    assert regenerated.last_used_at is None and regenerated.created_at >= now
    assert regenerated.expires_at - regenerated.created_at == timedelta(days=7)
    (event,) = events("personal-access-token:regenerated")
    assert event.payload == {"tokenId": token.pk, "name": "CI"}


def test_deleting_a_token(admin_user):
    token = PersonalAccessTokenFactory(user=admin_user)
    token_id = token.id
    services.personal_access_token_delete(token=token, actor=admin_user)
    assert not PersonalAccessToken.objects.exists()
    (event,) = events("personal-access-token:deleted")
    assert event.payload == {"tokenId": token_id, "name": token.name}


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


# Secrets -----------------------------------------------------------------------------------------


def test_upserting_sets_then_replaces_by_name_and_scope(account, admin_user):
    environment = development(account)
    space = SpaceFactory(environment=environment)
    secret, created = services.secret_upsert(
        environment=environment, actor=admin_user, name="URL", value="one"
    )
    assert created and secret.value == "one" and "one" not in secret.encrypted_value
    again, created = services.secret_upsert(
        environment=environment, actor=admin_user, name="URL", value="two"
    )
    assert not created and again.pk == secret.pk and again.value == "two"
    in_space, created = services.secret_upsert(
        environment=environment, actor=admin_user, name="URL", value="three", space=space
    )
    assert created and in_space.pk != secret.pk and in_space.space == space
    assert Secret.objects.get(pk=secret.pk).value == "two"
    assert [(e.topic, e.space_id) for e in events("secret:created")] == [
        ("secret:created", ""),
        ("secret:created", space.id),
    ]
    assert [e.payload for e in events("secret:updated")] == [{"secretId": secret.pk, "name": "URL"}]
    assert "one" not in all_payloads() and "three" not in all_payloads()


@pytest.mark.parametrize(
    ("name", "value", "key"),
    [
        ("", "v", "name"),
        ("n" * 1025, "v", "name"),
        (None, "v", "name"),
        ("n", "", "value"),
        ("n", "v" * 1025, "value"),
        ("n", 5, "value"),
    ],
)
def test_a_secrets_name_and_value_are_1_to_1024_characters(account, admin_user, name, value, key):
    with pytest.raises(ValidationError) as refused:
        services.secret_upsert(
            environment=development(account), actor=admin_user, name=name, value=value
        )
    assert key in refused.value.message_dict
    assert not Secret.objects.exists()


def test_1024_characters_are_kept_exactly(account, admin_user):
    name, value = " " + "n" * 1023, "v" * 1023 + " "
    secret, _ = services.secret_upsert(
        environment=development(account), actor=admin_user, name=name, value=value
    )
    assert secret.name == name and secret.value == value


def test_a_space_of_another_environment_is_refused(account, admin_user):
    space = SpaceFactory(environment=production(account))
    with pytest.raises(ValidationError) as refused:
        services.secret_upsert(
            environment=development(account), actor=admin_user, name="N", value="v", space=space
        )
    assert "space_id" in refused.value.message_dict
    assert not Secret.objects.exists()


def test_deleting_a_secret_records_its_scope(account, admin_user):
    space = SpaceFactory(environment=development(account))
    secret = SecretFactory(space=space, name="TOKEN")
    secret_id = secret.id
    services.secret_delete(secret=secret, actor=admin_user)
    assert not Secret.objects.exists()
    (event,) = events("secret:deleted")
    assert (event.environment_id, event.space_id) == (space.environment_id, space.id)
    assert event.payload == {"secretId": secret_id, "name": "TOKEN"}
