"""Signing in with a second step, through Django's test client: after the right password a
person with an authenticator app gets /login/two-step/, where a code from the app or a
recovery code signs them in. Wrong codes count toward the same limits and django-axes
lockout as wrong passwords; `next` is kept when it is a page of ours."""

from datetime import timedelta

import pyotp
import pytest
from django.test import Client
from django.utils import timezone

from accounts import services, two_step
from accounts.models import AuthenticatorApp, User
from accounts.services.second_factors import recovery_codes_left
from portal.encryption import decrypt
from tests.factories import DEFAULT_PASSWORD
from tests.pages import text

TWO_STEP = "/login/two-step/"
WRONG = "That code is not right. Try the code your app shows now, or a recovery code."
LOCKED = "Too many attempts, try again in 15 minutes."


def with_app(user: User) -> str:
    """Give `user` a confirmed authenticator app whose steps are all unused; its secret."""
    app, _ = services.authenticator_app_begin(user)
    AuthenticatorApp.objects.filter(pk=app.pk).update(confirmed_at=timezone.now())
    return decrypt(app.secret)


def current_code(secret: str) -> str:
    return pyotp.TOTP(secret).now()


def wrong_code(secret: str) -> str:
    """A 6-digit code no step near now has."""
    totp = pyotp.TOTP(secret)
    near = {totp.at(timezone.now() + timedelta(seconds=30 * n)) for n in range(-3, 4)}
    return next(f"{n:06d}" for n in range(1_000_000) if f"{n:06d}" not in near)


def password(client, user, path="/login/", secret=DEFAULT_PASSWORD):
    return client.post(path, {"username": user.email, "password": secret})


def code(client, typed, **fields):
    return client.post(TWO_STEP, {"code": typed, **fields})


def signed_in(client) -> bool:
    return "_auth_user_id" in client.session


@pytest.fixture
def secret(admin_user):
    return with_app(admin_user)


@pytest.fixture
def no_rate_limits(settings):
    """Only django-axes' count, for the tests about it: the per-address limit (10 a minute)
    counts a sign-in's password and codes together and would answer first."""
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "login-address": (1000, 60)}


# The flow ----------------------------------------------------------------------------------------


def test_the_right_password_asks_for_the_second_step_without_signing_in(client, admin_user, secret):
    response = password(client, admin_user)
    assert response.status_code == 302
    assert response["Location"] == TWO_STEP
    assert not signed_in(client)
    assert two_step.PENDING_USER in client.session
    # No page of the account opens before the second step.
    assert client.get("/").status_code == 302
    page = client.get(TWO_STEP)
    assert page.status_code == 200
    assert 'name="code"' in text(page) and 'autocomplete="one-time-code"' in text(page)
    assert "no-store" in page["Cache-Control"]


def test_a_code_from_the_app_signs_in_and_marks_the_authentication(client, admin_user, secret):
    password(client, admin_user)
    response = code(client, current_code(secret))
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert signed_in(client)
    assert client.session["_auth_user_id"] == admin_user.pk
    assert two_step.AUTHENTICATED_AT in client.session
    assert two_step.PENDING_USER not in client.session
    assert client.get("/").status_code == 302  # home goes on to the first environment
    assert AuthenticatorApp.objects.get(user=admin_user).last_used_at is not None


def test_a_code_is_refused_the_second_time(admin_user, secret):
    first, second = Client(), Client()
    password(first, admin_user)
    password(second, admin_user)
    typed = current_code(secret)
    assert code(first, typed).status_code == 302
    response = code(second, typed)
    assert response.status_code == 400
    assert WRONG in text(response)
    assert not signed_in(second)


def test_a_recovery_code_signs_in_once(admin_user, secret):
    recovery = services.recovery_codes_generate(admin_user)[0]
    first = Client()
    password(first, admin_user)
    assert code(first, recovery.upper().replace("-", " ")).status_code == 302
    assert signed_in(first)
    assert recovery_codes_left(admin_user) == 9
    again = Client()
    password(again, admin_user)
    response = code(again, recovery)
    assert response.status_code == 400 and WRONG in text(response)
    assert not signed_in(again)


