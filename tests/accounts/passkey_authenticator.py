"""A software authenticator for the passkey tests: it answers the portal's WebAuthn options
the way a browser and a security key would (an ES256 key, "none" attestation), so that
py_webauthn's real verification runs on every answer. Its knobs make the answers a test
needs to see refused: another origin or relying party, a counter gone backwards."""

import hashlib
import json
import os

import cbor2
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from webauthn.helpers import bytes_to_base64url

FLAG_USER_PRESENT = 0x01
FLAG_USER_VERIFIED = 0x04
FLAG_ATTESTED_CREDENTIAL = 0x40


class SoftAuthenticator:
    """One credential, made by `register` and used by `assertion`."""

    def __init__(self, *, rp_id: str, origin: str):
        self.rp_id = rp_id
        self.origin = origin
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.credential_id = os.urandom(32)
        self.sign_count = 0
        self.user_handle = b""

    @property
    def id(self) -> str:
        return bytes_to_base64url(self.credential_id)

    def _client_data(self, kind: str, options: dict, origin: str | None) -> bytes:
        return json.dumps(
            {
                "type": kind,
                "challenge": options["challenge"],
                "origin": origin or self.origin,
                "crossOrigin": False,
            }
        ).encode()

    def _authenticator_data(self, flags: int, rp_id: str | None, extra: bytes = b"") -> bytes:
        rp_hash = hashlib.sha256((rp_id or self.rp_id).encode()).digest()
        return rp_hash + bytes([flags]) + self.sign_count.to_bytes(4, "big") + extra

    def _cose_public_key(self) -> bytes:
        numbers = self.key.public_key().public_numbers()
        return cbor2.dumps(
            {
                1: 2,  # kty: EC2
                3: -7,  # alg: ES256
                -1: 1,  # crv: P-256
                -2: numbers.x.to_bytes(32, "big"),
                -3: numbers.y.to_bytes(32, "big"),
            }
        )

    def register(
        self, options_json: str, *, origin: str | None = None, rp_id: str | None = None
    ) -> str:
        """navigator.credentials.create()'s answer to registration options, as JSON."""
        options = json.loads(options_json)
        self.user_handle = options["user"]["id"]
        attested = (
            bytes(16)  # AAGUID: none
            + len(self.credential_id).to_bytes(2, "big")
            + self.credential_id
            + self._cose_public_key()
        )
        auth_data = self._authenticator_data(
            FLAG_USER_PRESENT | FLAG_USER_VERIFIED | FLAG_ATTESTED_CREDENTIAL, rp_id, attested
        )
        attestation = cbor2.dumps({"fmt": "none", "attStmt": {}, "authData": auth_data})
        return json.dumps(
            {
                "id": self.id,
                "rawId": self.id,
                "type": "public-key",
                "response": {
                    "clientDataJSON": bytes_to_base64url(
                        self._client_data("webauthn.create", options, origin)
                    ),
                    "attestationObject": bytes_to_base64url(attestation),
                    "transports": ["internal"],
                },
                "clientExtensionResults": {},
            }
        )

    def assertion(
        self,
        options_json: str,
        *,
        origin: str | None = None,
        rp_id: str | None = None,
        verified: bool = True,
    ) -> str:
        """navigator.credentials.get()'s answer to authentication options, as JSON; with
        `verified` False, an authenticator that checked presence only (no PIN, no biometric)."""
        options = json.loads(options_json)
        self.sign_count += 1
        flags = FLAG_USER_PRESENT | (FLAG_USER_VERIFIED if verified else 0)
        auth_data = self._authenticator_data(flags, rp_id)
        client_data = self._client_data("webauthn.get", options, origin)
        signature = self.key.sign(
            auth_data + hashlib.sha256(client_data).digest(), ec.ECDSA(hashes.SHA256())
        )
        return json.dumps(
            {
                "id": self.id,
                "rawId": self.id,
                "type": "public-key",
                "response": {
                    "clientDataJSON": bytes_to_base64url(client_data),
                    "authenticatorData": bytes_to_base64url(auth_data),
                    "signature": bytes_to_base64url(signature),
                    "userHandle": self.user_handle,
                },
                "clientExtensionResults": {},
            }
        )
