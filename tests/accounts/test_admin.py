"""The Django admin: superusers browse everything; the audit trail and invitations are
read-only, digests never shown; accounts, environments, spaces and workbooks are created
and deleted only through the portal's audited services."""

import pytest
from django.contrib.admin.utils import quote

from accounts import services
from accounts.models import (
    Account,
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


# Writes made here go through the services: validated and audited like every other ---------


def events(topic: str) -> list[Event]:
    return list(Event.objects.filter(topic=topic).order_by("created_at", "id"))


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def superuser_of(client) -> User:
    return User.objects.get(email="root@example.com")


def test_changing_a_spaces_name_records_space_updated(superuser_client, objects):
    space = objects["space"]
    response = superuser_client.post(
        admin_url("space", space.pk, "change"),
        {"name": "Renamed", "guests_can_invite": "on", "metadata": "{}"},
    )
    assert response.status_code == 302
    space.refresh_from_db()
    assert space.name == "Renamed"
    (event,) = events("space:updated")
    assert event.actor_id == superuser_of(superuser_client).id
    assert event.space_id == space.id and event.environment_id == space.environment_id
    assert event.payload == {"changed": ["name"]}


def test_saving_without_a_change_records_nothing(superuser_client, objects):
    space = objects["space"]
    response = superuser_client.post(
        admin_url("space", space.pk, "change"),
        {"name": space.name, "guests_can_invite": "on", "metadata": "{}"},
    )
    assert response.status_code == 302
    assert events("space:updated") == []


def test_environment_and_workbook_and_account_changes_are_audited(superuser_client, objects):
    root = superuser_of(superuser_client)
    environment, workbook, account = objects["environment"], objects["workbook"], objects["account"]
    superuser_client.post(
        admin_url("environment", environment.pk, "change"),
        {
            "name": "dev",
            "is_prod": "on",
            "guest_authentication": '["shared_link", "magic_link"]',
            "metadata": "{}",
        },
    )
    superuser_client.post(
        admin_url("workbook", workbook.pk, "change"), {"name": "Leads", "labels": '["a"]'}
    )
    superuser_client.post(
        admin_url("account", account.pk, "change"), {"name": "Acme Inc", "metadata": "{}"}
    )
    (changed_environment,) = events("environment:updated")
    assert changed_environment.payload == {"changed": ["guest_authentication", "is_prod", "name"]}
    environment.refresh_from_db()
    # As the service stores it: in the order of the choices, not as typed.
    assert environment.guest_authentication == ["magic_link", "shared_link"]
    (changed_workbook,) = events("workbook:updated")
    assert changed_workbook.payload == {"workbookId": workbook.id, "changed": ["labels", "name"]}
    (changed_account,) = events("account:updated")
    assert changed_account.payload == {"changed": ["name"]}
    assert {changed_environment.actor_id, changed_workbook.actor_id, changed_account.actor_id} == {
        root.id
    }


def test_a_change_the_service_refuses_is_shown_and_saves_nothing(superuser_client, objects):
    environment = objects["environment"]
    response = superuser_client.post(
        admin_url("environment", environment.pk, "change"),
        {"name": "renamed", "guest_authentication": '["carrier_pigeon"]', "metadata": "{}"},
        follow=True,
    )
    assert response.status_code == 200
    assert messages_of(response) == ["Choose from: magic_link, shared_link."]
    environment.refresh_from_db()
    assert environment.name == "development"
    assert events("environment:updated") == []


def test_deleting_an_environment_with_spaces_is_refused_with_the_services_reason(
    superuser_client, objects
):
    from django.contrib.admin.models import DELETION, LogEntry

    environment = objects["environment"]
    url = admin_url("environment", environment.pk, "delete")
    assert superuser_client.get(url).status_code == 200  # the confirmation page
    response = superuser_client.post(url, {"post": "yes"}, follow=True)
    assert response.redirect_chain[-1][0] == admin_url("environment", environment.pk, "change")
    assert messages_of(response) == ["“development” still has 1 space: delete them first."]
    assert Environment.objects.filter(pk=environment.pk).exists()
    assert environment.api_keys.count() == 2
    assert events("environment:deleted") == []
    assert not LogEntry.objects.filter(action_flag=DELETION).exists()  # rolled back with it


def test_deleting_an_environment_goes_through_the_service(superuser_client, account):
    from tests.factories import EnvironmentFactory
    from tokens.models import ApiKey

    environment = EnvironmentFactory(account=account, name="staging")
    response = superuser_client.post(
        admin_url("environment", environment.pk, "delete"), {"post": "yes"}, follow=True
    )
    assert messages_of(response) == ["The environment “staging” was deleted successfully."]
    assert not Environment.objects.filter(pk=environment.pk).exists()
    assert not ApiKey.objects.filter(environment_id=environment.pk).exists()
    (event,) = events("environment:deleted")
    assert event.environment_id == environment.pk
    assert event.actor_id == superuser_of(superuser_client).id


def test_deleting_a_space_and_a_workbook_go_through_their_services(superuser_client, objects):
    workbook, space = objects["workbook"], objects["space"]
    superuser_client.post(admin_url("workbook", workbook.pk, "delete"), {"post": "yes"})
    superuser_client.post(admin_url("space", space.pk, "delete"), {"post": "yes"})
    assert not Space.objects.exists() and not Workbook.objects.exists()
    assert [event.payload["workbookId"] for event in events("workbook:deleted")] == [workbook.id]
    assert [event.space_id for event in events("space:deleted")] == [space.id]


def bulk_delete(client, model: str, pks: list[str]):
    return client.post(
        f"/admin/accounts/{model}/",
        {"action": "delete_selected", "_selected_action": pks, "post": "yes"},
        follow=True,
    )


def test_delete_selected_goes_through_the_service_for_each(superuser_client, objects):
    from tests.factories import SpaceFactory

    spaces = [objects["space"], SpaceFactory(environment=objects["environment"])]
    confirmation = superuser_client.post(
        "/admin/accounts/space/",
        {"action": "delete_selected", "_selected_action": [space.pk for space in spaces]},
    )
    assert "Are you sure" in confirmation.content.decode()
    assert Space.objects.count() == 2
    response = bulk_delete(superuser_client, "space", [space.pk for space in spaces])
    assert messages_of(response) == ["Successfully deleted 2 spaces."]
    assert not Space.objects.exists()
    assert sorted(event.space_id for event in events("space:deleted")) == sorted(
        space.pk for space in spaces
    )


def test_delete_selected_deletes_none_when_the_service_refuses_one(superuser_client, objects):
    from django.contrib.admin.models import LogEntry

    from tests.factories import EnvironmentFactory

    empty = EnvironmentFactory(account=objects["account"], name="empty")
    selected = [empty.pk, objects["environment"].pk]
    response = bulk_delete(superuser_client, "environment", selected)
    assert messages_of(response) == ["“development” still has 1 space: delete them first."]
    assert Environment.objects.filter(pk__in=selected).count() == 2
    assert events("environment:deleted") == []
    assert not LogEntry.objects.exists()


# Users ---------------------------------------------------------------------------------------


def test_the_last_administrator_cannot_be_deleted_here_either(superuser_client, objects):
    user = objects["user"]
    response = superuser_client.post(
        admin_url("user", user.pk, "delete"), {"post": "yes"}, follow=True
    )
    assert messages_of(response) == ["The last administrator cannot be removed."]
    assert User.objects.filter(pk=user.pk).exists()
    response = bulk_delete(superuser_client, "user", [user.pk])
    assert messages_of(response) == ["The last administrator cannot be removed."]
    assert User.objects.filter(pk=user.pk).exists()
    assert events("administrator:removed") == []


def test_deleting_an_administrator_removes_them_through_the_service(superuser_client, account):
    from tests.factories import AdministratorFactory

    second = AdministratorFactory(account=account, email="second@example.com")
    response = superuser_client.post(
        admin_url("user", second.pk, "delete"), {"post": "yes"}, follow=True
    )
    assert messages_of(response) == ["The user “second@example.com” was deleted successfully."]
    assert not User.objects.filter(pk=second.pk).exists()
    (event,) = events("administrator:removed")
    assert event.payload == {"userId": second.pk, "email": "second@example.com"}
    assert event.actor_id == superuser_of(superuser_client).id


def test_a_person_of_no_account_is_deleted_directly(superuser_client, db):
    from tests.factories import UserFactory

    staff = UserFactory(email="staff@example.com")
    bulk_delete(superuser_client, "user", [staff.pk])
    assert not User.objects.filter(pk=staff.pk).exists()


def user_change(client, user, **fields):
    data = {"name": user.name, "is_active": "on", "email": user.email, **fields}
    return client.post(admin_url("user", user.pk, "change"), data)


def test_an_administrators_name_changes_through_the_service(superuser_client, objects):
    user = objects["user"]
    assert user_change(superuser_client, user, name="Ada").status_code == 302
    user.refresh_from_db()
    assert user.name == "Ada"
    (event,) = events("user:updated")
    assert event.actor_id == superuser_of(superuser_client).id
    assert event.payload == {"userId": user.pk, "email": user.email, "changed": ["name"]}


def test_an_administrators_email_and_activity_are_not_changed_here(superuser_client, objects):
    user = objects["user"]
    page = superuser_client.get(admin_url("user", user.pk, "change")).content.decode()
    assert 'name="email"' not in page and 'name="is_active"' not in page
    assert 'name="name"' in page and 'name="is_staff"' in page
    user_change(superuser_client, user, email="elsewhere@example.com", is_active="", is_staff="on")
    user.refresh_from_db()
    assert user.email != "elsewhere@example.com"
    assert user.is_active
    assert user.is_staff  # the admin's own permission, not the product's


@pytest.mark.parametrize(
    ("form", "usable"),
    [
        ({"password1": "a new long phrase", "password2": "a new long phrase"}, True),
        ({"usable_password": "false", "unset-password": "on"}, False),
    ],
    ids=["set", "disabled"],
)
def test_a_password_set_in_the_admin_is_on_the_audit_trail(superuser_client, objects, form, usable):
    user = objects["user"]
    response = superuser_client.post(f"{admin_url('user', user.pk, 'password')}", form)
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.has_usable_password() is usable
    assert user.check_password("a new long phrase") is usable
    (event,) = events("user:password-reset")
    assert event.payload == {"userId": user.pk}
    # Set by the superuser, not by the person whose password it is.
    assert event.actor_id == superuser_of(superuser_client).id != user.pk
