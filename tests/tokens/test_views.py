"""The credential pages through Django's test client."""

import re
import threading
from datetime import UTC, timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from accounts.models import Event
from tests.factories import (
    AdministratorFactory,
    SpaceFactory,
    administrator_of,
    development,
    production,
)
from tokens import services
from tokens.forms import LIFETIME_CHOICES
from tokens.models import ApiKey, ClientCredential, PersonalAccessToken, Secret
from tokens.verification import verify


def text(response) -> str:
    return response.content.decode()


def nonce_of(response) -> str:
    return re.search(r'name="nonce" value="([^"]+)"', text(response)).group(1)


def create_token(client, name="deploy", **extra):
    nonce = nonce_of(client.get("/personal-access-tokens/"))
    return client.post("/personal-access-tokens/", {"name": name, "nonce": nonce, **extra})


def regenerate_nonce_of(response, token) -> str:
    """The nonce inside the regenerate form of `token` (not the create form's)."""
    form = re.search(
        rf'action="/personal-access-tokens/{token.id}/regenerate/">(.*?)</form>',
        text(response),
        re.S,
    ).group(1)
    return re.search(r'name="nonce" value="([^"]+)"', form).group(1)


def regenerate(client, token, **extra):
    nonce = regenerate_nonce_of(client.get("/personal-access-tokens/"), token)
    return client.post(f"/personal-access-tokens/{token.id}/regenerate/", {"nonce": nonce, **extra})


def utc_minute(moment) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


@pytest.fixture
def frozen_now(monkeypatch):
    """The clock stopped at a whole minute close to the real one (sessions stay valid)."""
    moment = timezone.now().replace(second=0, microsecond=0)
    monkeypatch.setattr(timezone, "now", lambda: moment)
    return moment


def shown_token(response) -> str:
    return re.search(
        r'id="new-token" class="secret-value" value="(pat_[^"]+)"', text(response)
    ).group(1)


# Personal access tokens ----------------------------------------------------------------------


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


def test_expiry_choice_is_kept_and_listed(admin_client):
    create_token(admin_client, name="quarterly", expires_in_days="90")
    token = PersonalAccessToken.objects.get(name="quarterly")
    assert token.expires_at is not None
    assert token.expires_at.strftime("%Y-%m-%d") in text(
        admin_client.get("/personal-access-tokens/")
    )


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


def test_the_create_dialog_offers_github_lifetimes_and_defaults_to_30_days(admin_client):
    page = text(admin_client.get("/personal-access-tokens/"))
    select = re.search(r'<select name="expires_in_days".*?</select>', page, re.S).group(0)
    options = re.findall(r'<option value="([^"]*)"( selected)?>([^<]+)</option>', select)
    assert [(value, label) for value, _, label in options] == [
        ("7", "7 days"),
        ("30", "30 days"),
        ("60", "60 days"),
        ("90", "90 days"),
        ("365", "1 year"),
        ("", "Never"),
    ]
    assert [value for value, selected, _ in options if selected] == ["30"]
    assert (
        "A token that never expires works until someone deletes it. "
        "Choose an expiry unless a script truly needs it forever." in page
    )
    assert 'class="warning never-warning"' in page


def test_the_page_the_service_and_the_api_accept_the_same_lifetimes():
    offered = {services.clean_token_lifetime(value) for value, _ in LIFETIME_CHOICES}
    assert offered == set(services.TOKEN_LIFETIME_CHOICES) == {None, 7, 30, 60, 90, 365}


@pytest.mark.parametrize("days", ["7", "30", "60", "90", "365", ""])
def test_each_offered_lifetime_is_kept(admin_client, admin_user, days):
    create_token(admin_client, name="timed", expires_in_days=days)
    token = PersonalAccessToken.objects.get(name="timed")
    if days:
        expected = timezone.now() + timedelta(days=int(days))
        assert abs(token.expires_at - expected) < timedelta(minutes=1)
    else:
        assert token.expires_at is None


