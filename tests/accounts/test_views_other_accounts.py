"""The administrator pages across accounts: another account's ids answer 404 on every
page, and no list shows another account's rows."""

from accounts.models import Event, Space, User, Workbook
from tests.factories import SpaceFactory, WorkbookFactory, administrator_of, development
from tests.pages import text
from tests.reauthentication_helpers import recently_authenticated

# Another account's ids answer 404 on every page ------------------------------------------------


def test_another_accounts_objects_are_404_everywhere(admin_client, other_account):
    recently_authenticated(admin_client)  # else the dangerous POSTs ask who it is first
    environment = development(other_account)
    space = SpaceFactory(environment=environment)
    workbook = WorkbookFactory(space=space)
    stranger = administrator_of(other_account)
    for method, url, *data in [
        ("get", f"/environments/{environment.id}/"),
        ("post", f"/environments/{environment.id}/", {"name": "Planted"}),
        ("get", f"/environments/{environment.id}/settings/"),
        ("post", f"/environments/{environment.id}/settings/", {"name": "renamed"}),
        ("post", f"/environments/{environment.id}/delete/"),
        ("get", f"/environments/{environment.id}/api-keys/"),
        ("get", f"/spaces/{space.id}/"),
        ("post", f"/spaces/{space.id}/", {"action": "update-space", "name": "renamed"}),
        ("post", f"/spaces/{space.id}/", {"action": "create-workbook", "name": "Planted"}),
        ("post", f"/spaces/{space.id}/delete/"),
        ("post", f"/workbooks/{workbook.id}/", {"name": "renamed"}),
        ("post", f"/workbooks/{workbook.id}/delete/"),
        ("post", f"/team/{stranger.id}/remove/"),
    ]:
        assert getattr(admin_client, method)(url, *data).status_code == 404, url
    environment.refresh_from_db()
    assert environment.name == "development"
    assert Space.objects.get(pk=space.pk).name == space.name
    assert Workbook.objects.get(pk=workbook.pk).name == workbook.name
    assert list(Space.objects.filter(environment=environment)) == [space]
    assert list(Workbook.objects.filter(space=space)) == [workbook]
    assert User.objects.filter(pk=stranger.pk).exists()
    assert not Event.objects.filter(account=other_account, topic__contains="updated").exists()


def test_lists_never_show_another_accounts_rows(admin_client, other_account):
    SpaceFactory(environment=development(other_account), name="Their secret space")
    for url in ["/spaces/", "/environments/", "/logs/"]:
        page = text(admin_client.get(url))
        assert "Their secret space" not in page
        assert other_account.name not in page
        assert development(other_account).id not in page
