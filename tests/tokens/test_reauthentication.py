"""The credential pages' dangerous actions ask a session that has not proved who it is lately
(accounts.reauthentication): a production environment's secret key revealed or a key rolled
(a development environment's stay one click), a personal access token created or
regenerated, client credentials created. After the password each completes with the fields
first sent, and within the window nothing is asked again."""

import re

import pytest
from django.utils.html import escape

from accounts.models import Event
from tests.factories import DEFAULT_PASSWORD, development, production
from tests.pages import text
from tests.tokens.token_page_helpers import nonce_of, regenerate_nonce_of
from tokens import services
from tokens.models import ApiKey, ClientCredential, PersonalAccessToken
from tokens.verification import verify


def secret_key(environment) -> ApiKey:
    return ApiKey.objects.get(environment=environment, type="SECRET", expires_at=None)


def reveal_url(environment) -> str:
    return f"/environments/{environment.id}/api-keys/{secret_key(environment).id}/reveal/"


def confirmed(client, url, asked, password=DEFAULT_PASSWORD):
    """The page's password form sent back, as a browser does: its hidden fields and the
    password typed."""
    fields = dict(asked.context["carried"])
    return client.post(url, {"reauthenticate_with": "password", "password": password, **fields})


def test_revealing_a_production_secret_key_asks_and_then_reveals(admin_client, account):
    environment = production(account)
    asked = admin_client.post(reveal_url(environment))
    assert asked.status_code == 403
    assert asked["Content-Type"].startswith("text/html")
    assert escape(f"the secret key of “{environment.name}”, a production environment") in text(
        asked
    )
    assert secret_key(environment).raw_key not in text(asked)
    assert not Event.objects.filter(topic="api-key:revealed").exists()

    revealed = confirmed(admin_client, reveal_url(environment), asked)
    assert revealed.status_code == 200
    assert revealed.json() == {"value": secret_key(environment).raw_key}
    assert Event.objects.filter(topic="api-key:revealed").count() == 1
    # Within the window: at once.
    assert admin_client.post(reveal_url(environment)).json() == {
        "value": secret_key(environment).raw_key
    }


def test_a_wrong_password_reveals_nothing(admin_client, account):
    environment = production(account)
    asked = admin_client.post(reveal_url(environment))
    refused = confirmed(admin_client, reveal_url(environment), asked, password="not it")
    assert refused.status_code == 403
    assert "That password is not right." in text(refused)
    assert secret_key(environment).raw_key not in text(refused)
    assert not Event.objects.filter(topic="api-key:revealed").exists()


def test_a_development_secret_key_is_revealed_without_asking(admin_client, account):
    environment = development(account)
    response = admin_client.post(reveal_url(environment))
    assert response.json() == {"value": secret_key(environment).raw_key}


def test_an_unknown_key_is_404_before_anything_is_asked(admin_client, account):
    environment = production(account)
    response = admin_client.post(f"/environments/{environment.id}/api-keys/us_key_nope/reveal/")
    assert response.status_code == 404


@pytest.mark.parametrize("key_type", ["SECRET", "PUBLISHABLE"])
def test_rolling_a_production_key_asks_then_rolls_as_chosen(admin_client, account, key_type):
    environment = production(account)
    old = ApiKey.objects.get(environment=environment, type=key_type, expires_at=None)
    url = f"/environments/{environment.id}/api-keys/roll/"
    asked = admin_client.post(url, {"type": key_type, "keep_old_for": "now"})
    assert asked.status_code == 403
    assert escape(f"roll a key of “{environment.name}”") in text(asked)
    old.refresh_from_db()
    assert old.expires_at is None

    rolled = confirmed(admin_client, url, asked)
    assert rolled.status_code == 302
    # "now", as first chosen: the old key stopped working at once.
    assert not ApiKey.objects.filter(pk=old.pk, expires_at=None).exists()
    current = ApiKey.objects.get(environment=environment, type=key_type, expires_at=None)
    assert current.pk != old.pk


def test_rolling_a_development_key_asks_nothing(admin_client, account):
    environment = development(account)
    old = secret_key(environment)
    response = admin_client.post(
        f"/environments/{environment.id}/api-keys/roll/", {"type": "SECRET", "keep_old_for": "now"}
    )
    assert response.status_code == 302
    assert secret_key(environment).pk != old.pk


def test_the_tokens_page_shows_without_asking(admin_client):
    response = admin_client.get("/personal-access-tokens/")
    assert response.status_code == 200
    assert "Confirm it’s you" not in text(response)


def test_creating_a_personal_access_token_asks_then_creates_it_as_filled_in(admin_client):
    nonce = nonce_of(admin_client.get("/personal-access-tokens/"))
    form = {"name": "deploy", "expires_in_days": "7", "nonce": nonce}
    asked = admin_client.post("/personal-access-tokens/", form)
    assert asked.status_code == 403
    assert "A personal access token acts as you in the API" in text(asked)
    assert not PersonalAccessToken.objects.exists()

    created = confirmed(admin_client, "/personal-access-tokens/", asked)
    assert created.status_code == 200
    token = PersonalAccessToken.objects.get()
    assert token.name == "deploy"
    assert token.expires_at is not None
    raw = re.search(r'value="(pat_[^"]+)"', text(created)).group(1)
    assert verify(raw).user == token.user
    # The nonce went through with the rest, and was spent: sending it again makes nothing.
    again = admin_client.post("/personal-access-tokens/", form)
    assert again.status_code == 302
    assert PersonalAccessToken.objects.count() == 1


def test_regenerating_a_personal_access_token_asks(admin_client, admin_user):
    token, raw = services.personal_access_token_create(user=admin_user, name="ci")
    nonce = regenerate_nonce_of(admin_client.get("/personal-access-tokens/"), token)
    url = f"/personal-access-tokens/{token.id}/regenerate/"
    asked = admin_client.post(url, {"nonce": nonce})
    assert asked.status_code == 403
    assert verify(raw).user == admin_user  # still the old value

    regenerated = confirmed(admin_client, url, asked)
    assert regenerated.status_code == 200
    assert verify(raw) is None


def test_creating_client_credentials_asks_then_creates_them(admin_client):
    nonce = nonce_of(admin_client.get("/settings/personal-tokens/"))
    asked = admin_client.post("/settings/personal-tokens/", {"nonce": nonce})
    assert asked.status_code == 403
    assert "Client credentials act as you in the API" in text(asked)
    assert not ClientCredential.objects.exists()

    created = confirmed(admin_client, "/settings/personal-tokens/", asked)
    assert created.status_code == 200
    assert ClientCredential.objects.count() == 1
    assert re.search(r'value="(cs_[^"]+)"', text(created))


def test_deleting_a_token_asks_nothing(admin_client, admin_user):
    # Taking a credential away is no danger to the account: one click, as before.
    token, _ = services.personal_access_token_create(user=admin_user, name="old")
    response = admin_client.post(f"/personal-access-tokens/{token.id}/delete/")
    assert response.status_code == 302
    assert not PersonalAccessToken.objects.exists()
