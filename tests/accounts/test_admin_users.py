"""Users in the Django admin: administrators are deleted (never the last one) and renamed
through the services, their email and activity are not changed here, a person of no account is
deleted directly, and a password set here is on the audit trail."""

import pytest

from accounts.models import User
from tests.accounts.admin_helpers import admin_url, bulk_delete, events, messages_of, superuser_of


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
