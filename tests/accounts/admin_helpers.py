"""For the tests of the accounts app's Django admin: its addresses, the events recorded, the
messages shown, the superuser signed in, and deleting selected objects."""

from django.contrib.admin.utils import quote

from accounts.models import Event, User


def admin_url(model: str, pk: str | int, action: str) -> str:
    # As the admin writes its own links: a public id such as "us_sp_2Fx…" would otherwise
    # be read back with "_2F" as an escaped "/".
    return f"/admin/accounts/{model}/{quote(pk)}/{action}/"


def events(topic: str) -> list[Event]:
    return list(Event.objects.filter(topic=topic).order_by("created_at", "id"))


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def superuser_of(client) -> User:
    return User.objects.get(email="root@example.com")


def bulk_delete(client, model: str, pks: list[str]):
    return client.post(
        f"/admin/accounts/{model}/",
        {"action": "delete_selected", "_selected_action": pks, "post": "yes"},
        follow=True,
    )
