"""A process remembers the access tokens whose signature and claims it has checked
(tokens.access_tokens): a pure function of the token and the key. What the database says is
never remembered, so every refusal below comes on the very next request after a token was
remembered, and a made-up or altered token is neither accepted nor remembered."""

import time
from types import SimpleNamespace

import jwt
import pytest
from django.conf import settings
from django.utils import timezone

from accounts.models import User
from guests import services as guest_services
from tests.factories import SpaceFactory, development
from tests.guests.conftest import make_guest
from tests.tokens.conftest import user_access_token
from tokens import access_tokens, services
from tokens.models import ApiKey
from tokens.verification import verify


def remembered(token: str) -> bool:
    before = access_tokens.verified_claims.cache_info().hits
    access_tokens.decode(token)
    return access_tokens.verified_claims.cache_info().hits > before


def forged_from(token: str) -> list[str]:
    """`token`'s header and claims under other signatures: one character of the signature
    changed (in the middle: base64 ignores some bits of the last), none, and another key's."""
    header, payload, signature = token.split(".")
    middle = len(signature) // 2
    changed = "A" if signature[middle] != "A" else "B"
    claims = jwt.decode(token, options={"verify_signature": False})
    return [
        f"{header}.{payload}.{signature[:middle]}{changed}{signature[middle + 1 :]}",
        f"{header}.{payload}.",
        jwt.encode(claims, "another key of at least thirty-two bytes", algorithm="HS256"),
    ]


def test_a_verified_token_is_remembered_and_still_checked_against_the_database(
    admin_user, django_assert_num_queries
):
    token, _ = user_access_token(admin_user)
    assert verify(token) is not None
    assert remembered(token)
    with django_assert_num_queries(1):  # the subject's state is read every time
        assert verify(token).id == admin_user.id


def test_a_remembered_token_is_refused_once_expired(admin_user, monkeypatch):
    token, expires_at = user_access_token(admin_user)
    assert verify(token) is not None
    assert remembered(token)
    expiry = expires_at.timestamp()
    monkeypatch.setattr(access_tokens, "time", SimpleNamespace(time=lambda: expiry - 1))
    assert verify(token) is not None
    # PyJWT's rule: expired from the second `exp` names on.
    monkeypatch.setattr(access_tokens, "time", SimpleNamespace(time=lambda: int(expiry)))
    assert verify(token) is None
    assert access_tokens.decode(token) is None


def test_a_remembered_token_is_refused_once_its_user_changes_password(admin_user):
    token, _ = user_access_token(admin_user)
    assert verify(token) is not None
    admin_user.set_password("a new password, long enough")
    admin_user.save()
    assert remembered(token)
    assert verify(token) is None


def test_a_remembered_token_is_refused_once_its_user_is_deactivated(admin_user):
    token, _ = user_access_token(admin_user)
    assert verify(token) is not None
    User.objects.filter(pk=admin_user.pk).update(is_active=False)
    assert verify(token) is None


def test_a_remembered_space_token_is_refused_once_its_key_is_deleted(account, admin_user):
    environment = development(account)
    key = services.api_key_roll(
        environment=environment, actor=admin_user, key_type=ApiKey.Type.PUBLISHABLE
    ).key
    token = services.space_access_token_create(
        space=SpaceFactory(environment=environment), api_key_id=key.id
    )
    assert verify(token) is not None
    services.api_key_delete(api_key=key, actor=admin_user)
    assert remembered(token)
    assert verify(token) is None


def test_a_remembered_guest_token_is_refused_once_the_grant_or_the_guest_is_gone(account):
    environment = development(account)
    space = SpaceFactory(environment=environment)
    guest = make_guest(environment, spaces=[space])
    for_space, _ = guest_services.guest_access_token_create(guest=guest, space=space)
    whole, _ = guest_services.guest_access_token_create(guest=guest)
    assert verify(for_space) is not None
    assert verify(whole) is not None
    guest_services.guest_remove_from_space(guest=guest, space=space, actor=None)
    assert verify(for_space) is None
    assert verify(whole) is not None
    guest_services.guest_delete(guest=guest, actor=None)
    assert remembered(whole)
    assert verify(whole) is None


def test_a_forged_signature_is_refused_and_not_remembered_even_beside_the_genuine_one(
    admin_user,
):
    token, _ = user_access_token(admin_user)
    for forged in forged_from(token):
        assert verify(forged) is None
    assert verify(token) is not None  # now remembered
    for forged in forged_from(token):
        size = access_tokens.verified_claims.cache_info().currsize
        assert verify(forged) is None
        assert verify(forged) is None
        assert access_tokens.verified_claims.cache_info().currsize == size


def test_a_new_signing_key_refuses_the_tokens_remembered_under_the_old_one(admin_user, monkeypatch):
    token, _ = user_access_token(admin_user)
    assert verify(token) is not None
    monkeypatch.setattr(settings, "JWT_SIGNING_KEY", settings.JWT_SIGNING_KEY + "-rotated")
    assert verify(token) is None


def test_the_claims_handed_out_cannot_be_changed_for_the_next_request(admin_user):
    token, _ = user_access_token(admin_user)
    claims = access_tokens.decode(token)
    with pytest.raises(TypeError):
        claims["sub"] = "us_someone_else"
    assert access_tokens.decode(token)["sub"] == admin_user.id


def test_an_expired_token_is_refused_at_first_sight(admin_user):
    now = int(time.time())
    expired = jwt.encode(
        {
            "sub": admin_user.id,
            "kind": access_tokens.USER,
            "ver": admin_user.credentials_version,
            "typ": access_tokens.TOKEN_TYPE,
            "iss": access_tokens.ISSUER,
            "aud": access_tokens.AUDIENCE,
            "iat": now - 7200,
            "exp": int(timezone.now().timestamp()) - 1,
        },
        settings.JWT_SIGNING_KEY,
        algorithm=access_tokens.ALGORITHM,
    )
    assert verify(expired) is None
    assert not remembered(expired)
