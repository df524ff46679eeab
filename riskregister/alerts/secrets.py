"""Webhook signing secrets: made here, stored encrypted with Fernet (the `cryptography` library)
under CHANNEL_SECRET_KEY, read back only to sign a delivery.

A secret is shown once, when it is made (the API's answer to the create or to rotate-secret); the
database holds only its ciphertext, and nothing reads it back for display. Several keys may be
configured (MultiFernet): the first encrypts, all decrypt, so the key can be rotated.
"""

from __future__ import annotations

import base64
import secrets

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings

SECRET_PREFIX = "whsec_"
# Standard Webhooks asks for 24 to 64 bytes; 32 is what its reference implementations generate.
SECRET_BYTES = 32


class SecretUnreadable(Exception):
    """The stored secret was encrypted with a key that is no longer configured."""


def _fernet() -> MultiFernet:
    return MultiFernet([Fernet(key) for key in settings.CHANNEL_SECRET_KEYS])


def signing_secret_new() -> str:
    """A fresh secret in the Standard Webhooks form, "whsec_" + base64 of random bytes."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


def secret_encrypt(plain: str) -> str:
    return _fernet().encrypt(plain.encode()).decode()


def secret_decrypt(stored: str) -> str:
    try:
        return _fernet().decrypt(stored.encode()).decode()
    except InvalidToken:
        raise SecretUnreadable("the signing secret cannot be decrypted with CHANNEL_SECRET_KEY") from None
