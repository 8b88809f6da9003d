"""Passkeys: adding (a registration py_webauthn verifies), renaming and removing them, the
challenge any page fetches, verify_passkey_response (the second step's and re-
authentication's check) and signing in with a passkey alone. The answers come from a
software authenticator (tests.accounts.passkey_authenticator), so the library's real
verification runs on each."""

import json
import time
from unittest.mock import patch

import pytest
from django.conf import settings
from django.contrib.sessions.backends.cache import SessionStore
from django.core.exceptions import ValidationError
from django.http import QueryDict
from django.test import Client
from django.urls import reverse
from django.utils.html import escape

from accounts import passkeys as webauthn
from accounts import services, two_step
from accounts.models import Event, Passkey, User
from accounts.views.passkeys import SIGN_IN_FAILED
from tests.accounts.passkey_authenticator import SoftAuthenticator
from tests.factories import AdministratorFactory

SECURITY = reverse("accounts:security")
OPTIONS = reverse("accounts:passkey-registration-options")
ADD = reverse("accounts:passkey-add")
CHALLENGE = reverse("accounts:passkey-challenge")
SIGN_IN = reverse("accounts:passkey-sign-in")


@pytest.fixture
def admin_client(admin_client):
    """Signed in just now: adding and removing a passkey ask again otherwise."""
    session = admin_client.session
    session[two_step.AUTHENTICATED_AT] = time.time()
    session.save()
    return admin_client


def authenticator(**kwargs) -> SoftAuthenticator:
    return SoftAuthenticator(
        rp_id=kwargs.get("rp_id", settings.WEBAUTHN_RP_ID),
        origin=kwargs.get("origin", settings.SITE_URL),
    )


def bare_request(rf, data=None):
    request = rf.post("/", data or {})
    request.session = SessionStore()
    return request


def add_passkey(rf, user: User, device: SoftAuthenticator, name="Laptop") -> Passkey:
    request = bare_request(rf)
    options = webauthn.registration_options(request, user)
    return services.passkey_register(
        user=user,
        name=name,
        response_json=device.register(options),
        expected_challenge=webauthn.pop_registration_challenge(request),
    )


def challenged(rf, user: User | None):
    """A request whose session was given an authentication challenge, and its options."""
    request = bare_request(rf)
    return request, webauthn.authentication_options(request, user)


def answer(request, response_json: str):
    request.POST = QueryDict(mutable=True)
    request.POST["passkey_response"] = response_json
    return request


# Registration ------------------------------------------------------------------------------


def test_registration_options_ask_for_a_resident_key_and_exclude_the_persons_passkeys(
    rf, admin_user
):
    existing = add_passkey(rf, admin_user, authenticator())
    request = bare_request(rf)
    options = json.loads(webauthn.registration_options(request, admin_user))
    assert options["rp"] == {"id": settings.WEBAUTHN_RP_ID, "name": settings.WEBAUTHN_RP_NAME}
    assert options["user"]["name"] == admin_user.email
    assert options["authenticatorSelection"]["residentKey"] == "preferred"
    assert options["authenticatorSelection"]["userVerification"] == "preferred"
    assert [c["id"] for c in options["excludeCredentials"]] == [existing.credential_id]
    assert options["excludeCredentials"][0]["transports"] == ["internal"]
    assert request.session[webauthn.REGISTRATION_CHALLENGE] == options["challenge"]


