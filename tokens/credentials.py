"""The credential format: `<prefix>_<random base62><6-char base62 CRC32 checksum>`.

30 random base62 characters carry 30 × log2(62) ≈ 178 bits. The checksum (over prefix and
random part) lets a scanner or the server reject a mistyped or made-up token without
touching the database."""

import hashlib
import re
import secrets
import string
import zlib

BASE62 = string.digits + string.ascii_letters
RANDOM_LENGTH = 30
CHECKSUM_LENGTH = 6  # 62**6 > 2**32, so any CRC32 fits

PERSONAL_ACCESS_TOKEN = "pat"
SECRET_KEY = "sk"
PUBLISHABLE_KEY = "pk"
CLIENT_SECRET = "cs"
PREFIXES = (PERSONAL_ACCESS_TOKEN, SECRET_KEY, PUBLISHABLE_KEY, CLIENT_SECRET)

BODY_LENGTH = RANDOM_LENGTH + CHECKSUM_LENGTH
CREDENTIAL_PATTERN = re.compile(rf"({'|'.join(PREFIXES)})_[0-9A-Za-z]{{{BODY_LENGTH}}}")


BASE62_VALUES = {character: value for value, character in enumerate(BASE62)}


def _base62(number: int, width: int) -> str:
    digits = []
    for _ in range(width):
        number, remainder = divmod(number, 62)
        digits.append(BASE62[remainder])
    return "".join(reversed(digits))


def _from_base62(digits: str) -> int:
    number = 0
    for character in digits:
        number = number * 62 + BASE62_VALUES[character]
    return number


def checksum(checked: str) -> str:
    """The checksum of everything before it: the prefix, "_" and the random part."""
    return _base62(zlib.crc32(checked.encode()), CHECKSUM_LENGTH)


def generate(prefix: str) -> str:
    if prefix not in PREFIXES:
        raise ValueError(f"Unknown credential prefix {prefix!r}.")
    checked = f"{prefix}_" + "".join(secrets.choice(BASE62) for _ in range(RANDOM_LENGTH))
    return checked + checksum(checked)


def parse(value: str) -> str | None:
    """The credential's prefix if `value` is well-formed with a valid checksum, else None."""
    match = CREDENTIAL_PATTERN.fullmatch(value)
    if match is None:
        return None
    # The checksum is read as a number rather than written out again to compare: it is
    # cheaper, and the checksum is no secret (anyone can compute it), so neither way
    # needs to be constant-time.
    given = _from_base62(value[-CHECKSUM_LENGTH:])
    if given != zlib.crc32(value[:-CHECKSUM_LENGTH].encode()):
        return None
    return match[1]


# Copied for each digest: with OpenSSL 3, a new SHA-256 object looks the algorithm up
# again, which costs more than hashing a credential; a copy of a fresh one does not.
_SHA256 = hashlib.sha256()


def digest(value: str) -> str:
    """What is stored and looked up: a SHA-256 digest. The value is high-entropy, so a
    fast unsalted hash is safe here, and it keeps verification to one indexed lookup."""
    hasher = _SHA256.copy()
    hasher.update(value.encode())
    return hasher.hexdigest()
