"""The personal access tokens page and fine-grained tokens: the Create Token dialog starts at
the least access (read-only, the environments that are not production), makes what is
chosen, offers only the lifetimes within the account's maximum; the list shows each token's
scope and whether it is revoked, exceeds the account's policy or is refused by it; a revoked
token is not regenerated."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from tests.factories import AdministratorFactory, development, production
from tests.pages import text
from tests.reauthentication_helpers import recently_authenticated
from tests.tokens.token_page_helpers import create_token, nonce_of
from tokens import services
from tokens.models import PersonalAccessToken


@pytest.fixture
def admin_client(admin_client):
    """Signed in just now: the dangerous POSTs here ask to re-authenticate otherwise."""
    return recently_authenticated(admin_client)


def _dialog(client) -> str:
    page = text(client.get("/personal-access-tokens/"))
    return re.search(r'<dialog id="create-token".*?</dialog>', page, re.S).group(0)


def _checked(dialog: str, name: str) -> list[str]:
    return re.findall(rf'<input type="\w+" name="{name}" value="([^"]+)" checked>', dialog)


def test_the_dialog_starts_read_only_in_development(admin_client, account):
    dialog = _dialog(admin_client)
    assert "Read-only" in dialog and "Read and write" in dialog
    assert _checked(dialog, "access") == ["read"]
    assert "All environments" in dialog and "Only selected environments" in dialog
    assert _checked(dialog, "environment_scope") == ["selected"]
    assert _checked(dialog, "environments") == [development(account).id]
    assert f'value="{production(account).id}"' in dialog
    assert 'data-testid="max-lifetime"' not in dialog


def test_the_dialogs_choices_make_a_read_only_development_token(admin_client, account):
    dev = development(account)
    response = create_token(
        admin_client, access="read", environment_scope="selected", environments=[dev.id]
    )
    assert response.status_code == 200
    token = PersonalAccessToken.objects.get(name="deploy")
    assert token.read_only
    assert not token.all_environments
    assert list(token.environments.all()) == [dev]
    assert "Read-only · development" in text(response)


def test_read_and_write_in_all_environments(admin_client, account):
    create_token(
        admin_client,
        access="write",
        environment_scope="all",
        # Ticked before "All environments" was chosen: ignored, as the dialog hides them.
        environments=[development(account).id],
    )
    token = PersonalAccessToken.objects.get(name="deploy")
    assert not token.read_only
    assert token.all_environments
    assert not token.environments.exists()


def test_no_environment_ticked_keeps_the_dialog_open(admin_client):
    response = create_token(admin_client, access="read", environment_scope="selected")
    assert response.status_code == 400
    assert "Choose at least one environment." in text(response)
    assert 'id="create-token" data-open-on-load' in text(response)
    # What was chosen is kept: nothing ticked, "Only selected environments", read-only.
    dialog = re.search(r'<dialog id="create-token".*?</dialog>', text(response), re.S).group(0)
    assert _checked(dialog, "environments") == []
    assert _checked(dialog, "environment_scope") == ["selected"]
    assert not PersonalAccessToken.objects.exists()


def test_an_environment_of_another_account_is_refused(admin_client, other_account):
    response = create_token(
        admin_client, environment_scope="selected", environments=[development(other_account).id]
    )
    assert response.status_code == 400
    assert "Select a valid choice." in text(response)
    assert not PersonalAccessToken.objects.exists()


def test_a_post_without_the_new_fields_makes_a_token_as_today(admin_client):
    # No browser sends one; it means what the API's {"name"} means.
    create_token(admin_client)
    token = PersonalAccessToken.objects.get(name="deploy")
    assert not token.read_only and token.all_environments


@pytest.mark.parametrize(
    ("maximum", "offered", "default"),
    [(30, ["7", "30"], "30"), (7, ["7"], "7"), (90, ["7", "30", "60", "90"], "30")],
)
def test_under_a_maximum_only_lifetimes_within_it_are_offered(
    admin_client, account, maximum, offered, default
):
    account.token_max_lifetime_days = maximum
    account.save(update_fields=["token_max_lifetime_days"])
    dialog = _dialog(admin_client)
    select = re.search(r'<select name="expires_in_days".*?</select>', dialog, re.S).group(0)
    options = re.findall(r'<option value="([^"]*)"( selected)?>', select)
    assert [value for value, _ in options] == offered
    assert [value for value, selected in options if selected] == [default]
    assert f"This account allows tokens to live at most {maximum} days." in dialog


def test_never_under_a_maximum_is_refused_naming_it(admin_client, account):
    account.token_max_lifetime_days = 30
    account.save(update_fields=["token_max_lifetime_days"])
    response = create_token(admin_client, expires_in_days="")
    assert response.status_code == 400
    assert "at most 30 days: choose 30 days or fewer." in text(response)
    assert not PersonalAccessToken.objects.exists()


def _row(client, token) -> str:
    page = text(client.get("/personal-access-tokens/"))
    return re.search(rf'<tr data-token-id="{token.id}">(.*?)</tr>', page, re.S).group(1)


def test_the_list_shows_scope_and_status(admin_client, admin_user, account):
    now = timezone.now()
    colleague = AdministratorFactory(account=account, email="boss@example.com")
    narrow, _ = services.personal_access_token_create(
        user=admin_user, name="narrow", read_only=True, environments=[development(account)]
    )
    by_boss, _ = services.personal_access_token_create(user=admin_user, name="by boss")
    leaked, _ = services.personal_access_token_create(user=admin_user, name="leaked")
    exceeding, _ = services.personal_access_token_create(user=admin_user, name="exceeding")
    refused, _ = services.personal_access_token_create(user=admin_user, name="refused")
    PersonalAccessToken.objects.filter(pk=by_boss.pk).update(revoked_at=now, revoked_by=colleague)
    PersonalAccessToken.objects.filter(pk=leaked.pk).update(revoked_at=now)
    PersonalAccessToken.objects.filter(pk=exceeding.pk).update(
        policy_expires_at=now + timedelta(days=3)
    )
    PersonalAccessToken.objects.filter(pk=refused.pk).update(
        policy_expires_at=now - timedelta(days=3)
    )

    assert "Read-only · development" in _row(admin_client, narrow)
    assert "Read and write · All environments" in _row(admin_client, by_boss)
    assert "Revoked" in _row(admin_client, by_boss)
    assert "by boss@example.com" in _row(admin_client, by_boss)
    assert "reported as leaked" in _row(admin_client, leaked)
    assert "Exceeds policy" in _row(admin_client, exceeding)
    assert "Refused by policy" in _row(admin_client, refused)
    for quiet in (narrow, by_boss, leaked, refused):
        assert "Exceeds policy" not in _row(admin_client, quiet)
    for active in (narrow, exceeding):
        assert "Revoked" not in _row(admin_client, active)
        assert "Refused by policy" not in _row(admin_client, active)


def test_a_revoked_token_is_deleted_but_never_regenerated(admin_client, admin_user):
    token, _ = services.personal_access_token_create(user=admin_user, name="leaked")
    PersonalAccessToken.objects.filter(pk=token.pk).update(revoked_at=timezone.now())
    row = _row(admin_client, token)
    assert "Regenerate" not in row
    assert f'data-open-dialog="delete-{token.id}"' in row
    digest = PersonalAccessToken.objects.get(pk=token.pk).digest

    nonce = nonce_of(admin_client.get("/personal-access-tokens/"))
    response = admin_client.post(
        f"/personal-access-tokens/{token.id}/regenerate/", {"nonce": nonce}
    )
    assert response.status_code == 400
    assert "This token was revoked: delete it and create a new one." in text(response)
    assert 'id="new-token"' not in text(response)
    assert PersonalAccessToken.objects.get(pk=token.pk).digest == digest

    admin_client.post(f"/personal-access-tokens/{token.id}/delete/")
    assert not PersonalAccessToken.objects.filter(pk=token.pk).exists()
