"""The Sessions page through the test client, one client per browser: what it lists, that
no session key reaches the page, signing another browser out (it is out on its very next
request) or every other one, and the refusals."""

import re

import pytest
from django.test import Client
from qsessions.models import Session

from accounts import services
from accounts.models import Event
from accounts.services.sessions import session_handle
from tests.accounts.sessions_helpers import WINDOWS_FIREFOX, browser, key_of
from tests.factories import DEFAULT_PASSWORD
from tests.pages import text

pytestmark = pytest.mark.django_db

PAGE = "/profile/sessions/"


def end_url(key: str) -> str:
    return f"/profile/sessions/{session_handle(key)}/sign-out/"


def is_signed_out(client: Client) -> bool:
    response = client.get("/profile/")
    return response.status_code == 302 and response["Location"].startswith("/login/")


def test_the_profile_links_to_the_sessions_page(admin_user):
    assert f'href="{PAGE}"' in text(browser(admin_user).get("/profile/"))


def test_the_page_lists_this_and_the_other_session_and_no_key(admin_user, stranger):
    here = browser(admin_user)
    elsewhere = browser(admin_user, WINDOWS_FIREFOX)
    theirs = browser(stranger)

    response = here.get(PAGE)

    assert response.status_code == 200
    page = text(response)
    assert page.count('data-testid="session"') == 2
    assert page.count("This session") == 1
    assert re.search(r"Chrome 131 on macOS <span[^>]*>This session</span>", page)
    assert "Firefox 133 on Windows" in page and "127.0.0.1" in page
    # Only the other session can be signed out from here, by its handle.
    assert page.count("Sign out…") == 1
    assert "Sign out everywhere else…" in page
    assert f'action="{end_url(key_of(elsewhere))}"' in page
    assert end_url(key_of(here)) not in page
    for client in (here, elsewhere, theirs):
        key = key_of(client)
        assert key not in page and key[:8] not in page


def test_signing_another_browser_out_ends_it_on_its_next_request(admin_user):
    here, elsewhere = browser(admin_user), browser(admin_user, WINDOWS_FIREFOX)
    assert not is_signed_out(elsewhere)

    response = here.post(end_url(key_of(elsewhere)))

    assert (response.status_code, response["Location"]) == (302, PAGE)
    page = text(here.get(PAGE))
    assert "That browser is signed out." in page
    assert "Firefox 133 on Windows" not in page
    assert is_signed_out(elsewhere)
    assert not is_signed_out(here)
    assert Event.objects.filter(topic="user:session-ended").count() == 1


def test_signing_out_everywhere_else(admin_user, other_admin):
    here = browser(admin_user)
    others = [browser(admin_user), browser(admin_user, WINDOWS_FIREFOX)]
    colleague = browser(other_admin)

    response = here.post("/profile/sessions/sign-out-others/")

    assert (response.status_code, response["Location"]) == (302, PAGE)
    page = text(here.get(PAGE))
    assert "Signed out of 2 other sessions." in page
    assert "You are signed in nowhere else." in page
    assert "Sign out everywhere else" not in page
    assert all(is_signed_out(other) for other in others)
    assert not is_signed_out(here) and not is_signed_out(colleague)

    here.post("/profile/sessions/sign-out-others/")
    assert "You were signed in nowhere else." in text(here.get(PAGE))
    assert Event.objects.filter(topic="user:session-ended").count() == 1


def test_ending_a_session_not_ones_own_other_session_is_not_found(admin_user, stranger):
    here = browser(admin_user)
    theirs = browser(stranger)
    for url in (
        end_url(key_of(theirs)),  # another person's
        end_url(key_of(here)),  # this one: Sign out ends it
        f"/profile/sessions/{key_of(theirs)}/sign-out/",  # a key is no handle
        "/profile/sessions/junk/sign-out/",
        "/profile/sessions/" + "f" * 2000 + "/sign-out/",
    ):
        assert here.post(url).status_code == 404, url
    assert not is_signed_out(theirs) and not is_signed_out(here)
    assert not Event.objects.filter(topic="user:session-ended").exists()


def test_ending_a_session_already_ended_is_not_found(admin_user):
    here, elsewhere = browser(admin_user), browser(admin_user)
    url = end_url(key_of(elsewhere))
    assert here.post(url).status_code == 302
    assert here.post(url).status_code == 404


def test_the_sign_out_addresses_take_posts_only(admin_user):
    here, elsewhere = browser(admin_user), browser(admin_user)
    assert here.get(end_url(key_of(elsewhere))).status_code == 405
    assert here.get("/profile/sessions/sign-out-others/").status_code == 405
    assert not is_signed_out(elsewhere)


def test_signed_out_visitors_are_sent_to_sign_in(db):
    visitor = Client()
    for response in (visitor.get(PAGE), visitor.post("/profile/sessions/sign-out-others/")):
        assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_a_user_of_no_account_is_refused_the_page(superuser_client):
    assert superuser_client.get(PAGE).status_code == 403
    assert Session.objects.count() == 1


def test_a_session_ended_between_finding_and_ending_it_is_not_found(admin_user, monkeypatch):
    here, elsewhere = browser(admin_user), browser(admin_user)
    find = services.session_key_for_handle

    def found_then_ended_elsewhere(user, handle):
        key = find(user, handle)
        Session.objects.filter(pk=key).delete()  # another request, the same moment
        return key

    monkeypatch.setattr(services, "session_key_for_handle", found_then_ended_elsewhere)
    assert here.post(end_url(key_of(elsewhere))).status_code == 404
    assert not Event.objects.filter(topic="user:session-ended").exists()


@pytest.mark.parametrize(
    ("forwarded", "stored"), [("203.0.113.9", "203.0.113.9"), ("not an address", None)]
)
def test_the_address_shown_is_the_client_behind_the_trusted_proxy(
    admin_user, settings, forwarded, stored
):
    settings.TRUSTED_PROXY_COUNT = 1
    client = Client(headers={"X-Forwarded-For": forwarded})
    client.post("/login/", {"username": admin_user.email, "password": DEFAULT_PASSWORD})
    assert Session.objects.get(pk=key_of(client)).ip == stored
    shown = "Unknown" if stored is None else stored
    assert f'<td><span class="nowrap">{shown}</span></td>' in text(client.get(PAGE))