def test_adding_a_passkey_from_the_security_page_audits_and_mails(
    admin_client, admin_user, mailoutbox, django_capture_on_commit_callbacks
):
    device = authenticator()
    options = admin_client.post(OPTIONS)
    assert options.status_code == 200
    assert options["Content-Type"] == "application/json"
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            ADD, {"name": " Work laptop ", "passkey_response": device.register(options.content)}
        )
    assert response.status_code == 302 and response["Location"] == SECURITY
    passkey = admin_user.passkeys.get()
    assert (passkey.name, passkey.credential_id, passkey.transports) == (
        "Work laptop",
        device.id,
        ["internal"],
    )
    event = Event.objects.get(topic="user:passkey-added")
    assert event.actor_id == admin_user.id
    assert event.payload == {"passkeyId": passkey.id, "name": "Work laptop"}
    (mail,) = mailoutbox
    assert mail.to == [admin_user.email]
    assert "Work laptop" in mail.body and settings.SITE_URL + SECURITY in mail.body
    page = admin_client.get(SECURITY).content.decode()
    assert "Work laptop" in page and "never" in page


def test_a_registration_answer_works_once(admin_client, admin_user):
    device = authenticator()
    registration = device.register(admin_client.post(OPTIONS).content)
    assert (
        admin_client.post(ADD, {"name": "A", "passkey_response": registration}).status_code == 302
    )
    replay = admin_client.post(ADD, {"name": "B", "passkey_response": registration})
    assert replay.status_code == 400
    assert "could not be added" in replay.content.decode()
    assert admin_user.passkeys.count() == 1


@pytest.mark.parametrize(
    "device_kwargs",
    [{"origin": "https://evil.example"}, {"rp_id": "evil.example"}],
    ids=["another origin", "another relying party"],
)
def test_a_registration_for_another_site_is_refused(rf, admin_user, device_kwargs):
    with pytest.raises(ValidationError):
        add_passkey(rf, admin_user, authenticator(**device_kwargs))
    assert not Passkey.objects.exists()


def test_a_registration_needs_a_name_and_a_challenge(rf, admin_user):
    request = bare_request(rf)
    registration = authenticator().register(webauthn.registration_options(request, admin_user))
    challenge = webauthn.pop_registration_challenge(request)
    with pytest.raises(ValidationError, match="Name cannot be empty"):
        services.passkey_register(
            user=admin_user, name="  ", response_json=registration, expected_challenge=challenge
        )
    with pytest.raises(ValidationError, match="could not be added"):
        services.passkey_register(
            user=admin_user, name="A", response_json=registration, expected_challenge=None
        )


def test_the_same_credential_cannot_be_added_twice(rf, admin_user, account):
    device = authenticator()
    add_passkey(rf, admin_user, device)
    other = AdministratorFactory(account=account)
    with pytest.raises(ValidationError, match="already added"):
        add_passkey(rf, other, device)


@pytest.mark.parametrize(
    "junk",
    ["", "null", "[]", "{}", "not json", '{"id": 1, "rawId": [], "response": "x"}', "x" * 70000],
)
def test_junk_instead_of_a_registration_is_a_400(admin_client, admin_user, junk):
    admin_client.post(OPTIONS)
    response = admin_client.post(ADD, {"name": "A", "passkey_response": junk})
    assert response.status_code == 400
    assert not admin_user.passkeys.exists()


def test_the_portals_own_pages_may_use_passkeys(client):
    # The Permissions-Policy lets the portal's own pages call navigator.credentials.get().
    policy = client.get(reverse("accounts:login"))["Permissions-Policy"]
    assert "publickey-credentials-get=(self)" in policy.replace(" ", "")


def test_only_administrators_signed_in_get_registration_options(client):
    assert client.post(OPTIONS).status_code == 302  # to the sign-in page
    assert client.get(OPTIONS).status_code == 405


def test_adding_and_removing_ask_who_it_is_after_a_while(rf, client, admin_user):
    client.force_login(admin_user)  # long ago, as far as the session knows
    registration = authenticator().register(client.post(OPTIONS).content)
    asked = client.post(ADD, {"name": "A", "passkey_response": registration})
    assert asked.status_code == 403
    assert "Adding a passkey gives one more way into your account." in asked.content.decode()
    passkey = add_passkey(rf, admin_user, authenticator())
    asked = client.post(reverse("accounts:passkey-remove", args=[passkey.id]))
    assert asked.status_code == 403
    assert admin_user.passkeys.get() == passkey


