"""Users and their API tokens. Passwords are argon2 hashes; tokens are stored as sha256 digests."""

from __future__ import annotations

import hashlib
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

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return self.active

    @property
    def password_stamp(self) -> str:
        """Changes with the password: a session signed in with the old one no longer holds."""
        return hashlib.sha256(self.password_hash.encode()).hexdigest()[:16]

    def get_id(self) -> str:  # what Flask-Login keeps in the signed session cookie
        return f"{self.id}.{self.password_stamp}"

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