def test_a_person_without_a_second_factor_signs_in_with_the_password_alone(client, admin_user):
    # An app begun but not confirmed is not a factor.
    services.authenticator_app_begin(admin_user)
    response = password(client, admin_user)
    assert response["Location"] == "/"
    assert signed_in(client)
    # The password proved who it is, for the dangerous actions (re-authentication) too.
    assert two_step.AUTHENTICATED_AT in client.session


def test_the_page_offers_a_passkey_too(client, admin_user, secret):
    password(client, admin_user)
    page = text(client.get(TWO_STEP))
    assert "passkey_response" in page
    assert "Use a passkey" in page


# Where it goes next ------------------------------------------------------------------------------


def test_next_is_kept_through_the_second_step(client, admin_user, secret):
    response = password(client, admin_user, path="/login/?next=/spaces/")
    assert response["Location"] == f"{TWO_STEP}?next=%2Fspaces%2F"
    page = text(client.get(response["Location"]))
    assert 'name="next" value="/spaces/"' in page
    assert code(client, current_code(secret), next="/spaces/")["Location"] == "/spaces/"


@pytest.mark.parametrize(
    "elsewhere",
    [
        "https://evil.example/",
        "//evil.example/",
        "http://testserver.evil.example/",
        "/\\evil.example/",
        "javascript:alert(1)",
    ],
)
def test_next_elsewhere_is_refused(client, admin_user, secret, elsewhere):
    response = client.post(
        f"/login/?next={elsewhere}", {"username": admin_user.email, "password": DEFAULT_PASSWORD}
    )
    assert response["Location"] == TWO_STEP
    assert 'value=""' in text(client.get(f"{TWO_STEP}?next={elsewhere}"))
    assert code(client, current_code(secret), next=elsewhere)["Location"] == "/"
    assert signed_in(client)


# No first step, or too old -----------------------------------------------------------------------


def test_without_the_first_step_the_page_sends_back_to_sign_in(client, admin_user, secret):
    for response in (client.get(TWO_STEP), code(client, current_code(secret))):
        assert response.status_code == 302
        assert response["Location"] == "/login/"
    page = text(client.get("/login/"))
    assert "please sign in again" in page
    assert not signed_in(client)


def test_after_ten_minutes_the_first_step_is_forgotten(client, admin_user, secret):
    password(client, admin_user)
    session = client.session
    session[two_step.PENDING_SINCE] -= two_step.PENDING_SECONDS + 1
    session.save()
    response = code(client, current_code(secret))
    assert response["Location"] == "/login/"
    assert not signed_in(client)
    # The code was not spent either: a new sign-in may use it.
    assert AuthenticatorApp.objects.get(user=admin_user).last_used_step == 0


def test_a_person_deactivated_meanwhile_is_not_signed_in(client, admin_user, secret):
    password(client, admin_user)
    User.objects.filter(pk=admin_user.pk).update(is_active=False)
    assert code(client, current_code(secret))["Location"] == "/login/"
    assert not signed_in(client)


def test_a_signed_in_person_visiting_the_page_goes_home(admin_client):
    assert admin_client.get(TWO_STEP)["Location"] == "/"


# Wrong codes and limits --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "fields",
    [
        {},
        {"code": ""},
        {"code": "x" * 10_000},
        {"code": "\x00\x01"},
        {"code": "１２３４５６"},
        {"code": ["123456", "654321"]},
        {"code": "' OR 1=1 --"},
        {"passkey_response": "not json"},
        {"passkey_response": "{}"},
    ],
)
def test_junk_is_a_400_never_a_500(client, admin_user, secret, fields):
    password(client, admin_user)
    response = client.post(TWO_STEP, fields)
    assert response.status_code == 400
    assert not signed_in(client)
    assert client.get(TWO_STEP).status_code == 200  # still waiting for the second step


def test_a_wrong_code_says_so_and_keeps_the_first_step(client, admin_user, secret):
    password(client, admin_user)
    response = code(client, wrong_code(secret))
    assert response.status_code == 400
    assert WRONG in text(response)
    assert not signed_in(client)
    assert code(client, current_code(secret))["Location"] == "/"


