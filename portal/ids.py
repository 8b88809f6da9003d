"""Public ids: opaque, type-prefixed strings (`us_env_…`) used as primary keys, so no
database integer ever reaches a URL or a JSON body."""

import secrets
import string

from django.db import models

BASE62 = string.digits + string.ascii_letters
# 12 base62 characters ≈ 71 bits: collisions are not a practical concern, and ids are not
# guessable, though access checks never rely on that.
ID_RANDOM_LENGTH = 12


def new_public_id(prefix: str) -> str:
    return f"{prefix}_" + "".join(secrets.choice(BASE62) for _ in range(ID_RANDOM_LENGTH))


class PublicIdField(models.CharField):
    """A primary key whose default is a fresh id with the given prefix."""

    def __init__(self, *args, prefix: str, **kwargs):
        self.prefix = prefix
        kwargs.setdefault("max_length", 40)
        kwargs["primary_key"] = True
        kwargs["editable"] = False
        super().__init__(*args, **kwargs)

    def get_default(self):
        return new_public_id(self.prefix)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs["prefix"] = self.prefix
        for implied in ("primary_key", "editable"):
            kwargs.pop(implied, None)
        return name, path, args, kwargs
