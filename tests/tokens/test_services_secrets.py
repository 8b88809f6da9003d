"""tokens.services for secrets, called directly: upserting by name and scope, names and values of
1 to 1024 characters kept exactly, a space of another environment refused, and deleting, each
with its audit event (never a value in it). The pages and the API that call these:
test_views_*.py and test_api_*.py."""

import pytest
from django.core.exceptions import ValidationError

from tests.factories import SecretFactory, SpaceFactory, development, production
from tests.tokens.service_helpers import all_payloads, events
from tokens import services
from tokens.models import Secret


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
