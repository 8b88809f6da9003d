"""Access tokens made by hand: the well-formed one is accepted, and every forged, foreign or
malformed one (its signature, algorithm, claims or credentials version wrong) is refused."""

import jwt
import pytest
from django.conf import settings
from django.utils import timezone

from accounts.models import User
from tokens import access_tokens
from tokens.verification import verify


def _version(user_id) -> int:
    versions = User.objects.filter(pk=user_id).values_list("credentials_version", flat=True)
    return versions.first() or 0


def _claims(subject, **overrides):
    now = int(timezone.now().timestamp())
    claims = {
        "sub": subject,
        "kind": "user",
        "ver": _version(subject),
        "typ": "access",
        "iss": access_tokens.ISSUER,
        "aud": access_tokens.AUDIENCE,
        "iat": now,
        "exp": now + 3600,
    }
    claims.update(overrides)
    return {name: value for name, value in claims.items() if value is not None}


def _sign(claims, key=None, algorithm="HS256"):
    return jwt.encode(claims, key or settings.JWT_SIGNING_KEY, algorithm=algorithm)


def _tampered(token: str) -> str:
    """`token` with one character of its signature changed: one in the middle, since
    base64 decoding ignores some bits of the last one and the same signature could result."""
    header, payload, signature = token.split(".")
    middle = len(signature) // 2
    changed = "A" if signature[middle] != "A" else "B"
    return f"{header}.{payload}.{signature[:middle]}{changed}{signature[middle + 1 :]}"


def test_well_formed_hand_made_token_is_accepted(admin_user):
    # The control for the attacks below: the same construction with nothing wrong passes.
    assert verify(_sign(_claims(admin_user.id))).user == admin_user


@pytest.mark.parametrize(
    "make_token",
    [
        pytest.param(lambda uid: jwt.encode(_claims(uid), None, algorithm="none"), id="alg-none"),
        pytest.param(
            lambda uid: _sign(_claims(uid), key="another-key-" + "x" * 40), id="other-key"
        ),
        pytest.param(
            lambda uid: _sign(_claims(uid), key=settings.SECRET_KEY), id="signed-with-SECRET_KEY"
        ),
        pytest.param(lambda uid: _sign(_claims(uid), algorithm="HS512"), id="other-algorithm"),
        pytest.param(
            lambda uid: _sign(_claims(uid, exp=int(timezone.now().timestamp()) - 1)), id="expired"
        ),
        pytest.param(lambda uid: _sign(_claims(uid, exp=None)), id="no-exp"),
        pytest.param(lambda uid: _sign(_claims(uid, iat=None)), id="no-iat"),
        pytest.param(lambda uid: _sign(_claims(uid, aud="someone-else")), id="other-audience"),
        pytest.param(lambda uid: _sign(_claims(uid, iss="someone-else")), id="other-issuer"),
        pytest.param(lambda uid: _sign(_claims(uid, kind=None)), id="no-kind"),
        pytest.param(lambda uid: _sign(_claims(uid, kind="magic-link")), id="unknown-kind"),
        pytest.param(lambda uid: _sign(_claims(uid, typ="refresh")), id="other-type"),
        pytest.param(lambda uid: _sign(_claims(uid, typ=None)), id="no-type"),
        pytest.param(lambda uid: _sign(_claims(123)), id="non-text-subject"),
        pytest.param(lambda uid: _sign(_claims("us_usr_doesnotexist")), id="unknown-subject"),
        pytest.param(lambda uid: _tampered(_sign(_claims(uid))), id="tampered-signature"),
        # The credentials version is required, and must be the user's current one.
        pytest.param(lambda uid: _sign(_claims(uid, ver=None)), id="no-credentials-version"),
        pytest.param(lambda uid: _sign(_claims(uid, ver="1")), id="version-as-text"),
        pytest.param(lambda uid: _sign(_claims(uid, ver=True)), id="version-as-bool"),
        pytest.param(lambda uid: _sign(_claims(uid, ver=1.0)), id="version-as-float"),
        pytest.param(lambda uid: _sign(_claims(uid, ver=-1)), id="negative-version"),
        pytest.param(lambda uid: _sign(_claims(uid, ver=2**31)), id="version-past-the-column"),
        pytest.param(lambda uid: _sign(_claims(uid, ver=10**30)), id="version-past-any-int"),
        pytest.param(
            lambda uid: _sign(_claims(uid, ver=_version(uid) - 1)), id="an-earlier-version"
        ),
        pytest.param(lambda uid: _sign(_claims(uid, ver=_version(uid) + 1)), id="a-later-version"),
    ],
)
def test_forged_or_foreign_access_tokens_are_refused(admin_user, make_token):
    assert verify(make_token(admin_user.id)) is None


@pytest.mark.parametrize(
    "claims",
    [
        pytest.param({"kind": "user", "cli": 123}, id="client-id-not-text"),
        pytest.param({"kind": "space"}, id="space-token-without-key"),
        pytest.param({"kind": "space", "key": ["us_key_x"]}, id="space-key-not-text"),
    ],
)
def test_malformed_claims_are_refused(admin_user, claims):
    assert verify(_sign(_claims(admin_user.id, **claims))) is None
