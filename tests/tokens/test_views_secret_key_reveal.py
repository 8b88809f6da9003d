"""Revealing an environment's secret key on its API keys page: who may, how (a POST guarded by
CSRF), which keys, and the event recording who saw it."""

import re
from datetime import timedelta

from django.utils import timezone

from accounts.models import Event
from tests.factories import development
from tests.pages import text
from tokens import services
from tokens.models import ApiKey


def reveal_url(environment, key) -> str:
    return f"/environments/{environment.id}/api-keys/{key.id}/reveal/"


def test_reveal_hands_over_the_secret_key_and_records_who_saw_it(admin_client, admin_user, account):
    environment = development(account)
    key = ApiKey.objects.get(environment=environment, type="SECRET")
    response = admin_client.post(reveal_url(environment, key))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"value": key.raw_key}
    assert "no-store" in response["Cache-Control"]
    event = Event.objects.get(topic="api-key:revealed")
    assert (event.account, event.actor_id, event.environment_id) == (
        account,
        admin_user.id,
        environment.id,
    )
    assert event.payload == {"keyId": key.id, "type": "SECRET"}
    assert key.raw_key not in str(event.payload)
    admin_client.post(reveal_url(environment, key))
    assert Event.objects.filter(topic="api-key:revealed").count() == 2  # every reveal


def test_reveal_is_a_post_guarded_by_csrf(admin_user, account):
    from django.test import Client

    environment = development(account)
    key = ApiKey.objects.get(environment=environment, type="SECRET")
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(admin_user)
    page = browser.get(f"/environments/{environment.id}/api-keys/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', text(page)).group(1)

    assert browser.get(reveal_url(environment, key)).status_code == 405
    assert browser.post(reveal_url(environment, key)).status_code == 403  # no token
    assert browser.post(reveal_url(environment, key), HTTP_X_CSRFTOKEN="x" * 64).status_code == 403
    assert not Event.objects.filter(topic="api-key:revealed").exists()
    # The page's token in the X-CSRFToken header, as portal.js sends it.
    response = browser.post(reveal_url(environment, key), HTTP_X_CSRFTOKEN=token)
    assert response.status_code == 200
    assert response.json() == {"value": key.raw_key}


def test_reveal_is_for_signed_in_administrators_only(client, account):
    environment = development(account)
    key = ApiKey.objects.get(environment=environment, type="SECRET")
    response = client.post(reveal_url(environment, key))
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")
    assert key.raw_key not in text(response)
    assert not Event.objects.filter(topic="api-key:revealed").exists()


def test_reveal_refuses_other_accounts_publishable_and_expired_keys(
    admin_client, admin_user, account, other_account
):
    environment = development(account)
    theirs = development(other_account)
    their_key = ApiKey.objects.get(environment=theirs, type="SECRET")
    publishable = ApiKey.objects.get(environment=environment, type="PUBLISHABLE")
    # A rolled key works (and may be revealed) until its grace period ends.
    old = ApiKey.objects.get(environment=environment, type="SECRET")
    services.api_key_roll(
        environment=environment,
        actor=admin_user,
        key_type="SECRET",
        keep_old_for=timedelta(hours=1),
    )
    assert admin_client.post(reveal_url(environment, old)).json() == {"value": old.raw_key}
    ApiKey.objects.filter(pk=old.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    refused = [
        reveal_url(theirs, their_key),  # another account's environment
        reveal_url(environment, their_key),  # another environment's key
        reveal_url(environment, publishable),  # not a secret key
        reveal_url(environment, old),  # expired
        f"/environments/{environment.id}/api-keys/us_key_unknown/reveal/",
    ]
    for url in refused:
        response = admin_client.post(url)
        assert response.status_code == 404, url
        assert their_key.raw_key not in text(response)
    assert Event.objects.filter(topic="api-key:revealed").count() == 1
