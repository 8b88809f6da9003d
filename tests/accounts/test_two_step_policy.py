"""The "Require two-step verification for administrators" policy: the service that turns it
on and off, the Team page's switch and column, and the middleware that keeps an administrator
without a second factor to setting one up."""

import re

import pyotp
import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from accounts import services
from accounts.models import AdminInvitation, Event, User
from accounts.services.two_step_policy import SET_UP_YOURS_FIRST
from accounts.two_step_policy import LOCKED_IN
from portal.encryption import decrypt
from tests.factories import (
    AdministratorFactory,
    PersonalAccessTokenFactory,
    SpaceFactory,
    development,
)
from tests.pages import text
from tests.reauthentication_helpers import recently_authenticated
from tests.tokens.conftest import bearer
from tests.two_step_policy_helpers import add_authenticator_app, add_passkey

MIDDLEWARE = "accounts.two_step_policy.TwoStepPolicyMiddleware"


def policy_events(account):
    return list(
        Event.objects.filter(account=account, topic="account:updated").order_by("created_at")
    )


def require(account, actor):
    add_authenticator_app(actor)
    services.account_require_two_step(account=account, actor=actor, required=True)


# The service ----------------------------------------------------------------------------------


def test_turning_it_on_needs_a_second_factor_of_ones_own(account, admin_user):
    with pytest.raises(ValidationError) as refused:
        services.account_require_two_step(account=account, actor=admin_user, required=True)
    assert refused.value.messages == [SET_UP_YOURS_FIRST]
    account.refresh_from_db()
    assert account.require_two_step is False
    assert policy_events(account) == []


@pytest.mark.parametrize("factor", [add_authenticator_app, add_passkey])
def test_turning_it_on_and_off_is_audited(account, admin_user, factor):
    factor(admin_user)
    services.account_require_two_step(account=account, actor=admin_user, required=True)
    account.refresh_from_db()
    assert account.require_two_step is True
    # Unchanged: nothing written.
    services.account_require_two_step(account=account, actor=admin_user, required=True)
    services.account_require_two_step(account=account, actor=admin_user, required=False)
    account.refresh_from_db()
    assert account.require_two_step is False
    on, off = policy_events(account)
    assert on.actor_id == off.actor_id == admin_user.id
    assert on.payload == {"changed": ["require_two_step"], "requireTwoStep": True}
    assert off.payload == {"changed": ["require_two_step"], "requireTwoStep": False}


def test_an_unconfirmed_authenticator_app_is_not_enough(account, admin_user):
    add_authenticator_app(admin_user, confirmed=False)
    with pytest.raises(ValidationError):
        services.account_require_two_step(account=account, actor=admin_user, required=True)


def test_turning_it_off_needs_no_second_factor(account, admin_user, other_admin):
    require(account, admin_user)
    services.account_require_two_step(account=account, actor=other_admin, required=False)
    account.refresh_from_db()
    assert account.require_two_step is False


# The Team page --------------------------------------------------------------------------------


def test_the_switch_turns_it_on_after_asking_who_it_is(admin_client, account, admin_user):
    add_authenticator_app(admin_user)
    # The session signed in long ago (force_login): the page asks for the password first.
    asked = admin_client.post("/team/two-step/", {"required": "true"})
    assert asked.status_code == 403
    assert "how every administrator of the account signs in" in text(asked)
    account.refresh_from_db()
    assert account.require_two_step is False

    recently_authenticated(admin_client)
    response = admin_client.post("/team/two-step/", {"required": "true"}, follow=True)
    assert response.redirect_chain == [("/team/", 302)]
    assert "Two-step verification is now required" in text(response)
    assert "Stop requiring two-step verification" in text(response)
    account.refresh_from_db()
    assert account.require_two_step is True

    response = admin_client.post("/team/two-step/", {"required": "false"}, follow=True)
    assert "no longer required" in text(response)
    account.refresh_from_db()
    assert account.require_two_step is False


def test_the_switch_refuses_whoever_has_no_second_factor(admin_client, account):
    recently_authenticated(admin_client)
    response = admin_client.post("/team/two-step/", {"required": "true"})
    assert response.status_code == 400
    assert "Set up two-step verification for yourself first" in text(response)
    account.refresh_from_db()
    assert account.require_two_step is False


@pytest.mark.parametrize("body", [{}, {"required": "maybe"}, {"required": ["true", "x" * 5000]}])
def test_the_switch_refuses_bad_input(admin_client, account, admin_user, body):
    add_authenticator_app(admin_user)
    recently_authenticated(admin_client)
    response = admin_client.post("/team/two-step/", body)
    assert response.status_code == 400
    account.refresh_from_db()
    assert account.require_two_step is False


