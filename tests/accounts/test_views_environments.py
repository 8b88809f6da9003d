"""The environment pages, through Django's test client: the switcher, the list, creating,
renaming, the production flag and guest authentication, bad names, and deleting."""

import re

import pytest

from accounts import services
from accounts.models import Environment, Event, Space
from tests.factories import SpaceFactory, development, production
from tests.pages import text
from tests.reauthentication_helpers import recently_authenticated


@pytest.fixture
def admin_client(admin_client):
    """Signed in just now: the dangerous POSTs here ask to re-authenticate otherwise."""
    return recently_authenticated(admin_client)


# Environments -----------------------------------------------------------------------------


def test_home_goes_to_the_current_environment(admin_client, account):
    response = admin_client.get("/")
    assert response["Location"] == f"/environments/{development(account).id}/"
    admin_client.get(f"/environments/{production(account).id}/")
    assert admin_client.get("/")["Location"] == f"/environments/{production(account).id}/"


def test_environment_switcher_badges_dev_and_prod(admin_client, account):
    page = text(admin_client.get(f"/environments/{production(account).id}/"))
    assert 'data-testid="environment-switcher"' in page
    assert "badge-prod" in page and "badge-dev" in page


def test_create_environment(admin_client, account):
    response = admin_client.post(
        "/environments/", {"name": "staging", "guest_authentication": ["shared_link"]}
    )
    assert response.status_code == 302
    staging = Environment.objects.get(account=account, name="staging")
    assert staging.is_prod is False
    assert staging.guest_authentication == ["shared_link"]
    assert staging.api_keys.count() == 2


def test_environment_list_reads_in_the_switchers_order(admin_client, account, admin_user):
    # Public ids are random, so an unordered (GROUP BY) list comes back in id order, which
    # is all but never the order of creation.
    for name in ["zeta", "alpha", "mid", "beta", "omega", "gamma"]:
        services.environment_create(account=account, actor=admin_user, name=name)
    SpaceFactory(environment=Environment.objects.get(account=account, name="mid"))
    page = text(admin_client.get("/environments/"))
    table = page.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    listed = re.findall(r'<a href="/environments/us_env_\w+/">([^<]+)</a>', table)
    switcher = [environment.name for environment in Environment.objects.filter(account=account)]
    assert listed == switcher
    assert listed == ["development", "production", "zeta", "alpha", "mid", "beta", "omega", "gamma"]
    assert '<div class="table-scroll">\n<table>' in page


def test_environment_list_shows_guest_authentication_labels(admin_client, account, admin_user):
    services.environment_create(
        account=account,
        actor=admin_user,
        name="both",
        guest_authentication=["magic_link", "shared_link"],
    )
    services.environment_create(
        account=account, actor=admin_user, name="none", guest_authentication=[]
    )
    page = text(admin_client.get("/environments/"))
    table = page.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    cells = re.findall(r"<td>([^<]*)</td>", table)
    assert "Magic link, Shared link" in cells
    assert "Magic link" in cells
    assert "None" in cells
    assert "magic_link" not in table and "shared_link" not in table


def test_environment_forms_offer_guest_authentication_by_label(admin_client, account):
    for url in ["/environments/", f"/environments/{development(account).id}/settings/"]:
        page = text(admin_client.get(url))
        assert re.search(r'value="magic_link"[^>]*> Magic link</label>', page), url
        assert re.search(r'value="shared_link"[^>]*> Shared link</label>', page), url


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("", "Name cannot be empty."),
        ("   ", "Name cannot be empty."),
        ("x" * 300, "Name must be at most 255 characters."),
        ("Development", "An environment with this name already exists in this account."),
    ],
)
def test_bad_environment_names_are_refused_and_kept(admin_client, account, name, message):
    response = admin_client.post("/environments/", {"name": name})
    assert response.status_code == 400
    assert message in text(response)
    assert f'value="{name}"' in text(response)
    assert Environment.objects.filter(account=account).count() == 2


def test_rename_toggle_prod_and_guest_authentication(admin_client, account):
    environment = development(account)
    response = admin_client.post(
        f"/environments/{environment.id}/settings/",
        {"name": "dev", "is_prod": "on", "guest_authentication": ["magic_link", "shared_link"]},
    )
    assert response.status_code == 302
    environment.refresh_from_db()
    assert (environment.name, environment.is_prod) == ("dev", True)
    assert environment.guest_authentication == ["magic_link", "shared_link"]
    assert Event.objects.filter(topic="environment:updated", environment_id=environment.id).exists()


def test_renaming_to_a_taken_name_is_refused(admin_client, account):
    environment = development(account)
    response = admin_client.post(
        f"/environments/{environment.id}/settings/", {"name": "PRODUCTION"}
    )
    assert response.status_code == 400
    assert "already exists" in text(response)
    environment.refresh_from_db()
    assert environment.name == "development"


def test_deleting_an_environment_with_spaces_is_refused_with_the_reason(admin_client, account):
    environment = development(account)
    SpaceFactory(environment=environment)
    response = admin_client.post(f"/environments/{environment.id}/delete/")
    assert response.status_code == 400
    assert "“development” still has 1 space: delete them first." in text(response)
    assert Environment.objects.filter(pk=environment.pk).exists()
    assert not Event.objects.filter(topic="environment:deleted").exists()


def test_environment_settings_page_shows_current_values_and_a_delete_dialog(admin_client, account):
    page = text(admin_client.get(f"/environments/{production(account).id}/settings/"))
    assert 'value="production"' in page
    assert re.search(r'name="is_prod"\s+checked', page)
    assert re.search(r'value="magic_link"\s+checked', page)
    assert not re.search(r'value="shared_link"\s+checked', page)
    assert 'data-open-dialog="delete-environment"' in page
    assert '<dialog id="delete-environment">' in page


def test_an_empty_submission_is_an_error_not_a_blank_page(admin_client, account):
    assert admin_client.post("/environments/").status_code == 400
    assert admin_client.post(f"/environments/{development(account).id}/").status_code == 400
    assert Environment.objects.filter(account=account).count() == 2
    assert not Space.objects.exists()


def test_deleting_an_empty_environment(admin_client, account):
    environment = development(account)
    response = admin_client.post(f"/environments/{environment.id}/delete/")
    assert response["Location"] == "/environments/"
    assert not Environment.objects.filter(pk=environment.pk).exists()
    assert Event.objects.filter(topic="environment:deleted", environment_id=environment.id).exists()
