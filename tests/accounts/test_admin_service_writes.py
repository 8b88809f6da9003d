"""Writes made in the Django admin go through the portal's services, validated and audited like
every other: changing a space, an environment, a workbook or an account, a change the service
refuses, and deleting environments, spaces and workbooks one by one or selected together."""

from accounts.models import Environment, Space, Workbook
from tests.accounts.admin_helpers import admin_url, bulk_delete, events, messages_of, superuser_of


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
