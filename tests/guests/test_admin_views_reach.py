"""The administrator's guest pages across accounts: another account's administrator gets
404 and changes nothing; signed-out visitors are sent to sign in."""

from guests import services
from tests.factories import SpaceFactory, administrator_of, development
from tests.guests.admin_page_helpers import nonce_of, state
from tests.guests.conftest import make_guest

# Reach ------------------------------------------------------------------------------------------


def test_another_accounts_administrator_gets_404_and_changes_nothing(
    client, other_account, environment, space, guest, invited, admin_user
):
    services.shared_link_regenerate(space=space, actor=admin_user)
    client.force_login(administrator_of(other_account))
    own_space = SpaceFactory(environment=development(other_account))
    make_guest(development(other_account), spaces=[own_space])  # for its "Copy magic link"
    nonce = nonce_of(client.get(f"/spaces/{own_space.id}/"))
    before = state()
    posts = [
        (f"/spaces/{space.id}/guests/", {"name": "X", "email": "x@example.com"}),
        (f"/spaces/{space.id}/guests/{guest.id}/invite/", {}),
        (f"/spaces/{space.id}/guests/{guest.id}/magic-link/", {"nonce": nonce}),
        (f"/spaces/{space.id}/guests/{guest.id}/remove/", {}),
        (f"/spaces/{space.id}/guests/{guest.id}/delete/", {}),
        (f"/spaces/{space.id}/invitations/{invited.id}/revoke/", {}),
        (f"/spaces/{space.id}/shared-link/reveal/", {}),
        (f"/spaces/{space.id}/shared-link/regenerate/", {}),
        (f"/spaces/{space.id}/shared-link/disable/", {}),
        (f"/environments/{environment.id}/guests/{guest.id}/delete/", {}),
    ]
    for url, data in posts:
        assert client.post(url, data).status_code == 404, url
    assert client.get(f"/environments/{environment.id}/guests/").status_code == 404
    assert client.get(f"/spaces/{space.id}/").status_code == 404
    # Their own space's address with this account's guest: out of reach too.
    for action in ["invite", "remove", "delete"]:
        response = client.post(f"/spaces/{own_space.id}/guests/{guest.id}/{action}/")
        assert response.status_code == 404, action
    assert state() == before


def test_signed_out_visitors_are_sent_to_sign_in(client, environment, space, guest):
    before = state()
    for url in [
        f"/environments/{environment.id}/guests/",
        f"/spaces/{space.id}/guests/{guest.id}/delete/",
    ]:
        assert client.post(url)["Location"].startswith("/login/")
    assert state() == before
