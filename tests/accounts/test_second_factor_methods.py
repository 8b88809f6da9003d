"""Every address the second factors added, asked with the methods nobody's form sends
(HEAD, OPTIONS, PUT, DELETE, PATCH) by a visitor, a person half signed in and an
administrator: a clear answer each time, never a server error, and nothing changed."""

import time

import pytest
from django.test import Client

from accounts import two_step
from accounts.models import AuthenticatorApp, Event, Passkey, RecoveryCode
from tests.two_step_policy_helpers import add_authenticator_app

ADDRESSES = [
    "/login/two-step/",
    "/passkeys/challenge/",
    "/passkeys/sign-in/",
    "/profile/security/",
    "/profile/security/authenticator-app/",
    "/profile/security/authenticator-app/begin/",
    "/profile/security/authenticator-app/remove/",
    "/profile/security/recovery-codes/",
    "/profile/security/recovery-codes/download/",
    "/profile/security/passkeys/options/",
    "/profile/security/passkeys/",
    "/profile/security/passkeys/us_pky_unknown/rename/",
    "/profile/security/passkeys/us_pky_unknown/remove/",
    "/profile/sessions/",
    "/profile/sessions/sign-out-others/",
    "/profile/sessions/0123456789abcdef0123456789abcdef/sign-out/",
    "/team/two-step/",
]
METHODS = ["head", "options", "put", "delete", "patch"]


def _state():
    return (
        AuthenticatorApp.objects.count(),
        Passkey.objects.count(),
        RecoveryCode.objects.filter(used_at__isnull=True).count(),
        Event.objects.count(),
    )


@pytest.fixture
def callers(admin_user):
    add_authenticator_app(admin_user)
    visitor = Client()
    half_signed_in = Client()
    session = half_signed_in.session
    session[two_step.PENDING_USER] = admin_user.pk
    session[two_step.PENDING_SINCE] = time.time()
    session.save()
    administrator = Client()
    administrator.force_login(admin_user)
    return {"visitor": visitor, "half signed in": half_signed_in, "administrator": administrator}


@pytest.mark.parametrize("method", METHODS)
def test_no_address_answers_another_method_with_a_server_error(callers, method):
    before = _state()
    for who, client in callers.items():
        for address in ADDRESSES:
            status = getattr(client, method)(address).status_code
            assert status < 500, (who, method, address, status)
            if method in ("put", "delete", "patch"):
                # No view of these takes them: refused as such, or sent to sign in.
                assert status in (302, 403, 404, 405), (who, method, address, status)
    assert _state() == before
