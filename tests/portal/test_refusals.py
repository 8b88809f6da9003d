"""Every refusal a guest, a signed-out person or an administrator can meet in a browser is the
portal's own page, with DEBUG on and off: the phone viewport (Django's own 404, 403, 400 and
technical pages have none, so a phone lays them out 980 px wide), the account's name where it
is known, and one next step."""

import pytest
from django.core.exceptions import BadRequest, PermissionDenied, SuspiciousOperation
from django.test import Client
from django.urls import path
from django.utils import timezone
from django.views import defaults

from guests import services, sessions
from portal import urls as portal_urls
from tests.factories import SpaceFactory, administrator_of, development, make_account
from tests.guests.conftest import make_guest

VIEWPORT = '<meta name="viewport" content="width=device-width, initial-scale=1">'
GUEST_HOME = 'href="/guest/">Back to your spaces</a>'
ADMIN_HOME = 'href="/">Back to your spaces</a>'
SIGN_IN = 'href="/login/">Sign in</a>'


def forbidden(request):
    raise PermissionDenied


def unreadable(request):
    raise BadRequest


def suspicious(request):
    raise SuspiciousOperation("made up")


# The portal's URLs, with views that refuse as Django's own code does (no page of the portal
# raises these for a person today, but middleware and Django itself may).
urlpatterns = [
    path("refuse/403/", forbidden),
    path("refuse/400/", unreadable),
    path("refuse/400-suspicious/", suspicious),
    *portal_urls.urlpatterns,
]
handler400 = portal_urls.handler400
handler403 = portal_urls.handler403
handler404 = portal_urls.handler404
handler500 = portal_urls.handler500


@pytest.fixture(params=[False, True], ids=["debug-off", "debug-on"])
def debug(request, settings):
    settings.DEBUG = request.param
    settings.ROOT_URLCONF = __name__
    return request.param


@pytest.fixture
def world(db):
    account = make_account(name="Initech Holdings")
    environment = development(account)
    space = SpaceFactory(environment=environment, name="Onboarding")
    other = SpaceFactory(environment=environment, name="Billing")
    guest = make_guest(environment, email="gail@example.com", name="Gail", spaces=[space, other])
    return account, space, other, guest


def guest_browser(guest) -> Client:
    """A browser holding the guest's session, as confirming a magic link leaves it."""
    client = Client()
    session = client.session
    session[sessions.GUEST_ID_KEY] = guest.id
    session[sessions.ENVIRONMENT_ID_KEY] = guest.environment_id
    session[sessions.ACTIVE_AT_KEY] = timezone.now().timestamp()
    session.save()
    client.cookies["sessionid"] = session.session_key
    return client


def assert_portal_page(response, status: int, *, next_step: str, account: str | None):
    assert response.status_code == status
    assert response["Content-Type"].startswith("text/html")
    html = response.content.decode()
    assert VIEWPORT in html, html[:400]
    assert 'data-testid="refusal"' in html
    assert next_step in html
    if account is not None:
        assert f'class="brand" href="/" title="{account}"' in html or (
            f'class="brand" title="{account}"' in html
        ), html[:1200]
    # Never Django's own words, nor its technical pages' list of routes.
    assert "URLconf" not in html and "Traceback" not in html


@pytest.mark.parametrize(
    "url", ["/no-such-page/", "/spaces/sp_unknown/", "/guest/no-such-page/", "/guest/"]
)
def test_signed_out_refusals_are_portal_pages_leading_to_sign_in(client, debug, db, url):
    response = client.get(url)
    if url == "/guest/":  # a guest page's own refusal: the session ended
        assert response.status_code == 403
        assert VIEWPORT in response.content.decode()
        return
    if url.startswith("/spaces/"):  # an administrator's page: sign in first
        assert response.status_code == 302
        return
    assert_portal_page(response, 404, next_step=SIGN_IN, account=None)


def test_a_guest_is_refused_a_space_not_theirs_with_their_account_and_a_way_back(debug, world):
    account, space, other, guest = world
    browser = guest_browser(guest)
    elsewhere = SpaceFactory(environment=space.environment, name="Payroll")
    for url in [
        "/guest/spaces/sp_unknown/",  # an unknown space
        f"/guest/spaces/{elsewhere.id}/",  # a space never granted
        "/guest/no-such-page/",  # an unknown guest page
        "/team/",  # an administrator's page
        "/no-such-page/",  # an unknown page
    ]:
        response = browser.get(url)
        assert_portal_page(response, 404, next_step=GUEST_HOME, account="Initech Holdings")
        assert "Gail" in response.content.decode()  # the guest's own bar: who is signed in


