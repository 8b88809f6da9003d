"""Re-authentication before the dangerous actions (accounts.reauthentication): through
Django's test client on deleting an environment, and on a view of the test's own called with
RequestFactory's requests for what the page carries. The tokens pages it guards are in
tests/tokens/test_reauthentication.py."""

import time
from datetime import timedelta

import pytest
from django.contrib.sessions.backends.cache import SessionStore
from django.http import HttpResponse
from django.urls import reverse
from django.utils.html import escape

from accounts import passkeys as webauthn
from accounts import reauthentication, services, two_step
from accounts.models import Environment
from accounts.reauthentication import requires_reauthentication
from tests.accounts.passkey_authenticator import SoftAuthenticator
from tests.accounts.test_two_step_sign_in import current_code, with_app, wrong_code
from tests.factories import DEFAULT_PASSWORD, AdministratorFactory, EnvironmentFactory
from tests.pages import text
from tests.reauthentication_helpers import recently_authenticated

REASON = "Deleting an environment deletes its API keys and secrets with it, and cannot be undone."
ASKED = "Confirm it’s you"
LOCKED = "Too many attempts, try again in 15 minutes."


def authenticated_ago(client, seconds: float):
    session = client.session
    session[two_step.AUTHENTICATED_AT] = time.time() - seconds
    session.save()


def staging(account, admin_user) -> Environment:
    """An environment with nothing in it, which may be deleted (a new one each call)."""
    number = Environment.objects.filter(account=account).count()
    return EnvironmentFactory(account=account, name=f"staging {number}", actor=admin_user)


def delete_url(environment) -> str:
    return reverse("accounts:environment-delete", args=[environment.id])


def carried(response) -> dict:
    """The hidden fields the page's password form carries, by name."""
    context = response.context
    return {name: value for name, value in context["carried"]}


@pytest.fixture
def no_rate_limits(settings):
    """Only django-axes' count: the per-address limit (10 a minute) would answer first."""
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "login-address": (1000, 60)}


# Asking, or not ------------------------------------------------------------------------------


def test_a_stale_session_is_asked_why_and_how(admin_client, account, admin_user):
    environment = staging(account, admin_user)
    response = admin_client.post(delete_url(environment))
    assert response.status_code == 403
    page = text(response)
    assert ASKED in page
    assert escape(REASON) in page
    assert 'name="password"' in page
    assert 'autocomplete="current-password"' in page
    assert f'action="{delete_url(environment)}"' in page
    # No second factor: only the password is offered.
    assert 'name="code"' not in page
    assert "data-passkey-challenge" not in page
    assert Environment.objects.filter(pk=environment.pk).exists()


def test_signing_in_with_force_login_is_not_recent(admin_client, account, admin_user):
    # Nothing proved who the session is: the sign-in page marks it (two_step), this did not.
    assert two_step.AUTHENTICATED_AT not in admin_client.session
    assert admin_client.post(delete_url(staging(account, admin_user))).status_code == 403


def test_within_the_window_nothing_is_asked(admin_client, account, admin_user, settings):
    settings.REAUTHENTICATION_AGE = timedelta(minutes=5)
    authenticated_ago(admin_client, 4 * 60)
    environment = staging(account, admin_user)
    response = admin_client.post(delete_url(environment))
    assert response.status_code == 302
    assert not Environment.objects.filter(pk=environment.pk).exists()


def test_past_the_window_it_asks_again(admin_client, account, admin_user, settings):
    settings.REAUTHENTICATION_AGE = timedelta(minutes=5)
    authenticated_ago(admin_client, 5 * 60 + 1)
    environment = staging(account, admin_user)
    assert admin_client.post(delete_url(environment)).status_code == 403
    assert Environment.objects.filter(pk=environment.pk).exists()


def test_the_window_is_two_hours_by_default(admin_client, account, admin_user):
    authenticated_ago(admin_client, 2 * 3600 - 60)
    assert admin_client.post(delete_url(staging(account, admin_user))).status_code == 302
    authenticated_ago(admin_client, 2 * 3600 + 60)
    response = admin_client.post(delete_url(staging(account, admin_user)))
    assert response.status_code == 403
    assert "You will not be asked again for 2 hours." in text(response)


