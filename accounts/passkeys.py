"""Passkeys' WebAuthn ceremonies over py_webauthn: the options a browser needs, the
challenge they carry kept in the session (one use each), and the verification of what the
authenticator answers. No protocol maths here: the library parses and verifies.

The relying party is SITE_URL's host (settings.WEBAUTHN_RP_ID) and the only origin accepted
is SITE_URL itself: a page served under any other name cannot use the portal's passkeys.

For the pages that ask for a passkey (the second step of a sign-in, re-authentication,
signing in without a password): templates/accounts/_passkey_challenge.html posts the
browser's answer as `passkey_response`, and `verify_passkey_response` checks it."""

import json
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from webauthn import (
    base64url_to_bytes,
    generate_authentication_options,
    generate_registration_options,
    options_to_json,
    verify_authentication_response,
    verify_registration_response,
)
from webauthn.helpers import (
    bytes_to_base64url,
    parse_authentication_credential_json,
    parse_registration_credential_json,
)
from webauthn.helpers.exceptions import WebAuthnException
from webauthn.helpers.structs import (
    AuthenticatorSelectionCriteria,
    AuthenticatorTransport,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from accounts.models import Passkey, User

# Two keys: a registration started in one tab never spends a sign-in challenge of another.
REGISTRATION_CHALLENGE = "passkey_registration_challenge"
AUTHENTICATION_CHALLENGE = "passkey_authentication_challenge"
RESPONSE_FIELD = "passkey_response"
# A browser's answer is a few kilobytes at most; anything much larger is not one.
RESPONSE_MAX_LENGTH = 64 * 1024
# What py_webauthn raises on a malformed answer besides its own exceptions: bad base64
# (binascii.Error is a ValueError), a field of the wrong JSON type.
MALFORMED = (WebAuthnException, ValueError, TypeError, KeyError, AttributeError)


@dataclass(frozen=True)
class NewCredential:
    """A registration py_webauthn verified: what a Passkey row keeps."""

    credential_id: str  # base64url, as browsers send it back at sign-in
    public_key: bytes
    sign_count: int
    transports: list[str]


def _descriptors(user: User) -> list[PublicKeyCredentialDescriptor]:
    known = {transport.value for transport in AuthenticatorTransport}
    return [
        PublicKeyCredentialDescriptor(
            id=base64url_to_bytes(passkey.credential_id),
            transports=[AuthenticatorTransport(t) for t in passkey.transports if t in known],
        )
        for passkey in user.passkeys.all()
    ]


def registration_options(request, user: User) -> str:
    """The options for navigator.credentials.create(), as JSON; the challenge stays in the
    session for `pop_registration_challenge`. The person's own passkeys are excluded (an
    authenticator holds one of theirs at most); a resident key is preferred, so the passkey
    can sign in without a password or an email."""
    options = generate_registration_options(
        rp_id=settings.WEBAUTHN_RP_ID,
        rp_name=settings.WEBAUTHN_RP_NAME,
        # The user handle is the public id: never the email, which authenticators may show
        # or sync elsewhere; it is what a discoverable sign-in hands back.
        user_id=user.id.encode(),
        user_name=user.email,
        user_display_name=user.name or user.email,
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.PREFERRED,
            user_verification=UserVerificationRequirement.PREFERRED,
        ),
        exclude_credentials=_descriptors(user),
    )
    request.session[REGISTRATION_CHALLENGE] = bytes_to_base64url(options.challenge)
    return options_to_json(options)


def pop_registration_challenge(request) -> bytes | None:
    """The registration challenge this session was given, forgotten as it is read: one
    answer per challenge."""
    challenge = request.session.pop(REGISTRATION_CHALLENGE, None)
    return base64url_to_bytes(challenge) if challenge else None


