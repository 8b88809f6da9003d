"""The personal access tokens page: a token created or regenerated is shown once and kept
nowhere, the one-time nonce that makes a reloaded form harmless, and deleting."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import Event
from tests.factories import AdministratorFactory
from tests.pages import text
from tests.reauthentication_helpers import recently_authenticated
from tests.tokens.token_page_helpers import create_token, nonce_of, regenerate_nonce_of
from tokens import services
from tokens.models import PersonalAccessToken
from tokens.verification import verify


@pytest.fixture
def admin_client(admin_client):
    """Signed in just now: the dangerous POSTs here ask to re-authenticate otherwise."""
    return recently_authenticated(admin_client)


def regenerate(client, token, **extra):
    nonce = regenerate_nonce_of(client.get("/personal-access-tokens/"), token)
    return client.post(f"/personal-access-tokens/{token.id}/regenerate/", {"nonce": nonce, **extra})


def shown_token(response) -> str:
    return re.search(
        r'id="new-token" class="secret-value" value="(pat_[^"]+)"', text(response)
    ).group(1)


def test_created_token_is_shown_exactly_once_and_kept_nowhere(admin_client, admin_user):
    response = create_token(admin_client)
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    raw = shown_token(response)
    assert "will not be shown again" in text(response)
    assert verify(raw).user == admin_user

    session_data = admin_client.session.load()
    assert raw not in str(session_data)
    assert raw not in str(list(PersonalAccessToken.objects.values()))
    later = admin_client.get("/personal-access-tokens/")
    assert raw not in text(later)
    assert "deploy" in text(later)
    assert "Never" in text(later)


def test_a_reload_of_the_create_post_creates_nothing_and_shows_nothing(admin_client):
    nonce = nonce_of(admin_client.get("/personal-access-tokens/"))
    first = admin_client.post("/personal-access-tokens/", {"name": "once", "nonce": nonce})
    raw = shown_token(first)
    again = admin_client.post(
        "/personal-access-tokens/", {"name": "once", "nonce": nonce}, follow=True
    )
    assert raw not in text(again)
    assert "No new token was created" in text(again)
    assert PersonalAccessToken.objects.filter(name="once").count() == 1


@pytest.mark.parametrize(
    ("name", "extra", "message"),
    [
        ("", {}, "Token name cannot be empty."),
        ("x" * 300, {}, "Token name must be at most 255 characters."),
        # 7 days is offered now; a lifetime the dialog does not offer is still refused.
        ("ok", {"expires_in_days": "8"}, "Select a valid choice."),
    ],
)
def test_bad_token_input_keeps_the_dialog_open(admin_client, name, extra, message):
    response = create_token(admin_client, name=name, **extra)
    assert response.status_code == 400
    assert message in text(response)
    assert 'id="create-token" data-open-on-load' in text(response)
    assert f'value="{name}"' in text(response)
    assert not PersonalAccessToken.objects.exists()


def test_regenerate_keeps_name_and_revokes_the_old_value(admin_client, admin_user):
    token, old = services.personal_access_token_create(
        user=admin_user, name="rotate me", expires_in_days=30
    )
    response = regenerate(admin_client, token)
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    new = shown_token(response)
    assert new != old
    assert verify(old) is None
    assert verify(new).user == admin_user
    token.refresh_from_db()
    assert token.name == "rotate me"
    assert token.expires_at is not None


def test_a_reload_of_the_regenerate_post_regenerates_nothing(admin_client, admin_user):
    token, _ = services.personal_access_token_create(user=admin_user, name="rotate me")
    nonce = regenerate_nonce_of(admin_client.get("/personal-access-tokens/"), token)
    url = f"/personal-access-tokens/{token.id}/regenerate/"
    new = shown_token(admin_client.post(url, {"nonce": nonce}))
    digest = PersonalAccessToken.objects.get(pk=token.pk).digest

    # The browser's reload re-sends the very same POST.
    again = admin_client.post(url, {"nonce": nonce})
    assert again.status_code == 302
    assert again["Location"] == "/personal-access-tokens/"
    listed = text(admin_client.get(again["Location"]))
    assert "That form was already sent. The token was not regenerated again." in listed
    assert new not in listed
    assert PersonalAccessToken.objects.get(pk=token.pk).digest == digest
    assert verify(new).user == admin_user  # the value just copied still works
    assert Event.objects.filter(topic="personal-access-token:regenerated").count() == 1


@pytest.mark.parametrize("nonce", [None, "", "made-up"])
def test_regenerate_without_a_live_nonce_regenerates_nothing(admin_client, admin_user, nonce):
    token, raw = services.personal_access_token_create(user=admin_user, name="keep")
    data = {} if nonce is None else {"nonce": nonce}
    response = admin_client.post(f"/personal-access-tokens/{token.id}/regenerate/", data)
    assert response.status_code == 302
    assert verify(raw).user == admin_user


@pytest.mark.parametrize("nonce", ["a" * 21, "a" * 23, "a b" + "c" * 19, "é" * 22, "x" * 300])
def test_a_nonce_of_another_shape_is_refused(admin_client, nonce):
    response = admin_client.post("/personal-access-tokens/", {"name": "odd", "nonce": nonce})
    assert response.status_code == 302
    assert not PersonalAccessToken.objects.exists()


def test_a_nonce_is_good_only_for_the_user_it_was_made_for(client, admin_client, account):
    nonce = nonce_of(admin_client.get("/personal-access-tokens/"))
    colleague = AdministratorFactory(account=account, email="colleague@example.com")
    other_browser = client.__class__()
    other_browser.force_login(colleague)
    recently_authenticated(other_browser)
    theirs = other_browser.post("/personal-access-tokens/", {"name": "theirs", "nonce": nonce})
    assert theirs.status_code == 302
    assert not PersonalAccessToken.objects.exists()
    # Still unspent for its own user.
    mine = admin_client.post("/personal-access-tokens/", {"name": "mine", "nonce": nonce})
    assert mine.status_code == 200
    assert PersonalAccessToken.objects.filter(name="mine").count() == 1


def test_the_regenerate_address_opened_as_a_page_goes_to_the_list(admin_client, admin_user):
    # What Back or a reload lands on once the browser forgets the POST (history.replaceState).
    token, raw = services.personal_access_token_create(user=admin_user, name="keep")
    response = admin_client.get(f"/personal-access-tokens/{token.id}/regenerate/")
    assert response.status_code == 302
    assert response["Location"] == "/personal-access-tokens/"
    assert verify(raw).user == admin_user


def test_every_form_on_the_tokens_page_that_shows_a_value_carries_a_live_nonce(
    admin_client, admin_user
):
    token, _ = services.personal_access_token_create(user=admin_user, name="one")
    page = admin_client.get("/personal-access-tokens/")
    # One nonce per rendering serves the create form and every regenerate form: whichever is
    # sent first spends it, and its response renders the page again with a fresh one.
    assert regenerate_nonce_of(page, token) == nonce_of(page)
    delete_form = re.search(
        rf'action="/personal-access-tokens/{token.id}/delete/">(.*?)</form>', text(page), re.S
    ).group(1)
    assert 'name="nonce"' not in delete_form


def test_an_expired_token_stays_listed_and_can_be_regenerated(admin_client, admin_user):
    token, old = services.personal_access_token_create(
        user=admin_user, name="lapsed", expires_in_days=30
    )
    PersonalAccessToken.objects.filter(pk=token.pk).update(
        created_at=timezone.now() - timedelta(days=31),
        expires_at=timezone.now() - timedelta(days=1),
    )
    page = admin_client.get("/personal-access-tokens/")
    row = re.search(rf'<tr data-token-id="{token.id}">(.*?)</tr>', text(page), re.S).group(1)
    assert "Expired" in row
    assert f'data-open-dialog="regenerate-{token.id}"' in row
    assert f'data-open-dialog="delete-{token.id}"' in row

    new = shown_token(regenerate(admin_client, token))
    assert verify(old) is None
    assert verify(new).user == admin_user
    token.refresh_from_db()
    # A fresh lifetime of the same length, from now.
    assert abs(token.expires_at - (timezone.now() + timedelta(days=30))) < timedelta(minutes=1)


def test_delete_revokes_at_once(admin_client, admin_user):
    token, raw = services.personal_access_token_create(user=admin_user, name="bye")
    response = admin_client.post(f"/personal-access-tokens/{token.id}/delete/")
    assert response.status_code == 302
    assert verify(raw) is None
    assert "Token “bye” deleted." in text(admin_client.get("/personal-access-tokens/"))
    assert Event.objects.filter(topic="personal-access-token:deleted").exists()