def test_showing_a_page_asks_nothing(rf, admin_user):
    view = requires_reauthentication("Because.")(lambda request: HttpResponse("shown"))
    request = rf.get("/somewhere/")
    request.user, request.session = admin_user, SessionStore()
    assert view(request).content == b"shown"


# The password ---------------------------------------------------------------------------------


def test_the_password_completes_the_action_and_then_nothing_is_asked(
    admin_client, account, admin_user
):
    first, second = staging(account, admin_user), EnvironmentFactory(account=account, name="qa")
    asked = admin_client.post(delete_url(first))
    response = admin_client.post(
        delete_url(first),
        {"reauthenticate_with": "password", "password": DEFAULT_PASSWORD, **carried(asked)},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:environment-list")
    assert not Environment.objects.filter(pk=first.pk).exists()
    assert two_step.AUTHENTICATED_AT in admin_client.session
    # Within the window: the next one goes through at once.
    assert admin_client.post(delete_url(second)).status_code == 302
    assert not Environment.objects.filter(pk=second.pk).exists()


def test_a_wrong_password_is_refused_and_asks_again(admin_client, account, admin_user):
    environment = staging(account, admin_user)
    response = admin_client.post(
        delete_url(environment), {"reauthenticate_with": "password", "password": "not it"}
    )
    assert response.status_code == 403
    assert reauthentication.WRONG_PASSWORD in text(response)
    assert escape(REASON) in text(response)
    assert Environment.objects.filter(pk=environment.pk).exists()
    assert two_step.AUTHENTICATED_AT not in admin_client.session


def test_only_the_persons_own_password_proves_it(admin_client, account, admin_user):
    colleague = AdministratorFactory(
        account=account, email="colleague@example.com", password="the colleague's own"
    )
    # Checked for the signed-in person's email, whatever email is posted beside it.
    response = admin_client.post(
        delete_url(staging(account, admin_user)),
        {
            "reauthenticate_with": "password",
            "username": colleague.email,
            "password": "the colleague's own",
        },
    )
    assert response.status_code == 403
    assert reauthentication.WRONG_PASSWORD in text(response)


def test_wrong_passwords_count_toward_django_axes_lockout(
    admin_client, account, admin_user, no_rate_limits
):
    environment = staging(account, admin_user)
    wrong = {"reauthenticate_with": "password", "password": "not it"}
    for _ in range(9):
        assert admin_client.post(delete_url(environment), wrong).status_code == 403
    locked = admin_client.post(delete_url(environment), wrong)
    assert locked.status_code == 429
    assert LOCKED in text(locked)
    assert locked["Retry-After"] == "900"
    # Locked out: even the right password is refused now, as on the sign-in page.
    right = {"reauthenticate_with": "password", "password": DEFAULT_PASSWORD}
    assert admin_client.post(delete_url(environment), right).status_code == 429
    assert Environment.objects.filter(pk=environment.pk).exists()
    # And the sign-in page itself is locked for this email and address.
    admin_client.logout()
    signing_in = admin_client.post(
        "/login/", {"username": admin_user.email, "password": DEFAULT_PASSWORD}
    )
    assert signing_in.status_code == 429


def test_attempts_count_toward_the_sign_in_pages_limit(
    admin_client, account, admin_user, one_rate_limit_window, settings
):
    settings.AXES_FAILURE_LIMIT = 100  # only the rate limit, for this test
    environment = staging(account, admin_user)
    wrong = {"reauthenticate_with": "password", "password": "not it"}
    # The sign-in page's limit per client address: 10 attempts a minute, whatever they are.
    for _ in range(10):
        assert admin_client.post(delete_url(environment), wrong).status_code == 403
    over = admin_client.post(
        delete_url(environment), {"reauthenticate_with": "password", "password": DEFAULT_PASSWORD}
    )
    assert over.status_code == 429
    assert "Too many attempts, try again in" in text(over)
    assert 0 < int(over["Retry-After"]) <= 61
    assert Environment.objects.filter(pk=environment.pk).exists()


def test_a_right_password_clears_the_failures(admin_client, account, admin_user, no_rate_limits):
    environment = staging(account, admin_user)
    for _ in range(9):
        admin_client.post(
            delete_url(environment), {"reauthenticate_with": "password", "password": "x"}
        )
    right = {"reauthenticate_with": "password", "password": DEFAULT_PASSWORD}
    assert admin_client.post(delete_url(environment), right).status_code == 302
    authenticated_ago(admin_client, 3 * 3600)
    # Nine more wrong ones would lock had the count not started again.
    for _ in range(9):
        assert (
            admin_client.post(
                delete_url(staging(account, admin_user)),
                {"reauthenticate_with": "password", "password": "x"},
            ).status_code
            == 403
        )


@pytest.mark.parametrize(
    "fields",
    [
        {"reauthenticate_with": "password"},
        {"reauthenticate_with": "password", "password": ""},
        {"reauthenticate_with": "password", "password": "x" * 5000},
        {"reauthenticate_with": "password", "password": "nul\x00"},
        {"reauthenticate_with": "fingerprint", "password": DEFAULT_PASSWORD},
        {"reauthenticate_with": ""},
        {"reauthenticate_with": "code", "code": "123456"},  # has no app nor codes
        {"reauthenticate_with": "passkey", "passkey_response": "{}"},  # has no passkey
    ],
)
def test_junk_is_a_400_never_a_500(admin_client, account, admin_user, fields):
    environment = staging(account, admin_user)
    response = admin_client.post(delete_url(environment), fields)
    assert response.status_code == 400
    assert ASKED in text(response)
    assert Environment.objects.filter(pk=environment.pk).exists()
    assert two_step.AUTHENTICATED_AT not in admin_client.session


def test_odd_text_in_the_password_is_a_wrong_password(admin_client, account, admin_user):
    response = admin_client.post(
        delete_url(staging(account, admin_user)),
        {"reauthenticate_with": "password", "password": "é\u202e☃" * 3},
    )
    assert response.status_code == 403


# The original request's fields ------------------------------------------------------------------


def action_view(seen: list):
    @requires_reauthentication("Because it matters.")
    def action(request):
        seen.append(request.POST)
        return HttpResponse("done")

    return action


def post(rf, user, path, data, session=None):
    request = rf.post(path, data)
    request.user = user
    request.session = session if session is not None else SessionStore()
    return request


def test_the_page_carries_the_fields_but_never_a_secret(rf, admin_user):
    seen = []
    request = post(
        rf,
        admin_user,
        "/act/?page=2",
        {
            "csrfmiddlewaretoken": "t" * 64,
            "name": "ci <bot>",
            "choice": ["a", "b"],
            "nonce": "n1",
            "password": "hunter2",
            "new_password": "x",
            "client_secret": "x",
            "token": "x",
            "code": "123456",
            "value": "a secret's value",
        },
    )
    response = action_view(seen)(request)
    assert response.status_code == 403
    assert seen == []
    response.render()
    page = response.content.decode()
    assert "Because it matters." in page
    assert 'action="/act/?page=2"' in page
    fields = response.context_data["carried"]
    assert sorted(fields) == [
        ("original:choice", "a"),
        ("original:choice", "b"),
        ("original:name", "ci <bot>"),
        ("original:nonce", "n1"),
    ]
    assert 'name="original:name" value="ci &lt;bot&gt;"' in page
    for secret in ("hunter2", "a secret&#x27;s value", "123456", "t" * 64):
        assert secret not in page


def test_the_view_gets_the_original_fields_only(rf, admin_user):
    seen = []
    request = post(
        rf,
        admin_user,
        "/act/",
        {
            "reauthenticate_with": "password",
            "password": DEFAULT_PASSWORD,
            "username": "someone@example.com",
            "csrfmiddlewaretoken": "t" * 64,
            "original:name": "ci",
            "original:choice": ["a", "b"],
            "original:passkey_response": '{"registration": 1}',
        },
    )
    assert action_view(seen)(request).content == b"done"
    (fields,) = seen
    assert sorted(fields.lists()) == [
        ("choice", ["a", "b"]),
        ("name", ["ci"]),
        ("passkey_response", ['{"registration": 1}']),
    ]
    assert two_step.recently_authenticated(request)


def test_a_refused_answer_keeps_carrying_the_fields(rf, admin_user):
    seen = []
    request = post(
        rf,
        admin_user,
        "/act/",
        {
            "reauthenticate_with": "password",
            "password": "wrong",
            "original:name": "ci",
            "original:token": "never echoed",
            "unprefixed": "not the original request's",
        },
    )
    response = action_view(seen)(request)
    assert response.status_code == 403
    assert response.context_data["carried"] == [("original:name", "ci")]
    assert seen == []


def test_a_session_proved_meanwhile_needs_no_proof(rf, admin_user):
    # Another tab re-authenticated while this one's page was open.
    seen = []
    session = SessionStore()
    session[two_step.AUTHENTICATED_AT] = time.time()
    request = post(
        rf, admin_user, "/act/", {"reauthenticate_with": "password", "original:name": "ci"}, session
    )
    assert action_view(seen)(request).content == b"done"
    assert dict(seen[0].items()) == {"name": "ci"}


def test_the_cancel_link_goes_back_only_to_a_page_of_ours(admin_client, account, admin_user):
    environment = staging(account, admin_user)
    settings_page = f"http://testserver/environments/{environment.id}/settings/"
    response = admin_client.post(delete_url(environment), HTTP_REFERER=settings_page)
    assert response.context["cancel_url"] == settings_page
    response = admin_client.post(delete_url(environment), HTTP_REFERER="https://evil.example/")
    assert response.context["cancel_url"] == reverse("accounts:home")


# A code from the authenticator app, or a recovery code ------------------------------------------


def code_answer(typed, asked=None) -> dict:
    return {"reauthenticate_with": "code", "code": typed, **(carried(asked) if asked else {})}


def test_a_code_from_the_app_is_offered_and_accepted(admin_client, account, admin_user):
    secret = with_app(admin_user)
    environment = staging(account, admin_user)
    asked = admin_client.post(delete_url(environment))
    assert 'name="code"' in text(asked)
    assert 'autocomplete="one-time-code"' in text(asked)
    response = admin_client.post(delete_url(environment), code_answer(current_code(secret), asked))
    assert response.status_code == 302
    assert not Environment.objects.filter(pk=environment.pk).exists()


def test_a_wrong_code_is_refused_and_counted(admin_client, account, admin_user, no_rate_limits):
    secret = with_app(admin_user)
    environment = staging(account, admin_user)
    for _ in range(9):
        response = admin_client.post(delete_url(environment), code_answer(wrong_code(secret)))
        assert response.status_code == 403
        assert reauthentication.WRONG_CODE in text(response)
    # The tenth failure of any kind locks, as on the sign-in page; a code is then not looked at.
    assert admin_client.post(delete_url(environment), code_answer("000000")).status_code == 429
    response = admin_client.post(delete_url(environment), code_answer(current_code(secret)))
    assert response.status_code == 429
    assert Environment.objects.filter(pk=environment.pk).exists()


def test_an_empty_code_is_a_400(admin_client, account, admin_user):
    with_app(admin_user)
    response = admin_client.post(delete_url(staging(account, admin_user)), code_answer(""))
    assert response.status_code == 400
    assert reauthentication.NO_CODE in text(response)


def test_codes_count_toward_the_sign_in_pages_limit(
    admin_client, account, admin_user, one_rate_limit_window, settings
):
    settings.AXES_FAILURE_LIMIT = 100  # only the rate limit, for this test
    secret = with_app(admin_user)
    environment = staging(account, admin_user)
    for _ in range(10):
        admin_client.post(delete_url(environment), code_answer(wrong_code(secret)))
    over = admin_client.post(delete_url(environment), code_answer(current_code(secret)))
    assert over.status_code == 429
    assert "Too many attempts, try again in" in text(over)
    assert Environment.objects.filter(pk=environment.pk).exists()


def test_a_code_of_the_app_is_accepted_once(admin_client, account, admin_user):
    secret = with_app(admin_user)
    typed = current_code(secret)
    first = staging(account, admin_user)
    assert admin_client.post(delete_url(first), code_answer(typed)).status_code == 302
    authenticated_ago(admin_client, 3 * 3600)
    second = EnvironmentFactory(account=account, name="qa", actor=admin_user)
    assert admin_client.post(delete_url(second), code_answer(typed)).status_code == 403


def test_a_recovery_code_works_once(admin_client, account, admin_user):
    with_app(admin_user)
    codes = services.recovery_codes_generate(admin_user)
    first = staging(account, admin_user)
    assert admin_client.post(delete_url(first), code_answer(codes[0])).status_code == 302
    assert not Environment.objects.filter(pk=first.pk).exists()
    authenticated_ago(admin_client, 3 * 3600)
    second = EnvironmentFactory(account=account, name="qa", actor=admin_user)
    assert admin_client.post(delete_url(second), code_answer(codes[0])).status_code == 403


def test_recovery_codes_alone_are_offered(admin_client, account, admin_user):
    # Codes left from an app since removed still prove who it is.
    services.recovery_codes_generate(admin_user)
    assert 'name="code"' in text(admin_client.post(delete_url(staging(account, admin_user))))


# A passkey --------------------------------------------------------------------------------------


def add_passkey(rf, user, settings) -> SoftAuthenticator:
    """A passkey of `user`'s, and the (software) authenticator holding it."""
    device = SoftAuthenticator(rp_id=settings.WEBAUTHN_RP_ID, origin=settings.SITE_URL)
    request = rf.post("/")
    request.session = SessionStore()
    services.passkey_register(
        user=user,
        name="Laptop",
        response_json=device.register(webauthn.registration_options(request, user)),
        expected_challenge=webauthn.pop_registration_challenge(request),
    )
    return device


def test_a_passkey_is_offered_and_accepted(rf, admin_client, account, admin_user, settings):
    device = add_passkey(rf, admin_user, settings)
    environment = staging(account, admin_user)
    asked = admin_client.post(delete_url(environment))
    page = text(asked)
    assert "data-passkey-challenge" in page
    assert 'name="reauthenticate_with" value="passkey"' in page
    options = admin_client.post(reverse("accounts:passkey-challenge")).content
    response = admin_client.post(
        delete_url(environment),
        {
            "reauthenticate_with": "passkey",
            "passkey_response": device.assertion(options),
            **carried(asked),
        },
    )
    assert response.status_code == 302
    assert not Environment.objects.filter(pk=environment.pk).exists()
    # The challenge was answered: the same answer again is refused.
    authenticated_ago(admin_client, 3 * 3600)
    replayed = admin_client.post(
        delete_url(staging(account, admin_user)),
        {"reauthenticate_with": "passkey", "passkey_response": device.assertion(options)},
    )
    assert replayed.status_code == 403
    assert reauthentication.WRONG_PASSKEY in text(replayed)


def test_every_way_carries_the_original_fields(rf, admin_user, settings):
    add_passkey(rf, admin_user, settings)
    services.recovery_codes_generate(admin_user)
    response = action_view([])(post(rf, admin_user, "/act/", {"name": "ci", "choice": ["a", "b"]}))
    response.render()
    page = response.content.decode()
    # The password's form, the code's and the passkey's.
    assert page.count('<form method="post" action="/act/"') == 3
    assert page.count('name="original:name" value="ci"') == 3
    assert page.count('name="original:choice" value="b"') == 3


def test_passkey_answers_count_toward_the_sign_in_pages_limit(
    rf, admin_client, account, admin_user, one_rate_limit_window, settings
):
    settings.AXES_FAILURE_LIMIT = 100  # only the rate limit, for this test
    add_passkey(rf, admin_user, settings)
    environment = staging(account, admin_user)
    junk = {"reauthenticate_with": "passkey", "passkey_response": "{}"}
    for _ in range(10):
        refused = admin_client.post(delete_url(environment), junk)
        assert refused.status_code == 403
        assert reauthentication.WRONG_PASSKEY in text(refused)
    over = admin_client.post(delete_url(environment), junk)
    assert over.status_code == 429
    assert "Too many attempts, try again in" in text(over)


# Recently authenticated: what marks it ------------------------------------------------------------


def test_the_helper_marks_as_a_sign_in_does(admin_client, account, admin_user):
    recently_authenticated(admin_client)
    assert admin_client.post(delete_url(staging(account, admin_user))).status_code == 302