# Renaming and removing ---------------------------------------------------------------------


def test_renaming_a_passkey(rf, admin_client, admin_user):
    passkey = add_passkey(rf, admin_user, authenticator())
    url = reverse("accounts:passkey-rename", args=[passkey.id])
    assert admin_client.post(url, {"name": "Phone"}).status_code == 302
    passkey.refresh_from_db()
    assert passkey.name == "Phone"
    event = Event.objects.get(topic="user:passkey-renamed")
    assert event.payload == {"passkeyId": passkey.id, "name": "Phone"}
    assert admin_client.post(url, {"name": ""}).status_code == 400
    passkey.refresh_from_db()
    assert passkey.name == "Phone"
    assert Event.objects.filter(topic="user:passkey-renamed").count() == 1


def test_removing_a_passkey_audits_and_mails(
    rf, admin_client, admin_user, mailoutbox, django_capture_on_commit_callbacks
):
    passkey = add_passkey(rf, admin_user, authenticator(), name="Old key")
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(reverse("accounts:passkey-remove", args=[passkey.id]))
    assert response.status_code == 302
    assert not admin_user.passkeys.exists()
    event = Event.objects.get(topic="user:passkey-removed")
    assert event.payload == {"passkeyId": passkey.id, "name": "Old key"}
    (mail,) = mailoutbox
    assert mail.to == [admin_user.email] and "Old key" in mail.body


def test_nobody_renames_or_removes_someone_elses_passkey(rf, admin_client, account):
    other = AdministratorFactory(account=account)
    passkey = add_passkey(rf, other, authenticator())
    for name in ("accounts:passkey-rename", "accounts:passkey-remove"):
        response = admin_client.post(reverse(name, args=[passkey.id]), {"name": "Mine"})
        assert response.status_code == 404
    passkey.refresh_from_db()
    assert passkey.name == "Laptop"


# verify_passkey_response -------------------------------------------------------------------


def test_a_passkey_answers_a_challenge_once(rf, admin_user):
    device = authenticator()
    passkey = add_passkey(rf, admin_user, device)
    request, options = challenged(rf, admin_user)
    assert [c["id"] for c in json.loads(options)["allowCredentials"]] == [passkey.credential_id]
    response = device.assertion(options)
    assert webauthn.verify_passkey_response(answer(request, response), admin_user) == passkey
    passkey.refresh_from_db()
    assert passkey.sign_count == 1 and passkey.last_used_at is not None
    # The same answer again: the challenge was spent.
    assert webauthn.verify_passkey_response(answer(request, response), admin_user) is None


def test_alone_a_passkey_must_have_verified_its_owner(rf, admin_user):
    device = authenticator()
    passkey = add_passkey(rf, admin_user, device)
    # Touched, not verified (no PIN, no biometric): enough after the password, not alone.
    request, options = challenged(rf, admin_user)
    assert json.loads(options)["userVerification"] == "preferred"
    touched = device.assertion(options, verified=False)
    assert webauthn.verify_passkey_response(answer(request, touched), admin_user) == passkey
    request, options = challenged(rf, None)
    assert json.loads(options)["userVerification"] == "required"
    touched = device.assertion(options, verified=False)
    assert webauthn.verify_passkey_response(answer(request, touched), None) is None
    request, options = challenged(rf, None)
    verified = device.assertion(options)
    assert webauthn.verify_passkey_response(answer(request, verified), None) == passkey


def test_someone_elses_passkey_is_no_second_step(rf, admin_user, account):
    other = AdministratorFactory(account=account)
    device = authenticator()
    add_passkey(rf, other, device)
    request, options = challenged(rf, admin_user)
    assert (
        webauthn.verify_passkey_response(answer(request, device.assertion(options)), admin_user)
        is None
    )
    # Without a user (a sign-in without a password) it is its owner's.
    request, options = challenged(rf, None)
    verified = webauthn.verify_passkey_response(answer(request, device.assertion(options)), None)
    assert verified.user == other