def test_the_switch_is_a_post_and_for_administrators_only(admin_client, stranger, account):
    assert admin_client.get("/team/two-step/").status_code == 405
    signed_out = Client().post("/team/two-step/", {"required": "true"})
    assert signed_out["Location"].startswith("/login/")
    add_authenticator_app(stranger)
    other = Client()
    other.force_login(stranger)
    recently_authenticated(other)
    # Another account's administrator changes their own account, never this one.
    other.post("/team/two-step/", {"required": "true"})
    account.refresh_from_db()
    assert account.require_two_step is False


def test_the_team_page_shows_who_has_two_step_verification(admin_client, account, admin_user):
    with_app = AdministratorFactory(account=account, email="app@example.com")
    with_passkey = AdministratorFactory(account=account, email="passkey@example.com")
    add_authenticator_app(with_app)
    add_passkey(with_passkey)
    AdministratorFactory(account=account, email="unconfirmed@example.com")
    add_authenticator_app(User.objects.get(email="unconfirmed@example.com"), confirmed=False)
    page = text(admin_client.get("/team/"))
    rows = dict(
        re.findall(
            r"<td>(?:[^<]*<br><span[^>]*>)?([^<\s]+@[^<\s]+).*?data-testid=\"two-step\">(.*?)</td>",
            page,
            re.S,
        )
    )
    states = {email: ("On" if ">On<" in cell else "Off") for email, cell in rows.items()}
    assert states == {
        admin_user.email: "Off",
        "app@example.com": "On",
        "passkey@example.com": "On",
        "unconfirmed@example.com": "Off",
    }


def test_the_team_pages_queries_do_not_grow_with_administrators(
    admin_client, account, django_assert_num_queries
):
    admin_client.get("/team/")
    with CaptureQueriesContext(connection) as one:
        admin_client.get("/team/")
    for number in range(4):
        add_passkey(AdministratorFactory(account=account, email=f"more{number}@example.com"))
    with django_assert_num_queries(len(one)):
        assert admin_client.get("/team/").status_code == 200


@pytest.mark.parametrize(
    ("url", "body"),
    [
        ("/team/", {"email": "new@example.com"}),
        ("remove", {}),
    ],
)
def test_inviting_and_removing_administrators_ask_who_it_is(
    admin_client, account, other_admin, url, body
):
    url = f"/team/{other_admin.id}/remove/" if url == "remove" else url
    response = admin_client.post(url, body)
    assert response.status_code == 403
    assert "Confirm" in text(response)
    assert User.objects.filter(pk=other_admin.pk).exists()
    assert not AdminInvitation.objects.filter(account=account).exists()
    recently_authenticated(admin_client)
    assert admin_client.post(url, body).status_code == 302


# The middleware ------------------------------------------------------------------------------


@pytest.fixture
def locked_in(account, admin_user, other_admin):
    """`other_admin` signed in with a password alone, in an account whose first
    administrator (with an authenticator app) requires two-step verification."""
    require(account, admin_user)
    client = Client()
    client.force_login(other_admin)
    return client


def _pages(account):
    environment = development(account)
    space = SpaceFactory(environment=environment)
    return [
        "/environments/",
        f"/environments/{environment.id}/",
        f"/environments/{environment.id}/settings/",
        f"/spaces/{space.id}/",
        "/team/",
        "/logs/",
        "/profile/",
        "/profile/sessions/",
        "/personal-access-tokens/",
        f"/environments/{environment.id}/api-keys/",
    ]


def test_an_administrator_without_a_second_factor_sees_only_its_setup(locked_in, account):
    for url in ["/", *_pages(account)]:
        response = locked_in.get(url)
        assert (response.status_code, response.get("Location")) == (302, "/profile/security/"), url
    # An unknown address is answered as it always is (no view, nothing of the account shown).
    assert locked_in.get("/no-such-page/").status_code == 404
    page = locked_in.get("/team/", follow=True)
    assert page.redirect_chain == [("/profile/security/", 302)]
    assert LOCKED_IN in text(page)
    assert locked_in.get("/profile/security/").status_code == 200
    # The page's other action.
    assert locked_in.get("/profile/password/").status_code == 200


def test_a_locked_in_administrator_is_offered_no_way_elsewhere(locked_in, account, other_admin):
    page = locked_in.get("/profile/security/").content.decode()
    for elsewhere in ('href="/team/"', 'href="/logs/"', 'href="/spaces/"', 'href="/profile/"'):
        assert elsewhere not in page, elsewhere
    assert 'data-testid="environment-switcher"' not in page
    assert 'href="/personal-access-tokens/"' not in page
    # What is left: this page, and signing out.
    assert 'href="/profile/security/"' in page and 'action="/logout/"' in page
    add_authenticator_app(other_admin)
    page = locked_in.get("/profile/security/").content.decode()
    assert 'href="/team/"' in page and 'data-testid="environment-switcher"' in page


