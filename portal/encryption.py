"""Encryption at rest for values that must be read again (secret keys, secrets, an
authenticator app's shared secret). MultiFernet with FERNET_KEYS: the first key encrypts,
all of them decrypt, so a new key is added in front while values written under older keys
still read."""

from functools import cache

from cryptography.fernet import Fernet, MultiFernet
from django.conf import settings


@cache
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(key) for key in keys])


def fernet() -> MultiFernet:
    return _fernet(tuple(settings.FERNET_KEYS))


def encrypt(value: str) -> str:
    return fernet().encrypt(value.encode()).decode()


def decrypt(token: str) -> str:
    return fernet().decrypt(token.encode()).decode()
