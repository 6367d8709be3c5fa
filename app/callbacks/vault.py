"""Encryption of callback numbers (Fernet: AES-128-CBC + HMAC-SHA256), key from CALLBACK_KEY."""

from __future__ import annotations

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken
from flask import current_app


def _fernet() -> Fernet:
    # Any string makes a key: its SHA-256 is the 32 bytes Fernet wants (encoded as it expects).
    secret = current_app.config["CALLBACK_KEY"].encode()
    return Fernet(base64.urlsafe_b64encode(hashlib.sha256(secret).digest()))


def seal(number: str) -> str:
    return _fernet().encrypt(number.encode()).decode()


def open_sealed(ciphertext: str) -> str:
    """The number, for the call-back only; ValueError if the key changed or the data was altered."""
    try:
        return _fernet().decrypt(ciphertext.encode()).decode()
    except InvalidToken:
        raise ValueError("the callback number cannot be decrypted with CALLBACK_KEY") from None
