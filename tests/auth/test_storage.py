"""What is kept of secrets: argon2 hashes of passwords, sha256 digests of tokens, never the text."""

from __future__ import annotations

import hashlib

from sqlalchemy import inspect, select, text

from app.auth.models import ApiToken, User
from app.db import db

from .helpers import PASSWORD, create_user, issue_token


def every_stored_value(app) -> str:
    """Every cell of every table, as one string."""
    with app.app_context():
        tables = inspect(db.engine).get_table_names()
        with db.engine.connect() as connection:
            rows = [row for table in tables for row in connection.execute(text(f'SELECT * FROM "{table}"'))]
    return "\n".join(repr(tuple(row)) for row in rows)


def test_passwords_are_argon2_hashes(app):
    create_user(app, "amina")
    with app.app_context():
        stored = db.session.scalar(select(User.password_hash).where(User.username == "amina"))
    assert stored.startswith("$argon2")
    assert PASSWORD not in every_stored_value(app)


def test_tokens_are_kept_only_as_sha256_digests(app):
    create_user(app, "amina")
    token = issue_token(app, "amina")
    with app.app_context():
        digests = db.session.scalars(select(ApiToken.digest)).all()
    assert digests == [hashlib.sha256(token.encode()).hexdigest()]
    assert token not in every_stored_value(app)
