import hashlib
import math
import string

import pytest

from tokens import credentials


@pytest.mark.parametrize("prefix", credentials.PREFIXES)
def test_generated_credentials_have_the_documented_form(prefix):
    value = credentials.generate(prefix)

    head, body = value.split("_", 1)
    assert head == prefix
    assert len(body) == credentials.RANDOM_LENGTH + credentials.CHECKSUM_LENGTH
    assert set(body) <= set(string.digits + string.ascii_letters)
    assert credentials.parse(value) == prefix


def test_randomness_is_at_least_160_bits():
    assert credentials.RANDOM_LENGTH * math.log2(62) >= 160


def test_generated_values_differ():
    values = {credentials.generate("pat") for _ in range(1000)}
    assert len(values) == 1000


def test_unknown_prefix_cannot_be_generated():
    with pytest.raises(ValueError):
        credentials.generate("xx")


def _flip_last_character(value: str) -> str:
    return value[:-1] + ("A" if value[-1] != "A" else "B")


@pytest.mark.parametrize(
    "mangle",
    [
        pytest.param(_flip_last_character, id="wrong-checksum"),
        pytest.param(lambda v: v[:-7] + ("x" if v[-7] != "x" else "y") + v[-6:], id="typo-in-body"),
        pytest.param(lambda v: "sk_" + v.split("_", 1)[1], id="prefix-swapped"),
        pytest.param(lambda v: "tok_" + v.split("_", 1)[1], id="unknown-prefix"),
        pytest.param(lambda v: v + "a", id="too-long"),
        pytest.param(lambda v: v[:-1], id="too-short"),
        pytest.param(lambda v: " " + v, id="leading-space"),
        pytest.param(lambda v: v + "\n", id="trailing-newline"),
        pytest.param(lambda v: v.replace("_", "-", 1), id="wrong-separator"),
        pytest.param(lambda v: v[:10] + "!" + v[11:], id="not-base62"),
        pytest.param(lambda v: "", id="empty"),
    ],
)
def test_malformed_values_are_rejected_without_any_lookup(mangle):
    value = credentials.generate("pat")
    assert credentials.parse(mangle(value)) is None


def test_digest_is_sha256_hex_and_never_the_value():
    value = credentials.generate("pat")
    digest = credentials.digest(value)
    assert digest == hashlib.sha256(value.encode()).hexdigest()
    assert value not in digest
    # Each digest starts from a fresh state: nothing carries over from the one before.
    other = credentials.generate("pat")
    assert credentials.digest(other) == hashlib.sha256(other.encode()).hexdigest()
    assert credentials.digest(value) == digest
