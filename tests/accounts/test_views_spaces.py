"""The space pages, through Django's test client: creating, renaming and deleting a space
and its workbooks, refused names, and spaces across environments."""

from accounts.models import Event, Space, Workbook
from tests.factories import SpaceFactory, WorkbookFactory, development, production
from tests.pages import text

# Spaces and workbooks -------------------------------------------------------------------------


def test_create_rename_and_delete_a_space_and_its_workbooks(admin_client, account):
    environment = development(account)
    admin_client.post(f"/environments/{environment.id}/", {"name": "Onboarding"})
    space = Space.objects.get(name="Onboarding")
    assert space.guests_can_invite is True

    admin_client.post(f"/spaces/{space.id}/", {"action": "update-space", "name": "Intake"})
    space.refresh_from_db()
    assert (space.name, space.guests_can_invite) == ("Intake", False)

    admin_client.post(f"/spaces/{space.id}/", {"action": "create-workbook", "name": "Contacts"})
    workbook = Workbook.objects.get(space=space)
    admin_client.post(f"/workbooks/{workbook.id}/", {"name": "People"})
    workbook.refresh_from_db()
    assert workbook.name == "People"

    admin_client.post(f"/workbooks/{workbook.id}/delete/")
    assert not Workbook.objects.exists()
    admin_client.post(f"/spaces/{space.id}/delete/")
    assert not Space.objects.exists()
    topics = set(Event.objects.filter(space_id=space.id).values_list("topic", flat=True))
    assert topics == {
        "space:created",
        "space:updated",
        "workbook:created",
        "workbook:updated",
        "workbook:deleted",
        "space:deleted",
    }


def test_bad_workbook_rename_shows_the_error_in_its_row(admin_client, account):
    workbook = WorkbookFactory(space=SpaceFactory(environment=development(account)), name="Keep")
    response = admin_client.post(f"/workbooks/{workbook.id}/", {"name": "y" * 300})
    assert response.status_code == 400
    assert "Name must be at most 255 characters." in text(response)
    assert "y" * 300 in text(response)
    workbook.refresh_from_db()
    assert workbook.name == "Keep"


def test_empty_space_and_workbook_names_are_refused(admin_client, account):
    environment = development(account)
    assert admin_client.post(f"/environments/{environment.id}/", {"name": ""}).status_code == 400
    space = SpaceFactory(environment=environment)
    response = admin_client.post(f"/spaces/{space.id}/", {"action": "create-workbook", "name": " "})
    assert response.status_code == 400
    assert "Name cannot be empty." in text(response)
    assert not Workbook.objects.exists()


def test_spaces_across_environments(admin_client, account):
    SpaceFactory(environment=development(account), name="Dev space")
    SpaceFactory(environment=production(account), name="Prod space")
    page = text(admin_client.get("/spaces/"))
    assert "Dev space" in page and "Prod space" in page
