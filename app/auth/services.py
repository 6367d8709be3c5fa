"""People and their access: creating users, passwords, (de)activation and API tokens. Every change is audited.

The command line (``flask users …``) and the admin pages share these functions. A change made by a signed-in
person names them (``actor_id``); one made elsewhere names its origin (``by``: "cli", "seed-demo").
"""

from __future__ import annotations

import functools
import hashlib
import secrets
import sys
import threading
from datetime import UTC, datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerifyMismatchError
from flask import current_app
from sqlalchemy import delete, func, select
from sqlalchemy.orm import joinedload

from app.audit import services as audit
from app.audit.models import AuditEvent
from app.db import db, utcnow
from app.operators import services as operators
from app.operators.models import Availability

from . import throttle
from .models import ApiToken, Role, User, UserSession

_hasher = PasswordHasher()
# Argon2 takes 64 MiB and ~50 ms of a core per hash: a web process runs at most this many at once (its other
# threads wait), so a burst of sign-ins cannot take the machine's memory however many threads there are.
_argon2_slots = threading.BoundedSemaphore(2)
MIN_PASSWORD_LENGTH = 8
MAX_PASSWORD_LENGTH = 256  # the sign-in form takes no longer one
MAX_USERNAME_LENGTH = 64  # users.username is String(64)
# Generated passwords: read out or typed by people, so no look-alike characters (0/o, 1/l/i).
_PASSWORD_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
SESSION_TOUCH_SECONDS = 60  # a session's last use is written at most this often (not on every request)