def test_ten_wrong_codes_lock_the_sign_in_out(client, admin_user, secret, no_rate_limits):
    recovery = services.recovery_codes_generate(admin_user)[0]
    password(client, admin_user)
    for _ in range(9):
        assert code(client, wrong_code(secret)).status_code == 400
    locked = code(client, wrong_code(secret))
    assert locked.status_code == 429
    assert locked["Retry-After"] == "900"
    assert LOCKED in text(locked)
    # Locked: the right code is refused and a recovery code is not even looked at (not spent).
    assert code(client, current_code(secret)).status_code == 429
    assert code(client, recovery).status_code == 429
    assert recovery_codes_left(admin_user) == 10
    assert not signed_in(client)
    # The password too, as after ten wrong passwords: the same (email, address).
    assert password(Client(), admin_user).status_code == 429


def test_wrong_passwords_and_wrong_codes_share_one_count(client, admin_user, secret, settings):
    settings.AXES_FAILURE_LIMIT = 4
    password(client, admin_user, secret="guess")
    password(client, admin_user, secret="guess")
    password(client, admin_user)
    assert code(client, wrong_code(secret)).status_code == 400
    assert code(client, wrong_code(secret)).status_code == 429


def test_a_lockout_is_per_email_and_address(admin_user, secret, settings):
    settings.AXES_FAILURE_LIMIT = 2
    stranger = Client(REMOTE_ADDR="203.0.113.9")
    password(stranger, admin_user)
    code(stranger, wrong_code(secret))
    assert code(stranger, wrong_code(secret)).status_code == 429
    # The owner, from their own address, is not locked out by a stranger's guesses.
    owner = Client(REMOTE_ADDR="198.51.100.7")
    password(owner, admin_user)
    assert code(owner, current_code(secret))["Location"] == "/"


def test_signing_in_clears_the_count(admin_user, secret, settings):
    settings.AXES_FAILURE_LIMIT = 4
    client = Client()
    password(client, admin_user)
    for _ in range(3):
        code(client, wrong_code(secret))
    assert code(client, current_code(secret))["Location"] == "/"
    client.post("/logout/")
    # Three more failures would have locked it with the earlier three still counted.
    for _ in range(3):
        assert password(client, admin_user, secret="guess").status_code == 200
    assert password(client, admin_user).status_code == 302


def test_codes_count_toward_the_per_address_rate_limit(
    client, admin_user, secret, settings, one_rate_limit_window
):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "login-address": (3, 60)}
    password(client, admin_user)
    code(client, wrong_code(secret))
    code(client, wrong_code(secret))
    refused = code(client, current_code(secret))
    assert refused.status_code == 429
    assert "Too many attempts, try again in" in text(refused)
    assert not signed_in(client)
    assert AuthenticatorApp.objects.get(user=admin_user).last_used_step == 0


# A passkey as the second step ---------------------------------------------------------------------


def test_a_passkey_of_ones_own_is_the_second_step_too(rf, client, admin_user):
    from tests.accounts.test_passkeys import CHALLENGE, add_passkey, authenticator

    device = authenticator()
    add_passkey(rf, admin_user, device)
    password(client, admin_user, path="/login/?next=/team/")
    options = client.post(CHALLENGE).content
    response = client.post(
        TWO_STEP, {"passkey_response": device.assertion(options), "next": "/team/"}
    )
    assert response.status_code == 302 and response["Location"] == "/team/"
    assert signed_in(client) and two_step.AUTHENTICATED_AT in client.session


def test_a_refused_passkey_says_so_and_counts_as_a_failure(rf, client, admin_user, settings):
    from tests.accounts.test_passkeys import CHALLENGE, add_passkey, authenticator

    settings.AXES_FAILURE_LIMIT = 2
    device = authenticator()
    add_passkey(rf, admin_user, device)
    password(client, admin_user)
    options = client.post(CHALLENGE).content
    # Signed for another site (a phishing page's origin): not an answer for this one.
    phished = device.assertion(options, origin="https://portal.evil.example")
    response = client.post(TWO_STEP, {"passkey_response": phished})
    assert response.status_code == 400
    assert "That passkey did not answer." in text(response)
    assert not signed_in(client)
    assert client.post(TWO_STEP, {"passkey_response": "junk"}).status_code == 429
