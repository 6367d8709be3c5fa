"""Creating users, checking passwords and issuing API tokens. Every change is audited."""

from __future__ import annotations

import functools
import hashlib
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerifyMismatchError
from sqlalchemy import select

from app.audit import services as audit
from app.db import db, utcnow

from .models import ApiToken, Role, User

_hasher = PasswordHasher()
MIN_PASSWORD_LENGTH = 8
MAX_USERNAME_LENGTH = 64  # users.username is String(64)


class AuthError(ValueError):
    """A user-facing problem with a username, role, password or token."""


def create_user(username: str, role: str, password: str, *, by: str = "cli") -> User:
    """Create a user with an argon2 password hash."""
    username = username.strip()
    if not username:
        raise AuthError("username must not be empty")
    if len(username) > MAX_USERNAME_LENGTH:
        raise AuthError(f"username must have at most {MAX_USERNAME_LENGTH} characters")
    try:
        role_value = Role(role)
    except ValueError:
        raise AuthError(f"unknown role {role!r}: one of {', '.join(r.value for r in Role)}") from None
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AuthError(f"password must have at least {MIN_PASSWORD_LENGTH} characters")
    if find_user(username):
        raise AuthError(f"user {username!r} already exists")
    user = User(username=username, role=role_value, password_hash=_hasher.hash(password))
    db.session.add(user)
    db.session.flush()
    audit.record("user.create", actor_label=by, target_type="user", target_id=user.id, role=role_value.value)
    db.session.commit()
    return user


def find_user(username: str) -> User | None:
    return db.session.scalar(select(User).where(User.username == username))


def authenticate(username: str, password: str) -> User | None:
    """Return the active user with this password, or None. Audits success and failure."""
    user = find_user(username)
    usable = user is not None and user.active
    # Verify against a stand-in hash for unknown or inactive users, so the time taken does not tell.
    try:
        ok = _hasher.verify(user.password_hash if usable else _stand_in_hash(), password) and usable
    except (VerifyMismatchError, InvalidHashError):
        ok = False
    if ok and _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    audit.record("auth.login" if ok else "auth.login_failed", actor=user if ok else None,
                 actor_label=username[:64], target_type="user", target_id=user.id if user else None)
    db.session.commit()
    return user if ok else None


def issue_token(username: str, *, by: str = "cli") -> str:
    """Create a new API token for a user and return it; only its digest is stored."""
    user = find_user(username)
    if user is None:
        raise AuthError(f"no user {username!r}")
    token = secrets.token_urlsafe(32)
    db.session.add(ApiToken(user=user, digest=_digest(token)))
    audit.record("token.issue", actor_label=by, target_type="user", target_id=user.id)
    db.session.commit()
    return token


def user_for_token(token: str) -> User | None:
    """The active user a bearer token belongs to, or None."""
    api_token = db.session.scalar(select(ApiToken).where(ApiToken.digest == _digest(token)))
    if api_token is None or not api_token.user.active:
        return None
    api_token.last_used_at = utcnow()
    db.session.commit()
    return api_token.user


@functools.cache
def _stand_in_hash() -> str:
    return _hasher.hash(secrets.token_urlsafe(16))


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
