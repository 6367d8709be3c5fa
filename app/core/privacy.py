"""Privacy rules: a phone number, an address or a code is reduced to a keyed hash before anything keeps it."""

from __future__ import annotations

import hashlib
import hmac

# What Twilio and carriers send when the caller withheld the number.
_WITHHELD = {"", "anonymous", "restricted", "unknown", "private", "unavailable", "+266696687", "+7378742833"}


def caller_key(number: str | None, secret: str) -> str | None:
    """HMAC-SHA256 of the caller's digits: links repeat callers, reveals nothing without the secret.

    Returns None for withheld numbers, so anonymous callers are never linked to each other.
    """
    if number is None or number.strip().lower() in _WITHHELD:
        return None
    digits = "".join(ch for ch in number if ch.isdigit())
    if not digits:
        return None
    return hmac.new(secret.encode(), digits.encode(), hashlib.sha256).hexdigest()


def keyed_hash(value: str, secret: str, purpose: str) -> str:
    """HMAC-SHA256 of ``value`` for one ``purpose``.

    The same value hashed for another purpose, or with another secret, gives an unrelated digest: a digest
    kept for one use cannot be matched in another.
    """
    return hmac.new(secret.encode(), f"{purpose}\x00{value}".encode(), hashlib.sha256).hexdigest()
