"""Secrets sealed at rest with AES-256-GCM (the `cryptography` package).

The key comes from the service's configuration (ML_WEBHOOKS_KEY: the base64 of 32 bytes),
not from the database, so a copy of the database alone does not reveal what is sealed. Each
sealed value binds what it belongs to (`context`, e.g. a subscription id) as associated
data: a sealed value moved to another record does not open.
"""

from __future__ import annotations

import base64
import binascii
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

VERSION = "v1"
NONCE_BYTES = 12


class SealedValueError(ValueError):
    """A sealed value that does not open with this key (another key, altered, misplaced)."""


class SecretBox:
    """Seals and opens short secrets with one key."""

    def __init__(self, key: bytes) -> None:
        if len(key) != 32:
            raise ValueError("the key must be 32 bytes (AES-256)")
        self._aead = AESGCM(key)

    @classmethod
    def from_base64(cls, encoded: str) -> SecretBox:
        """The box of a configured key (standard base64 of 32 bytes)."""
        try:
            return cls(base64.b64decode(encoded, validate=True))
        except (binascii.Error, ValueError) as exc:
            raise ValueError("the key must be the base64 of 32 bytes") from exc

    def seal(self, secret: str, context: str) -> str:
        """`v1:` and the base64 of a fresh nonce and the ciphertext."""
        nonce = os.urandom(NONCE_BYTES)
        sealed = self._aead.encrypt(nonce, secret.encode(), context.encode())
        return f"{VERSION}:{base64.b64encode(nonce + sealed).decode()}"

    def open(self, sealed: str, context: str) -> str:
        """The secret a `seal` with this key and context made."""
        version, _, payload = sealed.partition(":")
        try:
            if version != VERSION:
                raise ValueError(f"unknown sealing {version!r}")
            raw = base64.b64decode(payload, validate=True)
            nonce, ciphertext = raw[:NONCE_BYTES], raw[NONCE_BYTES:]
            return self._aead.decrypt(nonce, ciphertext, context.encode()).decode()
        except (InvalidTag, ValueError, binascii.Error) as exc:
            raise SealedValueError("the sealed value does not open with this key") from exc