def test_tokens_expiring_within_a_week_are_marked(admin_client, admin_user, frozen_now):
    soon, _ = services.personal_access_token_create(user=admin_user, name="soon")
    week, _ = services.personal_access_token_create(user=admin_user, name="week", expires_in_days=7)
    later, _ = services.personal_access_token_create(
        user=admin_user, name="later", expires_in_days=30
    )
    today, _ = services.personal_access_token_create(user=admin_user, name="today")
    PersonalAccessToken.objects.filter(pk=soon.pk).update(
        expires_at=frozen_now + timedelta(days=2, hours=5)
    )
    PersonalAccessToken.objects.filter(pk=today.pk).update(
        expires_at=frozen_now + timedelta(hours=3)
    )
    page = text(admin_client.get("/personal-access-tokens/"))

    def row(token):
        return re.search(rf'<tr data-token-id="{token.id}">(.*?)</tr>', page, re.S).group(1)

    assert "Expires in 3 days" in row(soon)
    assert "Expires in 7 days" in row(week)
    assert "Expires in 1 day<" in row(today)
    assert "Expires in" not in row(later)
    assert (frozen_now + timedelta(days=30)).strftime("%Y-%m-%d") in row(later)


def test_the_page_says_tokens_outlive_a_password_change(admin_client):
    assert (
        "Personal access tokens keep working when you change your password; "
        "delete them to revoke them."
    ) in text(admin_client.get("/personal-access-tokens/"))


def test_another_users_token_is_404(admin_client, other_account):
    theirs, raw = services.personal_access_token_create(
        user=administrator_of(other_account), name="theirs"
    )
    assert admin_client.post(f"/personal-access-tokens/{theirs.id}/delete/").status_code == 404
    assert admin_client.post(f"/personal-access-tokens/{theirs.id}/regenerate/").status_code == 404
    assert verify(raw) is not None
    assert "theirs" not in text(admin_client.get("/personal-access-tokens/"))


def test_token_list_queries_do_not_grow(admin_client, admin_user, django_assert_num_queries):
    services.personal_access_token_create(user=admin_user, name="first")
    admin_client.get("/personal-access-tokens/")
    # session, user, membership with account, the switcher's environments, the tokens'
    # count, a page of them. (The create form's one-time nonce lives in the cache now: no
    # session write, which was a savepoint, an UPDATE and its release.)
    with django_assert_num_queries(6):
        admin_client.get("/personal-access-tokens/")
    for number in range(9):
        services.personal_access_token_create(user=admin_user, name=f"t{number}")
    with django_assert_num_queries(6):
        response = admin_client.get("/personal-access-tokens/")
    assert text(response).count("data-token-id=") == 10


def test_token_list_page_is_paged_newest_first(admin_client, admin_user, django_assert_num_queries):
    for number in range(52):
        services.personal_access_token_create(user=admin_user, name=f"t{number}")
    first = text(admin_client.get("/personal-access-tokens/"))
    assert first.count("data-token-id=") == 50
    assert "t51 " in first and "t2 " in first and "t1 " not in first  # newest first
    assert "Page 1 of 2" in first
    assert 'href="?page=2"' in first and "?page=1" not in first
    with django_assert_num_queries(6):  # the same on any page
        second = text(admin_client.get("/personal-access-tokens/?page=2"))
    assert second.count("data-token-id=") == 2
    assert "t1 " in second and "t0 " in second
    assert "Page 2 of 2" in second and 'href="?page=1"' in second
    # Past the end, or not a number: the nearest page, as the other paged pages answer.
    assert "Page 2 of 2" in text(admin_client.get("/personal-access-tokens/?page=9"))
    assert "Page 1 of 2" in text(admin_client.get("/personal-access-tokens/?page=x"))


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


# API keys and secrets ------------------------------------------------------------------------


def test_api_keys_page_shows_keys_and_the_env_snippet(admin_client, account):
    environment = development(account)
    page = text(admin_client.get(f"/environments/{environment.id}/api-keys/"))
    publishable = ApiKey.objects.get(environment=environment, type="PUBLISHABLE")
    secret_key = ApiKey.objects.get(environment=environment, type="SECRET")
    assert publishable.raw_key in page
    assert f"FLATFILE_ENVIRONMENT_ID={environment.id}" in page
    assert f"sk_••••••••{secret_key.last_four}" in page
    # The raw secret key is nowhere in the page: Reveal and Copy fetch it (api_key_reveal).
    assert secret_key.raw_key not in page
    assert "<template" not in page
    reveal_url = f"/environments/{environment.id}/api-keys/{secret_key.id}/reveal/"
    assert page.count(f'data-reveal-url="{reveal_url}"') == 3  # Copy, Reveal, Copy .env


