"""The Django admin: superusers browse everything; the audit trail and invitations are
read-only, digests never shown; accounts, environments, spaces and workbooks are created
and deleted only through the portal's audited services."""

import pytest
from django.contrib.admin.utils import quote

from accounts import services
from accounts.models import (
    AdminInvitation,
    Environment,
    Event,
    Membership,
    Space,
    User,
    Workbook,
)
from tests.factories import SpaceFactory, WorkbookFactory, administrator_of, development


def admin_url(model: str, pk: str | int, action: str) -> str:
    # As the admin writes its own links: a public id such as "us_sp_2Fx…" would otherwise
    # be read back with "_2F" as an escaped "/".
    return f"/admin/accounts/{model}/{quote(pk)}/{action}/"


@pytest.fixture
def superuser_client(client, db):
    client.force_login(User.objects.create_superuser(email="root@example.com", password="x" * 12))
    return client


@pytest.fixture
def objects(account, admin_user):
    space = SpaceFactory(environment=development(account))
    invitation, _ = services.administrator_invite(
        account=account, actor=admin_user, email="invited@example.com"
    )
    return {
        "user": admin_user,
        "account": account,
        "membership": Membership.objects.get(user=admin_user),
        "environment": development(account),
        "space": space,
        "workbook": WorkbookFactory(space=space),
        "event": Event.objects.filter(account=account).first(),
        "admininvitation": invitation,
    }


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
def test_creating_and_deleting_go_through_the_portal(superuser_client, objects, model):
    obj = objects[model]
    assert superuser_client.get(f"/admin/accounts/{model}/add/").status_code == 403
    assert superuser_client.post(admin_url(model, obj.pk, "delete")).status_code == 403
    assert type(obj).objects.filter(pk=obj.pk).exists()


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
