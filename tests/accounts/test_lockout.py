"""Failed sign-ins lock out one (email, client address) for a while (django-axes): on the
sign-in page (the Django admin sends people there) and POST /v1/auth alike, under one
count, whatever the spelling of the email; a stranger's guesses never lock the owner out of
their own address. The rate limits beside it are in test_views_sign_in.py and tests/tokens/."""

import time

import pytest
from django.test import Client
from rest_framework.test import APIClient

from accounts.models import User, normalize_email
from tests.factories import DEFAULT_PASSWORD
from tests.pages import text

LOCKED = "Too many attempts, try again in 15 minutes."


def sign_in(client, email, password=DEFAULT_PASSWORD, path="/login/"):
    return client.post(path, {"username": email, "password": password})


def signed_in(client) -> bool:
    return "_auth_user_id" in client.session


@pytest.fixture
def superuser(db):
    return User.objects.create_superuser("root@example.com", DEFAULT_PASSWORD)


# One spelling -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        (" Admin@Example.COM\t\n", "admin@example.com"),
        ("\u3000admin@example.com", "admin@example.com"),  # an ideographic space
        ("\uff41dmin@example.com", "admin@example.com"),  # a full-width "a" (NFKC)
        ("", ""),
        (None, ""),
        (["admin@example.com"], ""),
        ("\ud800admin@example.com", ""),  # a lone surrogate is nobody's address
    ],
)
def test_normalize_email(typed, stored):
    assert normalize_email(typed) == stored


def test_users_are_stored_under_the_one_spelling(db):
    user = User.objects.create_user(" Someone@Example.COM ", DEFAULT_PASSWORD)
    assert user.email == "someone@example.com"
    assert User.objects.get_by_natural_key("\tSOMEONE@example.com") == user
    user.email = "Other@Example.COM"  # the admin's form field has stripped it already
    user.full_clean()  # what the Django admin's forms run
    assert user.email == "other@example.com"


# The Django admin's login --------------------------------------------------------------------


def test_the_admin_signs_people_in_only_through_the_portals_sign_in(superuser):
    # 15 wrong guesses, then the right one, used to sign a superuser in at /admin/login/.
    client = Client()
    for _ in range(15):
        response = sign_in(client, superuser.email, "guess", path="/admin/login/")
        assert response.status_code == 302
        assert response["Location"].startswith("/login/?next=/admin/login/")
    assert sign_in(client, superuser.email, path="/admin/login/?next=/admin/").status_code == 302
    assert not signed_in(client)
    # Through the portal's sign-in, limited like every other, the superuser reaches the admin.
    response = client.post(
        "/login/?next=/admin/", {"username": superuser.email, "password": DEFAULT_PASSWORD}
    )
    assert response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_the_tenth_failure_locks(superuser):
    client = Client()
    for _ in range(9):
        assert sign_in(client, superuser.email, "guess").status_code == 200
    assert sign_in(client, superuser.email, "guess").status_code == 429


def test_both_ways_in_of_the_portal_share_one_count(admin_user, settings):
    # One identity, one count: guesses on the sign-in page and the auth endpoint add up.
    settings.AXES_FAILURE_LIMIT = 3
    client = Client()
    sign_in(client, admin_user.email, "guess")
    sign_in(client, admin_user.email, "guess")
    APIClient().post("/v1/auth", {"email": admin_user.email, "password": "guess"}, format="json")
    assert sign_in(client, admin_user.email).status_code == 429
    assert not signed_in(client)


# The sign-in page -------------------------------------------------------------------------------


def test_a_locked_out_sign_in_is_the_sign_in_page_saying_why(admin_user, settings):
    settings.AXES_FAILURE_LIMIT = 3
    client = Client()
    for _ in range(3):
        sign_in(client, admin_user.email, "guess")
    response = sign_in(client, f" {admin_user.email} ")
    assert response.status_code == 429
    assert response["Retry-After"] == "900"
    assert response.templates[0].name == "accounts/login.html"
    page = text(response)
    assert f'<ul class="errorlist" role="alert"><li>{LOCKED}</li></ul>' in page
    assert "do not match an account" not in page
    assert f'value=" {admin_user.email} "' in page  # what was typed is kept
    assert not signed_in(client)


def test_a_locked_out_sign_in_does_not_check_the_password(admin_user, settings, monkeypatch):
    settings.AXES_FAILURE_LIMIT = 1
    client = Client()
    sign_in(client, admin_user.email, "guess")
    checked = []
    monkeypatch.setattr(User, "check_password", lambda self, raw: checked.append(raw))
    assert sign_in(client, admin_user.email).status_code == 429
    assert checked == []


SPELLINGS = [
    pytest.param(lambda email: f" {email}", id="leading-space"),
    pytest.param(lambda email: f"{email}\t", id="trailing-tab"),
    pytest.param(lambda email: email.upper(), id="upper-case"),
    pytest.param(lambda email: f"  {email.title()} ", id="title-case-padded"),
]


