"""Writing audit events. Callers commit; an event is part of the change it records."""

from __future__ import annotations

from flask import has_request_context, request

from app.db import db

from .models import AuditEvent


def record(action: str, *, actor=None, actor_label: str | None = None, target_type: str | None = None,
           target_id: object = None, **details) -> AuditEvent:
    """Add an audit event to the session (the caller's commit persists it with the change)."""
    event = AuditEvent(
        action=action,
        actor_id=getattr(actor, "id", None),
        actor_label=actor_label or getattr(actor, "username", None) or "system",
        target_type=target_type,
        target_id=None if target_id is None else str(target_id),
        remote_addr=request.remote_addr if has_request_context() else None,
        details=details,
    )
    db.session.add(event)
    return event
