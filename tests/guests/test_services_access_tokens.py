"""The guest access token service: an hour's token that names its guest, and a space's
only where the guest is granted it."""

import json
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts.models import Event
from guests import services
from tests.factories import SpaceFactory
from tokens import access_tokens

# Guest access tokens ---------------------------------------------------------------------------


def test_a_guest_access_token_lives_an_hour_and_names_its_guest(guest, space):
    token, expires_at = services.guest_access_token_create(guest=guest)
    claims = access_tokens.decode(token)
    assert claims["kind"] == access_tokens.GUEST
    assert claims["sub"] == guest.id
    assert "spc" not in claims
    assert timedelta(minutes=59) < expires_at - timezone.now() <= timedelta(hours=1)
    scoped, _ = services.guest_access_token_create(guest=guest, space=space)
    assert access_tokens.decode(scoped)["spc"] == space.id
    events = Event.objects.filter(topic="access-token:created", payload__guestId=guest.id)
    assert [event.payload["via"] for event in events] == ["guest", "guest"]
    assert token not in json.dumps(list(Event.objects.values_list("payload", flat=True)))


def test_a_guest_access_token_for_a_space_needs_a_grant_there(environment, guest):
    with pytest.raises(ValidationError):
        services.guest_access_token_create(guest=guest, space=SpaceFactory(environment=environment))
