"""The Django admin of the accounts app as a superuser browses it: administrators who are not
staff are kept out, every list and object is shown, the audit trail, invitations and
memberships are read-only and digests never shown, nothing is created here, an account is never
deleted, and a superuser may correct a name or add a user."""

import pytest

from accounts.models import Account, AdminInvitation, Environment, Event, Space, User, Workbook
from tests.accounts.admin_helpers import admin_url
from tests.factories import administrator_of


def test_administrators_who_are_not_staff_are_kept_out(admin_client):
    for url in ["/admin/", "/admin/accounts/event/"]:
        response = admin_client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/admin/login/")


def test_a_superuser_sees_every_list_and_every_object(superuser_client, objects):
    for model, obj in objects.items():
        listing = superuser_client.get(f"/admin/accounts/{model}/")
        assert listing.status_code == 200, model
        assert superuser_client.get(admin_url(model, obj.pk, "change")).status_code == 200


@pytest.mark.parametrize("model", ["event", "admininvitation", "membership"])
def test_the_audit_trail_invitations_and_memberships_are_read_only(
    superuser_client, objects, model
):
    obj = objects[model]
    assert superuser_client.get(f"/admin/accounts/{model}/add/").status_code == 403
    assert superuser_client.post(admin_url(model, obj.pk, "delete")).status_code == 403
    page = superuser_client.get(admin_url(model, obj.pk, "change")).content.decode()
    assert 'name="_save"' not in page
    superuser_client.post(admin_url(model, obj.pk, "change"), {"topic": "forged"})
    assert type(obj).objects.filter(pk=obj.pk).exists()
    assert not Event.objects.filter(topic="forged").exists()


def test_an_invitations_digest_is_never_shown(superuser_client, objects):
    invitation = objects["admininvitation"]
    page = superuser_client.get(
        admin_url("admininvitation", invitation.pk, "change")
    ).content.decode()
    assert "invited@example.com" in page
    assert invitation.token_digest not in page
    listing = superuser_client.get("/admin/accounts/admininvitation/").content.decode()
    assert invitation.token_digest not in listing


@pytest.mark.parametrize("model", ["account", "environment", "space", "workbook"])
def test_creating_goes_through_the_portal(superuser_client, objects, model):
    existing = set(type(objects[model]).objects.values_list("pk", flat=True))
    assert superuser_client.get(f"/admin/accounts/{model}/add/").status_code == 403
    assert superuser_client.post(f"/admin/accounts/{model}/add/", {"name": "x"}).status_code == 403
    assert set(type(objects[model]).objects.values_list("pk", flat=True)) == existing


def test_an_account_is_never_deleted_here(superuser_client, objects):
    # No service deletes an account; environments, spaces and workbooks are deleted here
    # only through theirs (tests below).
    account = objects["account"]
    assert superuser_client.post(admin_url("account", account.pk, "delete")).status_code == 403
    assert (
        superuser_client.post(
            admin_url("account", account.pk, "delete"), {"post": "yes"}
        ).status_code
        == 403
    )
    response = superuser_client.post(
        "/admin/accounts/account/",
        {"action": "delete_selected", "_selected_action": [account.pk], "post": "yes"},
    )
    assert response.status_code == 200  # "No action selected": it is not offered
    assert Account.objects.filter(pk=account.pk).exists()


def test_a_superuser_may_correct_a_name(superuser_client, objects):
    environment = objects["environment"]
    response = superuser_client.post(
        admin_url("environment", environment.pk, "change"),
        {"name": "dev", "guest_authentication": '["magic_link"]', "metadata": "{}"},
    )
    assert response.status_code == 302
    environment.refresh_from_db()
    assert environment.name == "dev"
    # The case-insensitive uniqueness holds here too.
    response = superuser_client.post(
        admin_url("environment", environment.pk, "change"),
        {"name": "PRODUCTION", "guest_authentication": '["magic_link"]', "metadata": "{}"},
    )
    assert response.status_code == 200
    assert "An environment with this name already exists in this account." in (
        response.content.decode()
    )
    environment.refresh_from_db()
    assert environment.name == "dev"
    assert Space.objects.count() == 1 and Workbook.objects.count() == 1


def test_a_superuser_may_add_a_user_with_a_hashed_password(superuser_client, account):
    response = superuser_client.post(
        "/admin/accounts/user/add/",
        {
            "email": "staff@example.com",
            "password1": "a fine long phrase",
            "password2": "a fine long phrase",
            "usable_password": "true",
        },
    )
    assert response.status_code == 302
    user = User.objects.get(email="staff@example.com")
    assert user.check_password("a fine long phrase")
    assert user.password != "a fine long phrase"
    # Without a membership they are no administrator of any account.
    assert administrator_of(account) != user
    assert not AdminInvitation.objects.filter(email="staff@example.com").exists()
    assert Environment.objects.filter(account=account).count() == 2