def test_roll_with_grace_lists_the_old_key_until_it_expires(admin_client, account):
    environment = development(account)
    old = ApiKey.objects.get(environment=environment, type="PUBLISHABLE")
    admin_client.post(
        f"/environments/{environment.id}/api-keys/roll/",
        {"type": "PUBLISHABLE", "keep_old_for": "24h"},
    )
    page = text(admin_client.get(f"/environments/{environment.id}/api-keys/"))
    assert "New publishable key created." in page
    assert f"…{old.last_four}" in page and "expires at" in page
    assert ApiKey.objects.filter(environment=environment, type="PUBLISHABLE").count() == 2


def test_roll_with_a_bad_choice_changes_nothing(admin_client, account):
    environment = development(account)
    response = admin_client.post(
        f"/environments/{environment.id}/api-keys/roll/",
        {"type": "SECRET", "keep_old_for": "forever"},
        follow=True,
    )
    assert "Choose a key type" in text(response)
    assert ApiKey.objects.filter(environment=environment).count() == 2


def test_secrets_are_saved_never_shown_and_can_be_replaced_or_deleted(admin_client, account):
    environment = development(account)
    space = SpaceFactory(environment=environment, name="Intake")
    url = f"/environments/{environment.id}/secrets/"
    admin_client.post(url, {"name": "API_TOKEN", "value": "env-value-123", "scope": ""})
    admin_client.post(url, {"name": "API_TOKEN", "value": "space-value-456", "scope": space.id})
    page = text(admin_client.get(f"/environments/{environment.id}/api-keys/"))
    assert "API_TOKEN" in page and "Space: Intake" in page
    assert "env-value-123" not in page and "space-value-456" not in page

    secret = Secret.objects.get(space__isnull=True)
    admin_client.post(f"/secrets/{secret.id}/value/", {"value": "rotated-789"})
    secret.refresh_from_db()
    assert secret.value == "rotated-789"
    admin_client.post(f"/secrets/{secret.id}/delete/")
    assert Secret.objects.count() == 1


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"name": "", "value": "v"}, "Name must be 1 to 1024 characters."),
        ({"name": "n" * 1025, "value": "v"}, "Name must be 1 to 1024 characters."),
        ({"name": "N", "value": ""}, "Value must be 1 to 1024 characters."),
        (
            {"name": "N", "value": "v", "scope": "us_sp_notmine"},
            "Choose the environment or one of its spaces.",
        ),
    ],
)
def test_bad_secrets_are_refused_with_the_name_kept_and_the_value_not(
    admin_client, account, data, message
):
    environment = development(account)
    response = admin_client.post(f"/environments/{environment.id}/secrets/", data)
    assert response.status_code == 400
    assert message in text(response)
    if data["name"]:
        assert f'value="{data["name"]}"' in text(response)
    # A typed secret is never sent back: the field comes back empty, asking for it again.
    value_input = re.search(
        r'<input type="password" name="value" id="id_secret_value"[^>]*>', text(response)
    )
    assert "value=" not in value_input.group(0).removeprefix('<input type="password" name="value"')
    if data["value"]:
        assert f'value="{data["value"]}"' not in text(response)
        assert "Type the value again: it is not shown back on the page." in text(response)
    assert not Secret.objects.exists()


def test_a_too_long_secret_value_is_not_shown_back_either(admin_client, account):
    environment = development(account)
    typed = "private-" + "v" * 1030
    response = admin_client.post(
        f"/environments/{environment.id}/secrets/", {"name": "N", "value": typed}
    )
    assert response.status_code == 400
    assert "Value must be 1 to 1024 characters." in text(response)
    assert "private-" not in text(response)


def roll_dialog(page: str, key_type: str) -> str:
    return re.search(rf'<dialog id="roll-{key_type}">(.*?)</dialog>', page, re.S).group(1)


def selected_grace(dialog: str) -> list[str]:
    return re.findall(r'<option value="([^"]+)" selected>', dialog)