@pytest.mark.parametrize(
    "device_kwargs",
    [
        {"origin": "https://evil.example"},
        {"origin": "http://localhost:1"},
        {"rp_id": "evil.example"},
    ],
    ids=["another origin", "another port", "another relying party"],
)
def test_an_answer_for_another_site_is_refused(rf, admin_user, device_kwargs):
    device = authenticator()
    passkey = add_passkey(rf, admin_user, device)
    elsewhere = authenticator(**device_kwargs)
    elsewhere.key, elsewhere.credential_id = device.key, device.credential_id
    elsewhere.user_handle = device.user_handle
    request, options = challenged(rf, admin_user)
    assert (
        webauthn.verify_passkey_response(answer(request, elsewhere.assertion(options)), admin_user)
        is None
    )
    passkey.refresh_from_db()
    assert passkey.last_used_at is None


def test_a_counter_gone_backwards_is_refused(rf, admin_user):
    device = authenticator()
    add_passkey(rf, admin_user, device)
    for _ in range(2):
        request, options = challenged(rf, admin_user)
        assert webauthn.verify_passkey_response(
            answer(request, device.assertion(options)), admin_user
        )
    device.sign_count = 0  # a clone of the authenticator, as it was before those two uses
    request, options = challenged(rf, admin_user)
    assert (
        webauthn.verify_passkey_response(answer(request, device.assertion(options)), admin_user)
        is None
    )


def test_of_two_answers_racing_with_one_counter_one_wins(rf, admin_user):
    device = authenticator()
    passkey = add_passkey(rf, admin_user, device)
    request, options = challenged(rf, admin_user)
    verify = webauthn.verify_authentication_response

    def another_request_first(**kwargs):
        # Another request used the passkey, with the same counter value, while this one
        # verified its answer.
        verified = verify(**kwargs)
        Passkey.objects.filter(pk=passkey.pk).update(sign_count=verified.new_sign_count)
        return verified

    with patch.object(webauthn, "verify_authentication_response", another_request_first):
        assert (
            webauthn.verify_passkey_response(answer(request, device.assertion(options)), admin_user)
            is None
        )


def test_a_user_handle_not_the_owners_is_refused(rf, admin_user, account):
    device = authenticator()
    add_passkey(rf, admin_user, device)
    device.user_handle = json.loads(
        webauthn.registration_options(bare_request(rf), AdministratorFactory(account=account))
    )["user"]["id"]
    request, options = challenged(rf, None)
    assert (
        webauthn.verify_passkey_response(answer(request, device.assertion(options)), None) is None
    )


def test_an_answer_without_a_challenge_is_refused(rf, admin_user):
    device = authenticator()
    add_passkey(rf, admin_user, device)
    _, options = challenged(rf, admin_user)
    request = answer(bare_request(rf), device.assertion(options))  # another session
    assert webauthn.verify_passkey_response(request, admin_user) is None


@pytest.mark.parametrize(
    "junk",
    [
        "",
        "{}",
        "[1]",
        "{",
        '{"id": "x", "rawId": "!!", "response": {}, "type": "public-key"}',
        '{"id": "x", "rawId": "eA", "type": "public-key", "response": {"clientDataJSON": "e30",'
        ' "authenticatorData": "AA", "signature": "AA", "userHandle": 5}}',
    ],
)
def test_junk_is_no_passkey(rf, admin_user, junk):
    add_passkey(rf, admin_user, authenticator())
    request, _ = challenged(rf, admin_user)
    assert webauthn.verify_passkey_response(answer(request, junk), admin_user) is None


# The challenge and signing in with a passkey alone ---------------------------------------


