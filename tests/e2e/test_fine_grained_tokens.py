"""A fine-grained personal access token, in Chromium: an administrator makes a read-only
token narrowed to development on the page (at 1280 and 390 px), sees it once and its scope
in the list, and a script using it reads development, may change nothing, and sees nothing
of production."""

import json
import urllib.error
import urllib.request
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.e2e.conftest import assert_fits_the_screen, sign_in, snap
from tests.factories import (
    DEFAULT_PASSWORD,
    AdministratorFactory,
    SpaceFactory,
    administrator_of,
    development,
    make_account,
    production,
)
from tokens import services
from tokens.models import PersonalAccessToken

pytestmark = pytest.mark.django_db(transaction=True)


def call_api(base_url: str, token: str, method: str, path: str, body=None) -> tuple[int, dict]:
    request = urllib.request.Request(
        f"{base_url}{path}",
        method=method,
        data=None if body is None else json.dumps(body).encode(),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - our live server
            return response.status, json.load(response)
    except urllib.error.HTTPError as error:
        return error.code, json.load(error)


@pytest.mark.parametrize("width", ["desktop", "phone"])
def test_a_read_only_development_token_made_on_the_page(request, base_url, width):
    tab = request.getfixturevalue("page" if width == "desktop" else "phone")
    account = make_account(email=f"fine-{width}@example.com")
    dev, prod = development(account), production(account)
    dev_space = SpaceFactory(environment=dev, name="Imports")
    prod_space = SpaceFactory(environment=prod, name="Live")
    sign_in(tab, administrator_of(account).email, DEFAULT_PASSWORD)

    tab.goto("/personal-access-tokens/")
    tab.get_by_role("button", name="Create Token").click()
    dialog = tab.locator("dialog#create-token")
    # The least access is what the dialog starts with.
    expect(dialog.get_by_label("Read-only")).to_be_checked()
    expect(dialog.get_by_label("Only selected environments")).to_be_checked()
    expect(dialog.get_by_label("development")).to_be_checked()
    expect(dialog.get_by_label("production")).not_to_be_checked()
    snap(tab, f"fine-grained-create-{width}")
    assert_fits_the_screen(tab)
    # "All environments" hides the environments to tick; back to "Only selected" shows them.
    dialog.get_by_label("All environments").check()
    expect(dialog.get_by_test_id("environment-choices")).to_be_hidden()
    dialog.get_by_label("Only selected environments").check()
    expect(dialog.get_by_test_id("environment-choices")).to_be_visible()

    dialog.get_by_label("Name").fill("dev reader")
    dialog.get_by_role("button", name="Create", exact=True).click()
    shown = tab.get_by_test_id("show-once")
    expect(shown).to_be_visible()
    token = tab.get_by_test_id("new-token").input_value()
    assert token.startswith("pat_")
    snap(tab, f"fine-grained-show-once-{width}")
    assert_fits_the_screen(tab)
    shown.get_by_role("button", name="Done").click()

    row = tab.locator("tr", has_text="dev reader")
    expect(row.get_by_test_id("scope")).to_have_text("Read-only · development")
    tab.reload()
    assert token not in tab.content()
    snap(tab, f"fine-grained-list-{width}")
    assert_fits_the_screen(tab)
    made = PersonalAccessToken.objects.get(name="dev reader")
    assert made.read_only and list(made.environments.all()) == [dev]

    # A script with it: reads development, changes nothing, sees nothing of production.
    status, body = call_api(base_url, token, "GET", f"/v1/spaces/{dev_space.id}")
    assert (status, body["data"]["name"]) == (200, "Imports")
    status, body = call_api(
        base_url, token, "POST", "/v1/spaces", {"environmentId": dev.id, "name": "New"}
    )
    assert status == 403
    assert "read-only (Read-only · development)" in body["errors"][0]["message"]
    status, body = call_api(base_url, token, "GET", f"/v1/spaces/{prod_space.id}")
    assert (status, body) == (404, {"errors": [{"message": "Not found."}]})
    status, body = call_api(base_url, token, "GET", "/v1/spaces")
    assert [space["name"] for space in body["data"]] == ["Imports"]


@pytest.mark.parametrize("width", ["desktop", "phone"])
def test_the_list_marks_revoked_and_policy_tokens(request, width):
    tab = request.getfixturevalue("page" if width == "desktop" else "phone")
    account = make_account(email=f"statuses-{width}@example.com")
    user = administrator_of(account)
    boss = AdministratorFactory(account=account, email=f"boss-{width}@example.com")
    now = timezone.now()
    made = {
        name: services.personal_access_token_create(user=user, name=name, **narrowing)[0]
        for name, narrowing in [
            ("narrow", {"read_only": True, "environments": [development(account)]}),
            ("revoked by boss", {}),
            ("leaked", {}),
            ("too long", {}),
            ("too old", {}),
        ]
    }
    tokens = PersonalAccessToken.objects
    tokens.filter(pk=made["revoked by boss"].pk).update(revoked_at=now, revoked_by=boss)
    tokens.filter(pk=made["leaked"].pk).update(revoked_at=now)
    tokens.filter(pk=made["too long"].pk).update(policy_expires_at=now + timedelta(days=3))
    tokens.filter(pk=made["too old"].pk).update(policy_expires_at=now - timedelta(days=3))
    sign_in(tab, user.email, DEFAULT_PASSWORD)

    tab.goto("/personal-access-tokens/")
    expect(tab.locator("tr", has_text="revoked by boss")).to_contain_text(f"by boss-{width}")
    expect(tab.locator("tr", has_text="leaked")).to_contain_text("reported as leaked")
    expect(tab.locator("tr", has_text="too long")).to_contain_text("Exceeds policy")
    expect(tab.locator("tr", has_text="too old")).to_contain_text("Refused by policy")
    snap(tab, f"fine-grained-statuses-{width}")
    assert_fits_the_screen(tab)
    # A revoked token's menu offers Delete and no Regenerate.
    row = tab.locator("tr", has_text="leaked")
    row.get_by_label("Actions for leaked").click()
    expect(row.get_by_role("button", name="Delete")).to_be_visible()
    expect(row.get_by_role("button", name="Regenerate")).to_have_count(0)
