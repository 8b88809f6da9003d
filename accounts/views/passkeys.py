"""Passkeys: adding, renaming and removing them on the Password and authentication page, the
challenge any page asking for a passkey fetches (templates/accounts/_passkey_challenge.html
and static/passkeys.js), and signing in with a passkey alone."""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from accounts import passkeys as webauthn
from accounts import services, two_step
from accounts.forms import SignInForm
from accounts.reauthentication import requires_reauthentication
from accounts.views.common import administrator_page
from accounts.views.security import security
from portal.ratelimit import client_address, hit_each, too_many_requests, wait_text

SIGN_IN_FAILED = "That passkey did not sign you in. Try again, or sign in with your password."


def _json(options: str) -> HttpResponse:
    return HttpResponse(options, content_type="application/json")


def _security_page_refusing(request, error: ValidationError) -> HttpResponse:
    """The Password and authentication page again, saying why the action was refused."""
    for message in error.messages:
        messages.error(request, message)
    response = security(request)
    response.status_code = 400
    return response


def _own_passkey(request, passkey_id: str):
    passkey = request.user.passkeys.filter(pk=passkey_id).first()
    if passkey is None:
        raise Http404("No such passkey.")
    return passkey


@require_POST
@never_cache
@administrator_page
def passkey_registration_options(request, account):
    """What navigator.credentials.create() needs to make a passkey for the signed-in
    person, its challenge remembered in the session for `passkey_add`."""
    return _json(webauthn.registration_options(request, request.user))


@require_POST
@administrator_page
@requires_reauthentication("Adding a passkey gives one more way into your account.")
def passkey_add(request, account):
    try:
        passkey = services.passkey_register(
            user=request.user,
            name=request.POST.get("name", ""),
            response_json=request.POST.get(webauthn.RESPONSE_FIELD, ""),
            expected_challenge=webauthn.pop_registration_challenge(request),
        )
    except ValidationError as error:
        return _security_page_refusing(request, error)
    messages.success(request, f'The passkey "{passkey.name}" was added.')
    return redirect("accounts:security")


@require_POST
@administrator_page
def passkey_rename(request, account, passkey_id):
    passkey = _own_passkey(request, passkey_id)
    try:
        services.passkey_rename(passkey=passkey, name=request.POST.get("name", ""))
    except ValidationError as error:
        return _security_page_refusing(request, error)
    messages.success(request, f'The passkey is now called "{passkey.name}".')
    return redirect("accounts:security")


@require_POST
@administrator_page
@requires_reauthentication("Removing a passkey takes away a way into your account.")
def passkey_remove(request, account, passkey_id):
    passkey = _own_passkey(request, passkey_id)
    services.passkey_remove(passkey=passkey)
    messages.success(request, f'The passkey "{passkey.name}" was removed.')
    return redirect("accounts:security")


@require_POST
@never_cache
def passkey_challenge(request):
    """What navigator.credentials.get() needs, its challenge remembered in the session for
    accounts.passkeys.verify_passkey_response. For the person signed in (re-authentication)
    or half signed in (the second step) their passkeys are listed; for nobody, none are."""
    if request.user.is_authenticated:
        user = request.user
    else:
        # Each challenge for a visitor writes a session: counted per client address, so
        # nobody can fill the sessions table with them.
        wait = hit_each(("passkey-challenge", client_address(request)))
        if wait:
            return too_many_requests(
                HttpResponse('{"error": "Too many attempts."}', content_type="application/json"),
                wait,
            )
        user = two_step.pending_user(request)
    return _json(webauthn.authentication_options(request, user))


@require_POST
def passkey_sign_in(request):
    """A passkey alone signs its owner in: it proves possession of the authenticator and
    (user verification) the person's PIN or biometrics on it."""
    next_url = request.POST.get("next", "")
    # Every attempt counts, per client address, with the password's attempts: one client
    # cannot try more ways in than the sign-in page allows.
    wait = hit_each(("login-address", client_address(request)))
    if wait:
        return too_many_requests(
            _sign_in_refused(
                request, next_url, f"Too many attempts, try again in {wait_text(wait)}."
            ),
            wait,
        )
    passkey = webauthn.verify_passkey_response(request, None)
    if passkey is None or not passkey.user.is_active:
        return _sign_in_refused(request, next_url, SIGN_IN_FAILED)
    two_step.complete(request, passkey.user)
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = settings.LOGIN_REDIRECT_URL
    return redirect(next_url)


def _sign_in_refused(request, next_url: str, message: str) -> HttpResponse:
    return render(
        request,
        "accounts/login.html",
        {"form": SignInForm(request), "next": next_url, "passkey_error": message},
        status=400,
    )


urlpatterns = [
    path(
        "profile/security/passkeys/options/",
        passkey_registration_options,
        name="passkey-registration-options",
    ),
    path("profile/security/passkeys/", passkey_add, name="passkey-add"),
    path(
        "profile/security/passkeys/<str:passkey_id>/rename/",
        passkey_rename,
        name="passkey-rename",
    ),
    path(
        "profile/security/passkeys/<str:passkey_id>/remove/",
        passkey_remove,
        name="passkey-remove",
    ),
    path("passkeys/challenge/", passkey_challenge, name="passkey-challenge"),
    path("passkeys/sign-in/", passkey_sign_in, name="passkey-sign-in"),
]