class Throttled(Exception):
    """Too many failed sign-ins: the attempt was refused without checking the password until ``until``."""

    def __init__(self, until: datetime):
        super().__init__(f"try again after {until.isoformat()}")
        self.until = until


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
    user = User(username=username, role=role_value, password_hash=_hash(password))
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
    """Deactivate or reactivate a user; deactivation deletes their sessions and API tokens.

    Reactivation brings none of them back.

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
    ended = {}
    if not active:  # deleted, not suspended: reactivation brings back no old session or token
        ended = {"sessions": _end_sessions(user.id),
                 "tokens": db.session.execute(delete(ApiToken).where(ApiToken.user_id == user.id)).rowcount}
    audit.record("user.activate" if active else "user.deactivate", **_by(by, actor_id), target_type="user",
                 target_id=user.id, username=user.username, **ended)
    if not active and user.role is Role.OPERATOR:
        # An operator who is gone is not "available": the queue's wait estimates and the board count on it.
        operators.set_availability(user.id, Availability.AWAY, by="deactivated")  # commits the whole change
    db.session.commit()
    return user


def reset_password(user_id: int, password: str | None = None, *, by: str = "cli",
                   actor_id: int | None = None) -> str:
    """Give a user a new password: ``password``, or a generated one; it ends their sessions. Returns it."""
    user = get_user(user_id)
    new = generate_password() if password is None else password
    check_password(new)
    user.password_hash = _hash(new)
    audit.record("user.password_reset", **_by(by, actor_id), target_type="user", target_id=user.id,
                 username=user.username, generated=password is None, sessions=_end_sessions(user.id))
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


def authenticate(username: str, password: str, source: str | None = None) -> User | None:
    """Return the active user with this password, or None; :class:`Throttled` while attempts must wait.

    ``source`` is the client's address: it is kept only as a keyed hash, by the throttle and in the audit
    events of failed and throttled attempts. Every attempt is audited.
    """
    attempt = throttle.Attempt.of(username, source)
    user = find_user(username) if len(username) <= MAX_USERNAME_LENGTH else None
    target = {"actor_label": username[:64], "target_type": "user", "target_id": user.id if user else None}
    held = throttle.held_until(attempt)
    if held is not None:
        until, scope = held
        audit.record("auth.throttled", **target, source_hash=attempt.source, until=until.isoformat(),
                     counter=scope.value)
        db.session.commit()
        raise Throttled(until)
    usable = user is not None and user.active
    ok = False
    if len(password) <= MAX_PASSWORD_LENGTH and len(username) <= MAX_USERNAME_LENGTH:  # no hashing of a huge one
        # Verify against a stand-in hash for unknown or inactive users, so the time taken does not tell.
        try:
            ok = _verify(user.password_hash if usable else _stand_in_hash(), password) and usable
        except (VerifyMismatchError, InvalidHashError):
            ok = False
    if ok:
        if _hasher.check_needs_rehash(user.password_hash):
            user.password_hash = _hash(password)
        throttle.succeeded(attempt)
        audit.record("auth.login", actor=user, target_type="user", target_id=user.id)
    else:
        throttle.failed(attempt)
        audit.record("auth.login_failed", **target, source_hash=attempt.source)
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


def start_session(user_id: int) -> str:
    """A new sign-in session for the user; returns its key (for the cookie), of which only a digest is kept.

    Sessions left idle beyond the limit by anyone are deleted here, so the table keeps only live ones.
    """
    key = secrets.token_urlsafe(32)
    db.session.execute(delete(UserSession).where(UserSession.last_seen_at < utcnow() - _idle_limit()))
    db.session.add(UserSession(user_id=user_id, digest=_digest(key)))
    db.session.commit()
    return key


def user_for_session(key: str, *, touch: bool = True) -> User | None:
    """The active user whose session ``key`` names, or None: signed out, idle too long, deactivated.

    ``touch`` counts the request as use of the session (a live page's stream does not: it would keep an
    abandoned console signed in for ever).
    """
    session = db.session.scalar(select(UserSession).where(UserSession.digest == _digest(key))
                                .options(joinedload(UserSession.user)))  # one query: live pages ask every second
    if session is None:
        return None
    now = utcnow()
    if now - session.last_seen_at > _idle_limit():
        db.session.delete(session)
        db.session.commit()
        return None
    if not session.user.active:
        return None
    if touch and now - session.last_seen_at >= timedelta(seconds=SESSION_TOUCH_SECONDS):
        session.last_seen_at = now
        db.session.commit()
    session.user.session_key = key
    return session.user


def session_allows(key: str, roles) -> bool:
    """Whether the session still holds for an active person with one of ``roles``: live pages ask again."""
    user = user_for_session(key, touch=False)
    return user is not None and user.role in roles


def end_session(key: str) -> None:
    """Sign out: the session's key no longer opens anything, wherever the cookie was copied to.

    An operator who signs out takes no more contacts: they are set away.
    """
    session = db.session.scalar(select(UserSession).where(UserSession.digest == _digest(key)))
    if session is not None:
        audit.record("auth.logout", actor=session.user, target_type="user", target_id=session.user_id)
        db.session.delete(session)
        if session.user.role is Role.OPERATOR:
            operators.set_availability(session.user_id, Availability.AWAY, by="sign-out")
        db.session.commit()


def _end_sessions(user_id: int) -> int:
    """Delete every session of a user (the caller commits); returns how many there were."""
    return db.session.execute(delete(UserSession).where(UserSession.user_id == user_id)).rowcount


def _idle_limit() -> timedelta:
    return timedelta(minutes=current_app.config["SESSION_IDLE_MINUTES"])


def _hash(password: str) -> str:
    with _argon2_slots:
        return _off_the_loop(_hasher.hash, password)


def _verify(password_hash: str, password: str) -> bool:
    with _argon2_slots:
        return _off_the_loop(_hasher.verify, password_hash, password)


def _off_the_loop(work, *args):
    """Run argon2 where it holds up no other request: under gevent (the Procfile's worker), on a real thread.

    A greenlet computing a hash would stop every other page of its process for that long; argon2 releases
    the interpreter's lock while it works, so on one of gevent's threads the others go on meanwhile.
    """
    monkey = sys.modules.get("gevent.monkey")
    if monkey is not None and monkey.is_module_patched("threading"):
        from gevent import get_hub

        return get_hub().threadpool.apply(work, args)
    return work(*args)


def _by(label: str, actor_id: int | None = None) -> dict:
    """Who made a change, for its audit event: the signed-in person if any, else where it came from."""
    if actor_id is None:
        return {"actor_label": label}
    return {"actor": get_user(actor_id)}


@functools.cache
def _stand_in_hash() -> str:
    return _hash(secrets.token_urlsafe(16))


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