@pytest.mark.parametrize("path", ["/login/", "/login/?next=/admin/"])
@pytest.mark.parametrize("spelling", SPELLINGS)
def test_another_spelling_of_the_email_is_the_same_identity(superuser, settings, spelling, path):
    settings.AXES_FAILURE_LIMIT = 3
    client = Client()
    for _ in range(3):
        sign_in(client, superuser.email, "guess", path=path)
    assert sign_in(client, spelling(superuser.email), path=path).status_code == 429
    assert not signed_in(client)


@pytest.mark.parametrize("path", ["/login/", "/login/?next=/admin/"])
@pytest.mark.parametrize("spelling", SPELLINGS)
def test_each_spelling_signs_the_same_person_in(superuser, spelling, path):
    # Counting and authenticating use one spelling: whatever counts as this person signs
    # this person in.
    client = Client()
    assert sign_in(client, spelling(superuser.email), path=path).status_code == 302
    assert client.session["_auth_user_id"] == superuser.pk


def test_guesses_spelled_differently_add_up(admin_user, settings):
    settings.AXES_FAILURE_LIMIT = 3
    client = Client()
    for spelling in (" ", "\t", "  "):
        sign_in(client, f"{spelling}{admin_user.email.upper()}", "guess")
    assert sign_in(client, admin_user.email).status_code == 429


# A stranger cannot lock the owner out ---------------------------------------------------------


@pytest.mark.parametrize("path", ["/login/", "/login/?next=/admin/"])
def test_failures_from_one_address_do_not_lock_out_another(superuser, path):
    stranger = Client(REMOTE_ADDR="198.51.100.7")
    for _ in range(10):
        sign_in(stranger, superuser.email, "guess", path=path)
    assert sign_in(stranger, superuser.email, path=path).status_code == 429
    owner = Client(REMOTE_ADDR="203.0.113.5")
    assert sign_in(owner, superuser.email, path=path).status_code == 302
    assert signed_in(owner)


def test_the_address_is_the_one_the_trusted_proxies_saw(admin_user, settings):
    # Behind one trusted proxy: a stranger claiming ever new addresses in X-Forwarded-For is
    # still counted as the address the proxy saw, and the owner behind the same proxy is not.
    settings.TRUSTED_PROXY_COUNT = 1
    settings.AXES_FAILURE_LIMIT = 3
    for number in range(5):
        stranger = Client(
            REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=f"192.0.2.{number}, 198.51.100.7"
        )
        sign_in(stranger, admin_user.email, "guess")
    assert sign_in(stranger, admin_user.email).status_code == 429
    owner = Client(REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="198.51.100.7, 203.0.113.5")
    assert sign_in(owner, admin_user.email).status_code == 302


def test_a_success_clears_the_count(admin_user, settings):
    settings.AXES_FAILURE_LIMIT = 3
    client = Client()
    for _ in range(2):
        sign_in(client, admin_user.email, "guess")
    assert sign_in(client, admin_user.email).status_code == 302
    client.post("/logout/")
    for _ in range(2):
        assert sign_in(client, admin_user.email, "guess").status_code == 200
    assert sign_in(client, admin_user.email).status_code == 302


def test_the_lockout_ends_after_the_cool_off(admin_user, settings, monkeypatch):
    settings.AXES_FAILURE_LIMIT = 3
    client = Client()
    for _ in range(3):
        sign_in(client, admin_user.email, "guess")
    now = time.time()
    monkeypatch.setattr(time, "time", lambda: now + 899)
    # Still locked a second before the 15 minutes are up; this refused attempt counts as
    # one more failure and starts the cool-off again (what Retry-After says).
    response = sign_in(client, admin_user.email)
    assert response.status_code == 429
    assert response["Retry-After"] == "900"
    monkeypatch.setattr(time, "time", lambda: now + 899 + 899)
    assert sign_in(client, admin_user.email).status_code == 429
    monkeypatch.setattr(time, "time", lambda: now + 899 + 899 + 901)
    assert sign_in(client, admin_user.email).status_code == 302


# Password reset counts the same identity ------------------------------------------------------


@pytest.mark.usefixtures("one_rate_limit_window")
@pytest.mark.parametrize("spelling", SPELLINGS)
def test_password_reset_counts_every_spelling_as_one_email(
    admin_user, settings, mailoutbox, spelling
):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "password-reset": (2, 60)}
    for number in range(2):
        Client(REMOTE_ADDR=f"10.0.0.{number}").post("/password-reset/", {"email": admin_user.email})
    response = Client(REMOTE_ADDR="10.0.0.9").post(
        "/password-reset/", {"email": spelling(admin_user.email)}
    )
    assert response.status_code == 429
    assert len(mailoutbox) == 2
