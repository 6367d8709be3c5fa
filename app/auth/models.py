"""Users, their sign-in sessions and API tokens.

Passwords are argon2 hashes; session keys and tokens are kept as sha256 digests.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from flask_login import UserMixin
from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import db, enum_column, utcnow


class Role(StrEnum):
    """What a person may do."""

    OPERATOR = "operator"  # answers calls and logs cases
    SUPERVISOR = "supervisor"  # watches the line, replays recordings, reports
    ADMIN = "admin"  # manages users and settings


class User(UserMixin, db.Model):
    """A person who signs in to the consoles or the API."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[Role] = mapped_column(enum_column(Role))
    password_hash: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    tokens: Mapped[list[ApiToken]] = relationship(back_populates="user", cascade="all, delete-orphan")

    # The key of the sign-in session this object was loaded for (not a column: set per request).
    session_key = None

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return self.active

    def get_id(self) -> str | None:  # what Flask-Login keeps in the signed cookie: the session's key
        return self.session_key

    def __repr__(self) -> str:
        return f"<User {self.username} {self.role.value}>"


class ApiToken(db.Model):
    """A bearer token for the JSON API; only its sha256 digest is kept."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None]

    user: Mapped[User] = relationship(back_populates="tokens")

    def __repr__(self) -> str:
        return f"<ApiToken {self.id} of user {self.user_id}>"


class UserSession(db.Model):
    """A signed-in browser session. The cookie carries its random key, the database only the key's digest.

    Signing out, deactivation and a new password delete the rows, so a copied cookie stops working at once;
    a session unused for ``SESSION_IDLE_MINUTES`` is refused and deleted.
    """

    __tablename__ = "user_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)  # the last request made with it

    user: Mapped[User] = relationship()

    def __repr__(self) -> str:
        return f"<UserSession {self.id} of user {self.user_id}>"


class LoginThrottle(db.Model):
    """A counter of failed sign-ins (rules in ``app.core.throttle``), shared by every web process.

    ``key`` is a keyed hash of the scope and what it counts (an account, a source, or both): the table never
    holds an address in clear.
    """

    __tablename__ = "login_throttles"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    failures: Mapped[int] = mapped_column(default=0)
    last_failure_at: Mapped[datetime | None]
    signed_in_at: Mapped[datetime | None]  # pair counters: when the account last signed in from the source

    def __repr__(self) -> str:
        return f"<LoginThrottle {self.key[:8]} {self.failures}>"
