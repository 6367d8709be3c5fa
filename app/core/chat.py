"""Chat rules (pure): the conversation code a child keeps to come back, and a sender's id for a message."""

from __future__ import annotations

import re
import secrets

# Crockford's base 32: digits and capitals without I, L, O and U, which are misread or misheard.
CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 12  # 60 random bits: unguessable, and still typeable on a phone
CODE_GROUP = 4  # shown as XXXX-XXXX-XXXX
_LOOKALIKES = str.maketrans({"I": "1", "L": "1", "O": "0"})
_SEPARATORS = re.compile(r"[\s\-–—_.]+")
_CLIENT_ID = re.compile(r"[A-Za-z0-9_-]{1,64}", re.ASCII)


def new_code() -> str:
    """A fresh random conversation code, grouped for reading: ``7KQ2-M9XD-4TPA``."""
    return format_code("".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH)))


def format_code(code: str) -> str:
    return "-".join(code[i:i + CODE_GROUP] for i in range(0, len(code), CODE_GROUP))


def normalise_code(typed: str | None) -> str | None:
    """The code as typed in its one form, or None if it cannot be a code.

    Any case, spaces or dashes, and O for 0, I or L for 1 are all read as meant.
    """
    if not typed:
        return None
    code = _SEPARATORS.sub("", typed).upper().translate(_LOOKALIKES)
    if len(code) != CODE_LENGTH or any(ch not in CODE_ALPHABET for ch in code):
        return None
    return format_code(code)


def valid_client_id(value: str | None) -> bool:
    """A sender's id for one message (a UUID, say): 1-64 letters, digits, ``-`` or ``_``."""
    return bool(value) and _CLIENT_ID.fullmatch(value) is not None
