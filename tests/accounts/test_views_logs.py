"""The Logs page, through Django's test client: filters and pages, actors that are not
living users, bad filters, and the history of deleted things."""

from accounts import services
from tests.factories import development, production
from tests.pages import text

# Logs ------------------------------------------------------------------------------------------


def test_logs_filter_by_environment_and_topic_and_page(admin_client, account, admin_user):
    dev, prod = development(account), production(account)
    for number in range(60):
        services.space_create(environment=dev, actor=admin_user, name=f"Dev {number}")
    services.space_create(environment=prod, actor=admin_user, name="Prod one")

    page = text(admin_client.get(f"/logs/?environment={prod.id}&topic=space:created"))
    assert page.count("<code>space:created</code>") == 1
    assert "production" in page
    assert admin_user.email in page

    first = text(admin_client.get(f"/logs/?environment={dev.id}&topic=space:created"))
    assert "Page 1 of 2" in first
    assert f"environment={dev.id}&amp;topic=space%3Acreated&amp;page=2" in first
    second = text(admin_client.get(f"/logs/?environment={dev.id}&topic=space:created&page=2"))
    assert second.count("<code>space:created</code>") == 10


def test_logs_name_actors_that_are_not_living_users(admin_client, account, admin_user):
    from accounts.audit import record_event

    class ApiKeyActor:
        id = "us_key_abcdefghijkl"

    _, link = services.administrator_invite(
        account=account, actor=admin_user, email="gone@example.com"
    )
    gone = services.invitation_accept(
        token=link.rstrip("/").rsplit("/", 1)[1], password="a fine long phrase"
    )
    gone_id = gone.id
    services.space_create(environment=development(account), actor=gone, name="By gone")
    services.administrator_remove(account=account, actor=admin_user, user=gone)
    record_event("secret:created", on=account, actor=ApiKeyActor())

    page = text(admin_client.get("/logs/"))
    # An API key by its kind, its id beside it (the tokens app may name it better).
    assert 'API key <span class="muted">us_key_abcdefghijkl</span>' in page
    # The removed administrator's user is gone, their email is not: their events recorded
    # it. The id stays at hand, on hover.
    assert gone_id in page
    assert (
        f'<td><span title="{gone_id}">gone@example.com</span> <span class="muted">removed</span>'
        "</td>"
    ) in page
    assert "<td>gone@example.com</td>" not in page  # never passed off as a living user
    assert f"<td>{admin_user.email}</td>" in page
    table = page.split("<tbody>", 1)[1]
    assert table.index("secret:created") < table.index("administrator:removed")  # newest first


def test_logs_survive_bad_filters_and_page_numbers(admin_client, other_account):
    for query in ["?page=999", "?page=abc", "?environment=nope&topic=nope", "?page=-1"]:
        assert admin_client.get(f"/logs/{query}").status_code == 200, query
    their_environment = development(other_account)
    page = text(admin_client.get(f"/logs/?environment={their_environment.id}"))
    assert "No events match." in page


def test_logs_keep_history_of_deleted_things(admin_client, account, admin_user):
    environment = services.environment_create(account=account, actor=admin_user, name="temporary")
    environment_id = environment.id
    services.environment_delete(environment=environment, actor=admin_user)
    page = text(admin_client.get("/logs/"))
    assert "environment:deleted" in page
    assert environment_id in page  # still a filter choice
    # The environment is gone; its name is kept, from the events that recorded it.
    assert f'<option value="{environment_id}">temporary (deleted)</option>' in page
    assert 'temporary <span class="muted">(deleted)</span>' in page
