"""The environment's Guests page, through Django's test client: every guest with their
spaces, deleting a guest, and paging."""

import re

from guests.models import Guest
from tests.factories import development, production
from tests.guests.admin_page_helpers import topics
from tests.guests.conftest import make_guest
from tests.pages import text

# The environment's Guests page ----------------------------------------------------------------


def test_the_guests_page_lists_every_guest_with_their_spaces(
    admin_client, environment, space, other_space, workbooks, guest, other_account
):
    make_guest(
        environment, email="limited@example.com", name="Lim", spaces=[(space, workbooks[1:])]
    )
    make_guest(environment, email="nowhere@example.com", name="No One")
    stranger = make_guest(development(other_account), email="stranger@example.com")
    in_production = make_guest(production(environment.account), email="prod@example.com")
    response = admin_client.get(f"/environments/{environment.id}/guests/")
    assert response.status_code == 200
    page = text(response)
    rows = re.findall(r'<tr data-testid="guest-row">.*?</tr>', page, re.S)
    assert len(rows) == 3
    assert "guest@example.com" in rows[0] and "Onboarding" in rows[0] and "Billing" in rows[0]
    assert "All workbooks" in rows[0]
    assert "limited@example.com" in rows[1] and "Deals" in rows[1] and "Contacts" not in rows[1]
    assert "No spaces" in rows[2]
    assert stranger.email not in page and in_production.email not in page
    # The navigation marks it, beside Spaces.
    assert re.search(r'href="/environments/[^"]+/guests/" aria-current="page">Guests</a>', page)


def test_delete_guest_from_the_guests_page(admin_client, environment, guest):
    response = admin_client.post(
        f"/environments/{environment.id}/guests/{guest.id}/delete/", follow=True
    )
    assert response.redirect_chain == [(f"/environments/{environment.id}/guests/", 302)]
    assert "They no longer have access to Billing, Onboarding." in text(response)
    assert not Guest.objects.exists()
    assert topics()[-1] == "guest:deleted"
    # A GET deletes nothing.
    other = make_guest(environment, email="other@example.com")
    admin_client.get(f"/environments/{environment.id}/guests/{other.id}/delete/")
    assert Guest.objects.filter(pk=other.pk).exists()


def test_the_guests_page_pages_through_many_guests(admin_client, environment):
    for number in range(51):
        Guest.objects.create(environment=environment, email=f"g{number}@example.com", name="G")
    first = text(admin_client.get(f"/environments/{environment.id}/guests/"))
    assert first.count('data-testid="guest-row"') == 50 and "Page 1 of 2" in first
    second = text(admin_client.get(f"/environments/{environment.id}/guests/?page=2"))
    assert second.count('data-testid="guest-row"') == 1
