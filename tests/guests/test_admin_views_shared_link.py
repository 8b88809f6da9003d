"""A space's shared link on its page, through Django's test client: shown only where shared
links are allowed; made, copied, regenerated and disabled; a bad expiry changes nothing."""

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import Event, GuestAuthentication
from guests import links, selectors, services
from guests.models import SharedLink
from tests.guests.admin_page_helpers import page_url, state, topics
from tests.pages import text

# The shared link -------------------------------------------------------------------------------


def test_the_shared_link_section_is_shown_only_where_shared_links_are_allowed(
    admin_client, environment, space
):
    assert 'data-testid="shared-link"' in text(admin_client.get(page_url(space)))
    environment.guest_authentication = [GuestAuthentication.MAGIC_LINK]
    environment.save(update_fields=["guest_authentication"])
    page = text(admin_client.get(page_url(space)))
    assert 'data-testid="shared-link"' not in page
    assert "Shared link" not in page


def test_make_copy_regenerate_and_disable_the_shared_link(admin_client, space, admin_user):
    page = text(admin_client.get(page_url(space)))
    assert "This space has no shared link yet." in page

    response = admin_client.post(
        f"/spaces/{space.id}/shared-link/regenerate/", {"expires_in_days": "7"}, follow=True
    )
    assert "Shared link made." in text(response)
    link = SharedLink.objects.get(space=space)
    assert (
        timedelta(days=7) - timedelta(minutes=1)
        < link.expires_at - timezone.now()
        <= timedelta(days=7)
    )
    first_token = link.token
    page = text(response)
    assert first_token not in page  # masked; Copy fetches it
    assert f"sl_••••••••{link.last_four}" in page
    assert 'data-testid="shared-link-expiry">Expires' in page

    copied = admin_client.post(f"/spaces/{space.id}/shared-link/reveal/")
    assert copied.json() == {"value": links.shared_link_url(first_token)}

    response = admin_client.post(
        f"/spaces/{space.id}/shared-link/regenerate/", {"expires_in_days": ""}, follow=True
    )
    assert "New shared link made; the old one stopped working." in text(response)
    assert "Never expires" in text(response)
    assert selectors.shared_link_active(first_token) is None
    link.refresh_from_db()
    assert link.expires_at is None
    assert selectors.shared_link_active(link.token) == link

    response = admin_client.post(f"/spaces/{space.id}/shared-link/disable/", follow=True)
    assert "The shared link was turned off." in text(response)
    assert "The shared link is turned off." in text(response)
    assert selectors.shared_link_active(link.token) is None
    assert admin_client.post(f"/spaces/{space.id}/shared-link/reveal/").status_code == 404
    assert [event.actor_id for event in Event.objects.filter(topic__startswith="shared-link")] == [
        admin_user.id
    ] * 3
    assert topics()[-3:] == [
        "shared-link:regenerated",
        "shared-link:regenerated",
        "shared-link:disabled",
    ]


def test_an_expired_shared_link_says_so_and_cannot_be_copied(admin_client, space, admin_user):
    link, _token = services.shared_link_regenerate(space=space, actor=admin_user)
    SharedLink.objects.filter(pk=link.pk).update(expires_at=timezone.now() - timedelta(hours=1))
    assert "The shared link expired" in text(admin_client.get(page_url(space)))
    assert admin_client.post(f"/spaces/{space.id}/shared-link/reveal/").status_code == 404


@pytest.mark.parametrize("days", ["5", "never", "-1"])
def test_a_bad_expiry_is_a_400_and_changes_nothing(admin_client, space, admin_user, days):
    services.shared_link_regenerate(space=space, actor=admin_user)
    before = state()
    response = admin_client.post(
        f"/spaces/{space.id}/shared-link/regenerate/", {"expires_in_days": days}
    )
    assert response.status_code == 400
    assert '<dialog id="regenerate-shared-link" data-open-on-load>' in text(response)
    assert "Select a valid choice." in text(response)
    assert state() == before


def test_shared_link_actions_are_refused_where_shared_links_are_not_allowed(
    admin_client, environment, space, admin_user
):
    services.shared_link_regenerate(space=space, actor=admin_user)
    environment.guest_authentication = [GuestAuthentication.MAGIC_LINK]
    environment.save(update_fields=["guest_authentication"])
    before = state()
    response = admin_client.post(f"/spaces/{space.id}/shared-link/regenerate/", {})
    assert response.status_code == 400
    assert services.METHOD_OFF[GuestAuthentication.SHARED_LINK] in text(response)
    assert admin_client.post(f"/spaces/{space.id}/shared-link/reveal/").status_code == 404
    assert state() == before


def test_disabling_a_shared_link_that_is_off_says_why(admin_client, space):
    response = admin_client.post(f"/spaces/{space.id}/shared-link/disable/")
    assert response.status_code == 400
    assert "This space has no shared link turned on." in text(response)
