"""What the credential pages share (no inline styles, every table scrolls, a redirect after
every POST that shows no value) and the legacy client credentials page."""

import re
from datetime import timedelta

import pytest

from tests.factories import development
from tests.pages import text
from tests.reauthentication_helpers import recently_authenticated
from tokens import services
from tokens.models import ClientCredential


@pytest.fixture
def admin_client(admin_client):
    """Signed in just now: the dangerous POSTs here ask to re-authenticate otherwise."""
    return recently_authenticated(admin_client)


@pytest.mark.parametrize(
    "url",
    ["/personal-access-tokens/", "/settings/personal-tokens/", "/environments/{env}/api-keys/"],
)
def test_credential_pages_have_no_inline_styles_and_every_table_scrolls(
    admin_client, admin_user, account, url
):
    environment = development(account)
    services.personal_access_token_create(user=admin_user, name="listed")
    services.client_credential_create(user=admin_user)
    services.secret_upsert(environment=environment, actor=admin_user, name="S", value="v")
    services.api_key_roll(
        environment=environment,
        actor=admin_user,
        key_type="SECRET",
        keep_old_for=timedelta(hours=1),
    )
    page = text(admin_client.get(url.format(env=environment.id)))
    assert " style=" not in page
    tables = page.count("<table")
    assert tables >= 1
    assert len(re.findall(r'<div class="table-scroll">\s*<table', page)) == tables


def test_every_other_post_on_the_credential_pages_redirects_after_success(
    admin_client, admin_user, account
):
    # Only the responses that show a value once render a page (and carry a nonce); every
    # other POST answers with a redirect, so a reload is a harmless GET.
    environment = development(account)
    secret, _ = services.secret_upsert(
        environment=environment, actor=admin_user, name="S", value="v"
    )
    token, _ = services.personal_access_token_create(user=admin_user, name="bye")
    credential, _ = services.client_credential_create(user=admin_user)
    posts = [
        (
            f"/environments/{environment.id}/api-keys/roll/",
            {"type": "SECRET", "keep_old_for": "1h"},
        ),
        (f"/environments/{environment.id}/secrets/", {"name": "N", "value": "v", "scope": ""}),
        (f"/secrets/{secret.id}/value/", {"value": "new"}),
        (f"/secrets/{secret.id}/delete/", {}),
        (f"/personal-access-tokens/{token.id}/delete/", {}),
        (f"/settings/personal-tokens/{credential.id}/delete/", {}),
    ]
    for url, data in posts:
        response = admin_client.post(url, data)
        assert response.status_code == 302, url


# Legacy client credentials ----------------------------------------------------------------------


def test_client_credentials_are_shown_once_and_deletable(admin_client, admin_user):
    nonce = re.search(
        r'name="nonce" value="([^"]+)"', text(admin_client.get("/settings/personal-tokens/"))
    ).group(1)
    response = admin_client.post("/settings/personal-tokens/", {"nonce": nonce})
    secret = re.search(r'value="(cs_[^"]+)"', text(response)).group(1)
    credential = ClientCredential.objects.get()
    assert credential.id in text(response)
    assert secret not in text(admin_client.get("/settings/personal-tokens/"))
    assert credential.secret_digest != secret

    admin_client.post(f"/settings/personal-tokens/{credential.id}/delete/")
    assert not ClientCredential.objects.exists()