def test_the_challenge_lists_the_passkeys_of_whoever_is_half_signed_in(rf, client, admin_user):
    passkey = add_passkey(rf, admin_user, authenticator())
    anonymous = json.loads(client.post(CHALLENGE).content)
    assert anonymous["rpId"] == settings.WEBAUTHN_RP_ID and anonymous["allowCredentials"] == []
    session = client.session
    # As two_step.begin leaves it after the password (without its new session key, which
    # the test client would not follow).
    session[two_step.PENDING_USER] = admin_user.pk
    session[two_step.PENDING_SINCE] = time.time()
    session.save()
    pending = json.loads(client.post(CHALLENGE).content)
    assert [c["id"] for c in pending["allowCredentials"]] == [passkey.credential_id]
    assert client.get(CHALLENGE).status_code == 405


def test_challenges_for_visitors_are_counted_per_address(admin_user):
    visitor = Client()
    limit, _window = settings.RATE_LIMITS["passkey-challenge"]
    for _ in range(limit):
        assert visitor.post(CHALLENGE).status_code == 200
    refused = visitor.post(CHALLENGE)
    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
    assert json.loads(refused.content) == {"error": "Too many attempts."}
    # Someone signed in (re-authenticating) writes no new session: not counted.
    signed_in = Client()
    signed_in.force_login(admin_user)
    assert signed_in.post(CHALLENGE).status_code == 200


def test_the_challenge_lists_the_passkeys_of_whoever_is_signed_in(rf, admin_client, admin_user):
    passkey = add_passkey(rf, admin_user, authenticator())
    options = json.loads(admin_client.post(CHALLENGE).content)
    assert [c["id"] for c in options["allowCredentials"]] == [passkey.credential_id]


def test_signing_in_with_a_passkey_alone(rf, client, admin_user):
    device = authenticator()
    add_passkey(rf, admin_user, device)
    options = client.post(CHALLENGE).content
    response = client.post(
        SIGN_IN, {"passkey_response": device.assertion(options), "next": "/team/"}
    )
    assert response.status_code == 302 and response["Location"] == "/team/"
    assert client.get(SECURITY).status_code == 200
    assert two_step.AUTHENTICATED_AT in client.session


def test_signing_in_goes_home_rather_than_to_another_site(rf, client, admin_user):
    device = authenticator()
    add_passkey(rf, admin_user, device)
    options = client.post(CHALLENGE).content
    response = client.post(
        SIGN_IN, {"passkey_response": device.assertion(options), "next": "https://evil.example/"}
    )
    assert response.status_code == 302 and response["Location"] == reverse("accounts:home")


def test_a_refused_passkey_sign_in_says_so(rf, client, admin_user):
    device = authenticator()
    add_passkey(rf, admin_user, device)
    options = client.post(CHALLENGE).content
    response = client.post(SIGN_IN, {"passkey_response": "junk", "next": "/team/"})
    assert response.status_code == 400
    page = response.content.decode()
    assert escape(SIGN_IN_FAILED) in page and 'value="/team/"' in page
    # The junk spent the challenge: the real answer to it no longer works.
    assert client.post(SIGN_IN, {"passkey_response": device.assertion(options)}).status_code == 400
    assert client.get(SECURITY).status_code == 302


def test_a_deactivated_person_cannot_sign_in_with_a_passkey(rf, client, admin_user):
    device = authenticator()
    add_passkey(rf, admin_user, device)
    User.objects.filter(pk=admin_user.pk).update(is_active=False)
    options = client.post(CHALLENGE).content
    assert client.post(SIGN_IN, {"passkey_response": device.assertion(options)}).status_code == 400
    assert "_auth_user_id" not in client.session


def test_passkey_sign_in_attempts_count_per_client_address(client, db, one_rate_limit_window):
    limit, _window = settings.RATE_LIMITS["login-address"]
    for _ in range(limit):
        assert client.post(SIGN_IN, {"passkey_response": "{}"}).status_code == 400
    refused = client.post(SIGN_IN, {"passkey_response": "{}"})
    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
    assert "Too many attempts" in refused.content.decode()
    assert client.get(SIGN_IN).status_code == 405