def test_setting_up_an_authenticator_app_opens_everything(locked_in, account, other_admin):
    # Through the pages that set one up, as the person does: begin, read the key, confirm.
    recently_authenticated(locked_in)
    begun = locked_in.post("/profile/security/authenticator-app/begin/")
    assert begun["Location"] == "/profile/security/authenticator-app/"
    setup = locked_in.get("/profile/security/authenticator-app/")
    assert setup.status_code == 200
    app = other_admin.authenticator_app
    code = pyotp.TOTP(decrypt(app.secret)).now()
    confirmed = locked_in.post("/profile/security/authenticator-app/", {"code": code})
    assert confirmed.status_code == 200  # the recovery codes, shown once
    assert locked_in.get("/team/").status_code == 200


def test_a_locked_in_administrator_changes_nothing(locked_in, account, other_admin):
    recently_authenticated(locked_in)
    response = locked_in.post("/team/", {"email": "friend@example.com"})
    assert response["Location"] == "/profile/security/"
    assert not Event.objects.filter(topic="administrator:invited").exists()
    response = locked_in.post("/team/two-step/", {"required": "false"})
    assert response["Location"] == "/profile/security/"
    account.refresh_from_db()
    assert account.require_two_step is True


def test_a_locked_in_administrator_can_sign_out(locked_in):
    assert locked_in.post("/logout/").status_code == 302
    assert "_auth_user_id" not in locked_in.session


def test_the_api_is_not_the_middlewares(locked_in, account, other_admin):
    token = PersonalAccessTokenFactory(user=other_admin)
    assert bearer(APIClient(), token.raw).get("/v1/accounts/current").status_code == 200


@pytest.mark.parametrize("factor", [add_authenticator_app, add_passkey])
def test_once_they_have_a_second_factor_everything_opens(locked_in, account, other_admin, factor):
    factor(other_admin)
    for url in _pages(account):
        assert locked_in.get(url).status_code == 200, url


def test_the_policy_off_keeps_everything_open(account, other_admin):
    client = Client()
    client.force_login(other_admin)
    for url in _pages(account):
        assert client.get(url).status_code == 200, url


def _queries(client, url) -> int:
    client.get(url)  # a first visit may record the current environment in the session
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_the_policy_costs_no_query_where_it_is_off(account, admin_user, settings):
    pages = _pages(account)

    def signed_in() -> Client:
        # A new client loads the middleware as the settings say now (a client's handler
        # loads it once, at its first request).
        client = Client()
        client.force_login(admin_user)
        return client

    with_it = signed_in()
    counts_with_it = {url: _queries(with_it, url) for url in pages}
    settings.MIDDLEWARE = [name for name in settings.MIDDLEWARE if name != MIDDLEWARE]
    without_it = signed_in()
    counts_without_it = {url: _queries(without_it, url) for url in pages}
    assert counts_with_it == counts_without_it
    # The second client really ran without it: the policy, turned on, keeps no one out.
    account.require_two_step = True
    account.save()
    assert without_it.get("/team/").status_code == 200
    assert with_it.get("/team/")["Location"] == "/profile/security/"


def test_where_it_is_on_it_costs_the_second_factors_lookup(admin_client, account, admin_user):
    require(account, admin_user)
    before = _queries(admin_client, "/team/")
    account.require_two_step = False
    account.save()
    # has_second_factor's two lookups: no passkey, then the app.
    assert _queries(admin_client, "/team/") == before - 2


def test_a_new_administrator_sets_up_a_second_step_right_after_joining(
    admin_client, account, admin_user, mailoutbox, django_capture_on_commit_callbacks
):
    require(account, admin_user)
    recently_authenticated(admin_client)
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post("/team/", {"email": "joiner@example.com"})
    token = re.search(r"/invitations/(\S+)/", mailoutbox[-1].body).group(1)
    joiner = Client()
    joiner.get(f"/invitations/{token}/")
    joined = joiner.post(
        "/invitations/accept/",
        {
            "name": "Joiner",
            "password": "a fine long phrase",
            "password_again": "a fine long phrase",
        },
        follow=True,
    )
    assert joined.redirect_chain == [("/", 302), ("/profile/security/", 302)]
    assert LOCKED_IN in text(joined)
    assert joiner.get("/team/")["Location"] == "/profile/security/"
    # Having just set a password, they are not asked for it again to set up an app.
    begun = joiner.post("/profile/security/authenticator-app/begin/")
    assert begun["Location"] == "/profile/security/authenticator-app/"


def test_the_middleware_sits_right_below_authentication():
    names = settings.MIDDLEWARE
    assert names.index(MIDDLEWARE) == (
        names.index("django.contrib.auth.middleware.AuthenticationMiddleware") + 1
    )