@pytest.mark.parametrize("key_type", ["SECRET", "PUBLISHABLE"])
def test_the_roll_dialog_names_the_key_and_when_the_old_one_stops(
    admin_client, account, key_type, frozen_now
):
    environment = development(account)
    key = ApiKey.objects.get(environment=environment, type=key_type)
    page = text(admin_client.get(f"/environments/{environment.id}/api-keys/"))
    dialog = roll_dialog(page, key_type)
    label = "secret key" if key_type == "SECRET" else "publishable key"
    assert f"Roll the {label} …{key.last_four}" in dialog
    # Development: the old key stops at once unless someone asks for longer.
    assert selected_grace(dialog) == ["now"]
    assert "production environment" not in dialog
    stops = dict(re.findall(r'<p class="stops-at" data-grace="([^"]+)">(.*?)</p>', dialog, re.S))
    assert set(stops) == set(services.ROLL_GRACE_CHOICES)
    assert "the moment you roll" in stops["now"]
    for grace in ("1h", "24h", "7d"):
        moment = utc_minute(frozen_now + services.ROLL_GRACE_CHOICES[grace])
        assert f"…{key.last_four} stops working at {moment}." in stops[grace]


def test_the_stylesheet_shows_the_stop_time_of_every_grace_choice():
    # The chosen option's stop time is shown by CSS alone, one rule per choice.
    css = (settings.BASE_DIR / "static" / "portal.css").read_text()
    for grace in services.ROLL_GRACE_CHOICES:
        assert f'option[value="{grace}"]:checked) .stops-at[data-grace="{grace}"]' in css


def test_the_roll_dialog_on_production_warns_and_keeps_the_old_key_a_day(admin_client, account):
    environment = production(account)
    page = text(admin_client.get(f"/environments/{environment.id}/api-keys/"))
    for key_type in ("SECRET", "PUBLISHABLE"):
        dialog = roll_dialog(page, key_type)
        assert (
            "This is a production environment: systems using this key stop working when it expires"
            in dialog
        )
        assert selected_grace(dialog) == ["24h"]


@pytest.mark.parametrize(
    ("grace", "message"),
    [
        ("24h", "The old key …{last_four} stops working at {moment}."),
        ("now", "The old key …{last_four} stopped working at once."),
    ],
)
def test_the_roll_message_says_when_the_old_key_stops(
    admin_client, account, frozen_now, grace, message
):
    environment = development(account)
    old = ApiKey.objects.get(environment=environment, type="SECRET")
    response = admin_client.post(
        f"/environments/{environment.id}/api-keys/roll/",
        {"type": "SECRET", "keep_old_for": grace},
        follow=True,
    )
    moment = utc_minute(frozen_now + services.ROLL_GRACE_CHOICES[grace])
    expected = "New secret key created. " + message.format(last_four=old.last_four, moment=moment)
    assert expected in text(response)


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


def test_copy_buttons_sit_beside_what_they_copy(admin_client, account):
    environment = development(account)
    page = text(admin_client.get(f"/environments/{environment.id}/api-keys/"))
    # Each in one row with its field, so the pair stays together at any width.
    assert re.search(
        r'<div class="row copy-row">\s*<code id="environment-id">[^<]*</code>\s*'
        r'<button type="button" class="secondary" data-copy-target="environment-id">Copy</button>',
        page,
    )
    assert re.search(
        r'<div class="row copy-row">\s*<pre class="snippet" id="env-snippet" '
        r'data-testid="env-snippet">.*?</pre>\s*(\{#.*?#\}\s*)?'
        r'<button type="button" class="secondary" data-copy-target="env-snippet" ',
        page,
        re.S,
    )


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


def test_another_accounts_keys_and_secrets_are_404(admin_client, other_account):
    environment = development(other_account)
    secret, _ = services.secret_upsert(
        environment=environment, actor=administrator_of(other_account), name="X", value="y"
    )
    assert admin_client.get(f"/environments/{environment.id}/api-keys/").status_code == 404
    assert (
        admin_client.post(
            f"/environments/{environment.id}/api-keys/roll/",
            {"type": "SECRET", "keep_old_for": "now"},
        ).status_code
        == 404
    )
    assert admin_client.post(f"/secrets/{secret.id}/delete/").status_code == 404
    assert admin_client.post(f"/secrets/{secret.id}/value/", {"value": "z"}).status_code == 404
    assert Secret.objects.get(pk=secret.pk).value == "y"


