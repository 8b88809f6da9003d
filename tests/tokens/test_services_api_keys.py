"""tokens.services for environment API keys, called directly: every environment is born with
one key of each type (or not made at all), a key is stored as digest and ciphertext, rolling now
or with grace, a bad roll, revealing and deleting, each with its audit event (never a value in
it). The pages and the API that call these: test_views_*.py and test_api_*.py."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts import services as account_services
from accounts.models import Event
from tests.factories import ApiKeyFactory, development, production
from tests.tokens.service_helpers import all_payloads, events
from tokens import credentials, services
from tokens.models import ApiKey


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
