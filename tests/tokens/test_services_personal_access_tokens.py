"""tokens.services for personal access tokens, called directly: a token kept as a digest, its
name and lifetime checked, every spelling of never, regenerating and deleting, each with its
audit event (never a value in it). The pages and the API that call these: test_views_*.py and
test_api_*.py."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from tests.factories import PersonalAccessTokenFactory
from tests.tokens.service_helpers import all_payloads, events
from tokens import credentials, services
from tokens.models import PersonalAccessToken


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
        "readOnly": False,
        "environmentIds": None,
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
        last_used_at=now,
        last_used_address="203.0.113.9",
        last_used_client="curl/8",
        created_at=now - timedelta(days=3),
        expires_at=now + timedelta(days=4),
    )
    token.refresh_from_db()
    regenerated, raw = services.personal_access_token_regenerate(token=token, actor=admin_user)
    assert regenerated.pk == token.pk and regenerated.name == "CI"
    assert regenerated.digest == credentials.digest(raw) != credentials.digest(token.raw)
    assert regenerated.last_used_at is None and regenerated.created_at >= now
    # Where the old value was used is no longer where this one was.
    regenerated.refresh_from_db()
    assert regenerated.last_used_address is None and regenerated.last_used_client == ""
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
