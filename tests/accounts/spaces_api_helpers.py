"""For the tests of the spaces endpoints: the callers that are administrators, a space made with
the publishable key, shared links allowed and made, and a guest's client."""

from accounts.models import GuestAuthentication, Space
from guests import links as guest_links
from guests import services as guest_services
from tests.accounts.test_api_access import client_with, send

ADMINISTRATOR_CALLERS = ["pat", "access token", "secret key"]


def create_with_publishable_key(world, name="Customer upload"):
    client = client_with(world.publishable_key)
    response = send(client, "post", "/v1/spaces", {"environmentId": world.dev.id, "name": name})
    assert response.status_code == 201, response.content
    return response.json()["data"]


def allow_shared_links(environment, allowed=True):
    environment.guest_authentication = [GuestAuthentication.MAGIC_LINK] + (
        [GuestAuthentication.SHARED_LINK] if allowed else []
    )
    environment.save(update_fields=["guest_authentication"])


def shared_link(world, space, expires_at=None) -> str:
    """The URL of `space`'s shared link, made (or regenerated) now."""
    space = Space.objects.select_related("environment").get(pk=space.pk)  # as it is now
    _, token = guest_services.shared_link_regenerate(
        space=space, actor=world.admin, expires_at=expires_at
    )
    return guest_links.shared_link_url(token)


def guest_client(guest, space=None):
    return client_with(guest_services.guest_access_token_create(guest=guest, space=space)[0])