def verified_registration(response_json: str, expected_challenge: bytes | None) -> NewCredential:
    """The credential in navigator.credentials.create()'s answer, verified by py_webauthn
    against the challenge, the relying party and the origin; ValidationError otherwise."""
    refusal = ValidationError(
        {"passkey_response": "The passkey could not be added. Please try again."}
    )
    if not expected_challenge or not _plausible(response_json):
        raise refusal
    try:
        credential = parse_registration_credential_json(response_json)
        verified = verify_registration_response(
            credential=credential,
            expected_challenge=expected_challenge,
            expected_rp_id=settings.WEBAUTHN_RP_ID,
            expected_origin=settings.SITE_URL,
        )
    except MALFORMED as error:
        raise refusal from error
    return NewCredential(
        credential_id=bytes_to_base64url(verified.credential_id),
        public_key=verified.credential_public_key,
        sign_count=verified.sign_count,
        transports=[t.value for t in credential.response.transports or []],
    )


def authentication_options(request, user: User | None) -> str:
    """The options for navigator.credentials.get(), as JSON; the challenge stays in the
    session for `verify_passkey_response`. For a known person (the second step,
    re-authentication) their passkeys are listed; for nobody yet (a sign-in without a
    password) none are, and the authenticator offers the discoverable ones it holds."""
    options = generate_authentication_options(
        rp_id=settings.WEBAUTHN_RP_ID,
        allow_credentials=_descriptors(user) if user is not None else None,
        # Alone, a passkey stands for both steps: the authenticator must check its owner
        # (a PIN, a biometric), not only that someone touched it.
        user_verification=(
            UserVerificationRequirement.PREFERRED
            if user is not None
            else UserVerificationRequirement.REQUIRED
        ),
    )
    request.session[AUTHENTICATION_CHALLENGE] = bytes_to_base64url(options.challenge)
    return options_to_json(options)


def verify_passkey_response(request, user: User | None) -> Passkey | None:
    """The passkey that answered this session's challenge in request.POST["passkey_response"]:
    one of `user`'s, or when `user` is None (a sign-in without a password) whoever's it is.
    Its use is recorded (the signature counter and last use). None on anything wrong: no
    challenge, a challenge already answered, an answer for another site, someone else's
    passkey, a counter gone backwards, junk.

    The challenge is forgotten first, whatever the answer: a challenge is answered once."""
    challenge = request.session.pop(AUTHENTICATION_CHALLENGE, None)
    response_json = request.POST.get(RESPONSE_FIELD, "")
    if not challenge or not _plausible(response_json):
        return None
    try:
        credential = parse_authentication_credential_json(response_json)
    except MALFORMED:
        return None
    passkeys = Passkey.objects.select_related("user")
    if user is not None:
        passkeys = passkeys.filter(user=user)
    passkey = passkeys.filter(credential_id=credential.id).first()
    if passkey is None:
        return None
    # A discoverable credential hands back the user handle it was made with: it must be the
    # owner's, or the credential id was lifted onto someone else's answer.
    handle = credential.response.user_handle
    if handle is not None and handle != passkey.user.id.encode():
        return None
    try:
        verified = verify_authentication_response(
            credential=credential,
            expected_challenge=base64url_to_bytes(challenge),
            expected_rp_id=settings.WEBAUTHN_RP_ID,
            expected_origin=settings.SITE_URL,
            credential_public_key=bytes(passkey.public_key),
            # py_webauthn refuses a counter that did not go up when either is non-zero
            # (a cloned authenticator); both zero means the authenticator keeps none.
            credential_current_sign_count=passkey.sign_count,
            # Signing in with the passkey alone: it must have verified its owner (above).
            require_user_verification=user is None,
        )
    except MALFORMED:
        return None
    return passkey if _record_use(passkey, verified.new_sign_count) else None


def _record_use(passkey: Passkey, new_sign_count: int) -> bool:
    """Store the counter and the time of use, if no other request used the passkey with the
    same count meanwhile (a conditional update: of two racing answers with one counter value,
    one wins)."""
    now = timezone.now()
    updated = Passkey.objects.filter(pk=passkey.pk, sign_count=passkey.sign_count).update(
        sign_count=new_sign_count, last_used_at=now
    )
    if new_sign_count and not updated:
        return False
    passkey.sign_count = new_sign_count
    passkey.last_used_at = now
    return True


def _plausible(response_json) -> bool:
    """A JSON object of reasonable size, before py_webauthn looks at it."""
    if not isinstance(response_json, str) or not 0 < len(response_json) <= RESPONSE_MAX_LENGTH:
        return False
    try:
        return isinstance(json.loads(response_json), dict)
    except ValueError:
        return False
