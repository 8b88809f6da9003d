"""An environment's API keys and secrets page: the keys and the .env snippet, rolling a key
and its dialog, secrets saved and never shown back, another account's keys and secrets, and
the page's queries."""

import re
from datetime import UTC

import pytest
from django.conf import settings

from tests.factories import SpaceFactory, administrator_of, development, production
from tests.pages import text
from tokens import services
from tokens.models import ApiKey, Secret


def utc_minute(moment) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


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
