"""The Credentials page in Chromium: an administrator filters the account's credentials,
revokes a colleague's token after a confirmation naming them, sees it revoked, and the
token is refused over HTTP from then on; at 1280 and 390 px."""

import urllib.error
import urllib.request

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import assert_fits_the_screen, assert_text_contrast, sign_in, snap
from tests.factories import (
    DEFAULT_PASSWORD,
    AdministratorFactory,
    ClientCredentialFactory,
    administrator_of,
    make_account,
)
from tokens import services
from tokens.models import PersonalAccessToken

pytestmark = pytest.mark.django_db(transaction=True)


def status_of_call(base_url: str, token: str) -> int:
    request = urllib.request.Request(
        f"{base_url}/v1/spaces", headers={"Authorization": f"Bearer {token}"}
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - our live server
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def walk(tab, base_url: str) -> None:
    account = make_account(name="Initech", email="alice@example.com")
    alice = administrator_of(account)
    alice.name = "Alice Admin"
    alice.save(update_fields=["name"])
    bob = AdministratorFactory(account=account, name="Bob Builder", email="bob@example.com")
    _, raw = services.personal_access_token_create(user=bob, name="deploy")
    services.personal_access_token_create(user=alice, name="alice's own")
    ClientCredentialFactory(user=bob)
    assert status_of_call(base_url, raw) == 200

    sign_in(tab, alice.email, DEFAULT_PASSWORD)
    tab.get_by_role("navigation", name="Main").get_by_role("link", name="Credentials").click()
    expect(tab.get_by_role("heading", name="Credentials")).to_be_visible()
    listed = tab.get_by_test_id("credential-list")
    expect(listed.locator("tbody tr")).to_have_count(3)
    expect(tab.get_by_test_id("credential-list")).not_to_contain_text(raw[4:])
    assert_fits_the_screen(tab)
    snap(tab, "credentials-inventory")

    # Bob's active credentials only.
    filters = tab.get_by_test_id("credential-filters")
    filters.get_by_label("Owner").select_option(label="Bob Builder")
    filters.get_by_label("Status").select_option(label="Active")
    filters.get_by_role("button", name="Filter").click()
    expect(listed.locator("tbody tr")).to_have_count(2)
    expect(listed).not_to_contain_text("alice's own")

    row = tab.locator("tr", has_text="deploy")
    row.get_by_role("button", name="Revoke…").click()
    confirm = tab.locator("dialog[open]")
    expect(confirm).to_contain_text(
        "Revoke Bob Builder’s token deploy? Bob Builder is told by mail."
    )
    snap(tab, "credentials-inventory-confirm")
    confirm.get_by_role("button", name="Revoke").click()

    expect(
        tab.get_by_text("Revoked Bob Builder’s token “deploy”. Bob Builder was told by mail.")
    ).to_be_visible()
    # Back on the same filters: Bob's active ones, so the token is gone from them…
    assert "status=active" in tab.url
    expect(listed.locator("tbody tr")).to_have_count(1)
    # …and shown revoked, by Alice, among his revoked ones.
    filters.get_by_label("Status").select_option(label="Revoked")
    filters.get_by_role("button", name="Filter").click()
    revoked_row = tab.locator("tr", has_text="deploy")
    expect(revoked_row.get_by_test_id("status")).to_contain_text("Revoked")
    expect(revoked_row.get_by_test_id("status")).to_contain_text("by Alice Admin")
    expect(revoked_row.get_by_role("button", name="Revoke…")).to_have_count(0)
    assert_fits_the_screen(tab)
    assert_text_contrast(tab)
    snap(tab, "credentials-inventory-revoked")

    assert status_of_call(base_url, raw) == 401
    assert PersonalAccessToken.objects.get(name="deploy").revoked_by_id == alice.id


def test_revoke_a_colleagues_token_on_a_desktop(page, base_url):
    walk(page, base_url)


def test_revoke_a_colleagues_token_on_a_phone(phone, base_url):
    walk(phone, base_url)
