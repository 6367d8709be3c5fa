"""People and their access: creating users, passwords, (de)activation and API tokens. Every change is audited.

The command line (``flask users …``) and the admin pages share these functions. A change made by a signed-in
person names them (``actor_id``); one made elsewhere names its origin (``by``: "cli", "seed-demo").
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import secrets
from datetime import UTC, datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerifyMismatchError
from sqlalchemy import delete, func, select

from app.audit import services as audit
from app.audit.models import AuditEvent
from app.db import db, utcnow
from app.queue import services as queue
from app.queue.models import Availability

from .models import ApiToken, Role, User

_hasher = PasswordHasher()
MIN_PASSWORD_LENGTH = 8
MAX_PASSWORD_LENGTH = 256  # the sign-in form takes no longer one
MAX_USERNAME_LENGTH = 64  # users.username is String(64)
# Generated passwords: read out or typed by people, so no look-alike characters (0/o, 1/l/i).
_PASSWORD_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"


class AuthError(ValueError):
    """A user-facing problem with a username, role, password or token.

    ``str()`` is the English message (the command line prints it); ``key`` and ``values`` name the
    translated text the admin pages show (``admin_error_<key>``).
    """

    def __init__(self, key: str, message: str, **values):
        super().__init__(message)
        self.key, self.values = key, values


def check_password(password: str) -> None:
    """The project's password rules; raises :class:`AuthError` naming the one broken."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AuthError("password_too_short", f"password must have at least {MIN_PASSWORD_LENGTH} characters",
                        min=MIN_PASSWORD_LENGTH)
    if len(password) > MAX_PASSWORD_LENGTH:
        raise AuthError("password_too_long", f"password must have at most {MAX_PASSWORD_LENGTH} characters",
                        max=MAX_PASSWORD_LENGTH)


def generate_password() -> str:
    """A new random password (about 79 bits) that follows the rules, in groups of four: ``abcd-efgh-jkmn-pqrs``."""
    return "-".join("".join(secrets.choice(_PASSWORD_ALPHABET) for _ in range(4)) for _ in range(4))


def create_user(username: str, role: str, password: str, *, by: str = "cli", actor_id: int | None = None) -> User:
    """Create a user with an argon2 password hash."""
    username = username.strip()
    if not username:
        raise AuthError("username_empty", "username must not be empty")
    if len(username) > MAX_USERNAME_LENGTH:
        raise AuthError("username_too_long", f"username must have at most {MAX_USERNAME_LENGTH} characters",
                        max=MAX_USERNAME_LENGTH)
    try:
        role_value = Role(role)
    except ValueError:
        raise AuthError("role_unknown", f"unknown role {role!r}: one of {', '.join(r.value for r in Role)}",
                        role=role) from None
    check_password(password)
    if find_user(username):
        raise AuthError("user_exists", f"user {username!r} already exists", name=username)
    user = User(username=username, role=role_value, password_hash=_hasher.hash(password))
    db.session.add(user)
    db.session.flush()
    audit.record("user.create", **_by(by, actor_id), target_type="user", target_id=user.id, role=role_value.value)
    db.session.commit()
    return user


def find_user(username: str) -> User | None:
    return db.session.scalar(select(User).where(User.username == username))