def test_api_keys_page_queries_do_not_grow(
    admin_client, account, admin_user, django_assert_num_queries
):
    environment = development(account)
    url = f"/environments/{environment.id}/api-keys/"
    services.secret_upsert(environment=environment, actor=admin_user, name="S0", value="v")
    admin_client.get(url)
    # session, user, membership with account, environment, keys, switcher, secrets, spaces
    with django_assert_num_queries(8):
        admin_client.get(url)
    for number in range(1, 10):
        space = SpaceFactory(environment=environment)
        services.secret_upsert(
            environment=environment, actor=admin_user, name=f"S{number}", value="v", space=space
        )
    with django_assert_num_queries(8):
        admin_client.get(url)


# The one-time form nonce, raced -------------------------------------------------------------


def _post_together(session_cookie: str, url: str, data: dict, count: int) -> list[int]:
    """`count` browsers' worth of the same POST, sent at the same moment from threads of their
    own (each its own database connection), all holding the one session cookie."""
    from django.db import connection as thread_connection
    from django.test import Client

    start = threading.Barrier(count)
    statuses, failures = [], []

    def post():
        try:
            client = Client()
            client.cookies[settings.SESSION_COOKIE_NAME] = session_cookie
            start.wait(timeout=10)
            statuses.append(client.post(url, data).status_code)
        except Exception as error:  # noqa: BLE001 - reported below, in the test's thread
            failures.append(error)
        finally:
            thread_connection.close()

    threads = [threading.Thread(target=post) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not failures, failures
    return statuses


@pytest.fixture(params=["locmem", "redis"])
def nonce_cache(request, settings):
    """The cache the nonces live in: local memory (one process, as `make serve`), and Redis
    (several processes, as in production), where each thread has a connection of its own."""
    if request.param == "redis":
        import os
        import uuid

        import redis

        try:
            redis.Redis(host="127.0.0.1", port=6379, socket_connect_timeout=1).ping()
        except redis.RedisError as error:
            if os.environ.get("CI") == "true":
                pytest.fail(f"Redis is required in CI: {error}")
            pytest.skip("no Redis server on 127.0.0.1:6379")
        settings.CACHES = {
            "default": {
                "BACKEND": "django.core.cache.backends.redis.RedisCache",
                "LOCATION": "redis://127.0.0.1:6379/13",
                "KEY_PREFIX": f"nonce-race-{uuid.uuid4().hex}",  # keys of this test only
            }
        }
    return request.param


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_four_concurrent_posts_of_one_create_form_make_exactly_one_token(nonce_cache):
    from django.test import Client

    from tests.factories import make_account

    user = administrator_of(make_account(email="race@example.com"))
    browser = Client()
    browser.force_login(user)
    nonce = nonce_of(browser.get("/personal-access-tokens/"))
    statuses = _post_together(
        browser.cookies[settings.SESSION_COOKIE_NAME].value,
        "/personal-access-tokens/",
        {"name": "raced", "nonce": nonce},
        count=4,
    )
    assert PersonalAccessToken.objects.filter(name="raced").count() == 1
    # One shows the new token; the others say the form was already sent.
    assert sorted(statuses) == [200, 302, 302, 302]
    assert Event.objects.filter(topic="personal-access-token:created").count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_four_concurrent_posts_of_one_regenerate_form_regenerate_once(nonce_cache):
    from django.test import Client

    from tests.factories import make_account

    user = administrator_of(make_account(email="race-regenerate@example.com"))
    token, _ = services.personal_access_token_create(user=user, name="rotated")
    browser = Client()
    browser.force_login(user)
    nonce = regenerate_nonce_of(browser.get("/personal-access-tokens/"), token)
    statuses = _post_together(
        browser.cookies[settings.SESSION_COOKIE_NAME].value,
        f"/personal-access-tokens/{token.id}/regenerate/",
        {"nonce": nonce},
        count=4,
    )
    assert sorted(statuses) == [200, 302, 302, 302]
    assert Event.objects.filter(topic="personal-access-token:regenerated").count() == 1


# Revealing the secret key ---------------------------------------------------------------------


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
