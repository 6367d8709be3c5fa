"""Helpers shared by the people-and-access and audit tests."""

from __future__ import annotations

from lxml import html
from sqlalchemy import select

from app.audit.models import AuditEvent
from app.auth import services
from app.db import db

PASSWORD = "correct horse battery"


def create_user(app, name: str = "amina", role: str = "operator", *, active: bool = True) -> int:
    """Create a user with ``PASSWORD`` through the service; return its id."""
    with app.app_context():
        user = services.create_user(name, role, PASSWORD)
        user.active = active
        db.session.commit()
        return user.id


def set_active(app, name: str, active: bool) -> None:
    with app.app_context():
        services.find_user(name).active = active
        db.session.commit()


def issue_token(app, name: str = "amina") -> str:
    with app.app_context():
        return services.issue_token(name)


def csrf_token(client, path: str = "/login") -> str:
    """The CSRF token of the first form on a page."""
    return html.fromstring(client.get(path).data).xpath('//input[@name="csrf_token"]/@value')[0]


def log_in(client, name: str = "amina", password: str = PASSWORD, **query):
    """Submit the login form like a browser: fetch it for its CSRF token, then post it."""
    data = {"username": name, "password": password, "csrf_token": csrf_token(client)}
    return client.post("/login", query_string=query, data=data)


def audit_events(app, action: str | None = None) -> list[AuditEvent]:
    with app.app_context():
        query = select(AuditEvent).order_by(AuditEvent.id)
        if action:
            query = query.where(AuditEvent.action == action)
        events = db.session.scalars(query).all()
        db.session.expunge_all()
        return events


def user_id(app, name: str) -> int:
    with app.app_context():
        return services.find_user(name).id