def get_user(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        raise AuthError("no_user", f"no user with id {user_id}", name=str(user_id))
    return user


def user_id_of(username: str) -> int:
    """The id of the user called ``username``; :class:`AuthError` if there is none."""
    user = find_user(username)
    if user is None:
        raise AuthError("no_user", f"no user {username!r}", name=username)
    return user.id


def list_users() -> list[tuple[User, datetime | None]]:
    """Every user, by name, with when they last signed in (None: never, as far as the audit log knows)."""
    last_login = (select(AuditEvent.actor_id, func.max(AuditEvent.at).label("at"))
                  .where(AuditEvent.action == "auth.login").group_by(AuditEvent.actor_id).subquery())
    rows = db.session.execute(select(User, last_login.c.at).outerjoin(last_login, last_login.c.actor_id == User.id)
                              .order_by(User.username))
    return [(user, at.replace(tzinfo=UTC) if at is not None and at.tzinfo is None else at) for user, at in rows]


def set_active(user_id: int, active: bool, *, by: str = "cli", actor_id: int | None = None) -> User:
    """Deactivate or reactivate a user. A deactivated user's sessions and API tokens stop working at once.

    Nobody deactivates themselves, and the last active admin stays. The rule is checked after the change,
    under a lock (PostgreSQL: the admin rows; SQLite: the database's write lock, taken by the change), so
    two admins deactivating each other at the same moment cannot leave none.
    """
    if actor_id is not None and actor_id == user_id and not active:
        raise AuthError("self_deactivate", "you cannot deactivate yourself")
    user = get_user(user_id)
    if user.active == active:
        return user
    removes_admin = not active and user.role is Role.ADMIN
    if removes_admin:
        db.session.execute(select(User.id).where(User.role == Role.ADMIN, User.active.is_(True)).with_for_update())
    user.active = active
    db.session.flush()
    if removes_admin and not db.session.scalar(
            select(func.count()).select_from(User).where(User.role == Role.ADMIN, User.active.is_(True))):
        db.session.rollback()
        raise AuthError("last_admin", f"{user.username} is the last active admin", name=user.username)
    audit.record("user.activate" if active else "user.deactivate", **_by(by, actor_id), target_type="user",
                 target_id=user.id, username=user.username)
    if not active and user.role is Role.OPERATOR:
        # An operator who is gone is not "available": the queue's wait estimates and the board count on it.
        queue.set_availability(user.id, Availability.AWAY, by="deactivated")  # commits the whole change
    db.session.commit()
    return user


def reset_password(user_id: int, password: str | None = None, *, by: str = "cli",
                   actor_id: int | None = None) -> str:
    """Give a user a new password: ``password``, or a generated one. Returns the new password."""
    user = get_user(user_id)
    new = generate_password() if password is None else password
    check_password(new)
    user.password_hash = _hasher.hash(new)
    audit.record("user.password_reset", **_by(by, actor_id), target_type="user", target_id=user.id,
                 username=user.username, generated=password is None)
    db.session.commit()
    return new


def revoke_tokens(user_id: int, *, by: str = "cli", actor_id: int | None = None) -> int:
    """Revoke every API token of a user; returns how many there were."""
    user = get_user(user_id)
    count = db.session.execute(delete(ApiToken).where(ApiToken.user_id == user.id)).rowcount
    audit.record("token.revoke", **_by(by, actor_id), target_type="user", target_id=user.id,
                 username=user.username, tokens=count)
    db.session.commit()
    return count


def token_count(user_id: int) -> int:
    return db.session.scalar(select(func.count()).select_from(ApiToken).where(ApiToken.user_id == user_id)) or 0


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
    user = get_user(user_id_of(username))
    token = secrets.token_urlsafe(32)
    db.session.add(ApiToken(user=user, digest=_digest(token)))
    audit.record("token.issue", **_by(by), target_type="user", target_id=user.id)
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


def user_for_session(session_id: str) -> User | None:
    """The user a signed-in session names (``User.get_id``), unless their password changed since it signed in."""
    user_id, _, stamp = session_id.partition(".")
    user = db.session.get(User, int(user_id)) if user_id.isdigit() else None
    return user if user is not None and hmac.compare_digest(user.password_stamp, stamp) else None


def session_allows(session_id: str, roles) -> bool:
    """Whether the session still holds for an active person with one of ``roles``: long-lived pages ask again."""
    user = user_for_session(session_id)
    return user is not None and user.active and user.role in roles


def _by(label: str, actor_id: int | None = None) -> dict:
    """Who made a change, for its audit event: the signed-in person if any, else where it came from."""
    if actor_id is None:
        return {"actor_label": label}
    return {"actor": get_user(actor_id)}


@functools.cache
def _stand_in_hash() -> str:
    return _hasher.hash(secrets.token_urlsafe(16))


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
