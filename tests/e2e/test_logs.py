"""The Logs page in Chromium: read like a log, and filtered down to an environment that no
longer exists, by the name it had."""

import re

import pytest
from playwright.sync_api import expect

from accounts import services
from tests.e2e.conftest import assert_fits_the_screen, sign_in, snap
from tests.factories import DEFAULT_PASSWORD, administrator_of, development, make_account

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize("width", ["desktop", "phone"])
def test_filter_the_log_by_a_deleted_environment(request, width):
    tab = request.getfixturevalue("page" if width == "desktop" else "phone")
    account = make_account(name="Initech", email="logs@example.com")
    user = administrator_of(account)
    user.name = "Lena Logs"
    user.save(update_fields=["name"])
    services.space_create(environment=development(account), actor=user, name="Onboarding")
    staging = services.environment_create(account=account, actor=user, name="staging")
    staging_id = staging.id  # deleting clears the instance's pk
    services.environment_delete(environment=staging, actor=user)
    sign_in(tab, user.email, DEFAULT_PASSWORD)

    tab.goto("/logs/")
    newest = tab.locator("table.log tbody tr").first
    expect(newest).to_contain_text("Environment deleted")
    expect(newest).to_contain_text("staging")
    expect(newest).to_contain_text("Lena Logs")
    expect(newest).to_contain_text(re.compile(r"UTC\s*(now|\d+\s+seconds? ago|a second ago)"))
    space_row = tab.locator("table.log tbody tr", has_text="Space created")
    expect(space_row).to_contain_text("Onboarding")
    expect(space_row).to_contain_text("development")
    assert_fits_the_screen(tab)
    snap(tab, "logs-all")

    tab.get_by_label("Environment", exact=True).select_option(label="staging (deleted)")
    tab.get_by_label("Topic", exact=True).select_option(label="Environment created")
    tab.get_by_role("button", name="Filter").click()
    rows = tab.locator("table.log tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Environment created staging")
    expect(rows.first).to_contain_text("(deleted)")
    expect(rows.first).to_contain_text(re.compile(r"Production:?\s*no"))
    expect(tab.get_by_label("Environment", exact=True)).to_have_value(staging_id)
    assert_fits_the_screen(tab)
    snap(tab, "logs-deleted-environment")
