"""The maximum lifetime of personal access tokens in Chromium, at 1280 and 390 px: an
administrator signed in long ago sets a 30-day maximum on the Team page, proves who they are
with their password, and reads what it did to the token they already had (made never to
expire: it now exceeds the policy); the Create Token dialog then offers nothing longer than
30 days."""

import pytest
from playwright.sync_api import expect

from accounts.models import Account, Event
from tests.e2e.conftest import assert_fits_the_screen, sign_in, snap
from tests.e2e.test_reauthentication import signed_in_long_ago
from tests.factories import (
    DEFAULT_PASSWORD,
    PersonalAccessTokenFactory,
    administrator_of,
    make_account,
)

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize("screen", ["page", "phone"])
def test_an_administrator_sets_a_maximum_and_creation_offers_nothing_longer(request, screen):
    tab = request.getfixturevalue(screen)
    width = tab.viewport_size["width"]
    account = make_account(email=f"lifetime-{width}@example.com")
    user = administrator_of(account)
    PersonalAccessTokenFactory(user=user, name="nightly import")  # never expires
    sign_in(tab, user.email, DEFAULT_PASSWORD)
    signed_in_long_ago(tab)

    tab.goto("/team/")
    setting = tab.get_by_label("Maximum lifetime of personal access tokens")
    expect(setting).to_have_value("none")
    expect(setting.locator("option")).to_have_text(
        ["No maximum", "7 days", "30 days", "60 days", "90 days", "1 year"]
    )
    tab.get_by_role("heading", name="Personal access tokens").scroll_into_view_if_needed()
    assert_fits_the_screen(tab)
    snap(tab, "token-lifetime-team")

    setting.select_option(label="30 days")
    tab.get_by_test_id("token-lifetime-policy").get_by_role("button", name="Save").click()
    expect(tab.get_by_role("heading", name="Confirm it’s you")).to_be_visible()
    expect(tab.get_by_test_id("reauthentication-reason")).to_contain_text(
        "tokens older than it stop working"
    )
    assert Account.objects.get(pk=account.pk).token_max_lifetime_days is None
    assert_fits_the_screen(tab)
    snap(tab, "token-lifetime-reauthentication")

    tab.get_by_label("Password").fill(DEFAULT_PASSWORD)
    tab.get_by_role("button", name="Confirm", exact=True).click()
    tab.wait_for_url("**/team/")
    expect(
        tab.get_by_text(
            "Personal access tokens now live at most 30 days. 1 existing token exceeds it "
            "(“Exceeds policy”): each stops working once it is 30 days old."
        )
    ).to_be_visible()
    expect(tab.get_by_label("Maximum lifetime of personal access tokens")).to_have_value("30")
    expect(
        tab.get_by_test_id("token-lifetime-policy").get_by_text("At most 30 days")
    ).to_be_visible()
    assert Account.objects.get(pk=account.pk).token_max_lifetime_days == 30
    assert Event.objects.filter(topic="account:updated").count() == 1
    assert_fits_the_screen(tab)
    snap(tab, "token-lifetime-saved")

    # The token made never to expire is marked; creating one now offers only lifetimes
    # within the maximum.
    tab.goto("/personal-access-tokens/")
    expect(tab.locator("tr", has_text="nightly import")).to_contain_text("Exceeds policy")
    tab.get_by_role("button", name="Create Token").click()
    expires = tab.get_by_label("Expires")
    expect(expires.locator("option")).to_have_count(2)
    offered = [
        int(value)
        for value in expires.locator("option").evaluate_all(
            "options => options.map((option) => option.value)"
        )
    ]
    assert offered == [7, 30]
    expect(tab.get_by_test_id("max-lifetime")).to_be_visible()
    assert_fits_the_screen(tab)
    snap(tab, "token-lifetime-create")