def test_a_guest_removed_from_a_space_is_refused_it_with_a_way_back(debug, world):
    account, space, other, guest = world
    browser = guest_browser(guest)
    assert browser.get(f"/guest/spaces/{space.id}/").status_code == 200
    services.guest_remove_from_space(guest=guest, space=space, actor=administrator_of(account))
    response = browser.get(f"/guest/spaces/{space.id}/")
    assert_portal_page(response, 404, next_step=GUEST_HOME, account="Initech Holdings")
    # The way back leads to the space the guest still has.
    assert browser.get("/guest/").url == f"/guest/spaces/{other.id}/"


def test_an_administrator_is_refused_with_their_account_and_a_way_back(
    admin_client, account, debug
):
    for url in ["/spaces/sp_unknown/", "/no-such-page/"]:
        response = admin_client.get(url)
        assert_portal_page(response, 404, next_step=ADMIN_HOME, account=account.name)


@pytest.mark.parametrize(
    ("url", "status"),
    [("/refuse/403/", 403), ("/refuse/400/", 400), ("/refuse/400-suspicious/", 400)],
)
def test_403_and_400_are_portal_pages(client, debug, db, url, status):
    assert_portal_page(client.get(url), status, next_step=SIGN_IN, account=None)


def test_a_400_raised_before_any_view_is_a_portal_page(client, debug, world, settings):
    # Too many fields: Django refuses the form when the CSRF check reads it, in a middleware.
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 5
    too_many = {f"field{number}": "x" for number in range(10)}
    assert_portal_page(client.post("/login/", too_many), 400, next_step=SIGN_IN, account=None)
    account, space, other, guest = world
    response = guest_browser(guest).post(f"/guest/spaces/{space.id}/invite/", too_many)
    assert_portal_page(response, 400, next_step=GUEST_HOME, account="Initech Holdings")


def test_a_form_refused_for_its_csrf_token_is_a_portal_page(debug, world):
    account, space, other, guest = world
    signed_out = Client(enforce_csrf_checks=True)
    response = signed_out.post("/login/", {"email": "a@example.com", "password": "x"})
    assert_portal_page(response, 403, next_step=SIGN_IN, account=None)
    assert "This form has expired" in response.content.decode()
    browser = guest_browser(guest)
    browser.handler.enforce_csrf_checks = True
    response = browser.post(f"/guest/spaces/{space.id}/invite/", {"name": "A", "email": "a@b.c"})
    assert_portal_page(response, 403, next_step=GUEST_HOME, account="Initech Holdings")


def test_an_address_opened_that_only_takes_a_form_is_a_portal_page(client, debug, world):
    # Sign out and the like take a POST: opened by a link or a bookmark, Django's answer is an
    # empty 405.
    response = client.get("/logout/")
    assert_portal_page(response, 405, next_step=SIGN_IN, account=None)
    assert response["Allow"] == "POST, OPTIONS"  # what Django's LogoutView takes
    account, space, other, guest = world
    response = guest_browser(guest).get("/guest/sign-out/")
    assert_portal_page(response, 405, next_step=GUEST_HOME, account="Initech Holdings")
    assert response["Allow"] == "POST"
    admin = Client()
    admin.force_login(administrator_of(account))
    response = admin.get(f"/spaces/{space.id}/delete/")
    assert_portal_page(response, 405, next_step=ADMIN_HOME, account="Initech Holdings")


def test_the_api_keeps_its_json_404_with_debug_on_or_off(client, debug, db):
    for url in ["/v1/nothing", "/v1/nothing/", "/api/v1/spaces/us_sp_x/extra"]:
        response = client.get(url)
        assert response.status_code == 404
        assert response["Content-Type"] == "application/json"


def test_a_server_error_page_fits_a_phone_with_debug_off(rf):
    response = defaults.server_error(rf.get("/spaces/"))  # handler500 outside the API
    assert response.status_code == 500
    assert VIEWPORT in response.content.decode()
