"""Writing audit events (callers commit: an event is part of the change it records), and reading them back."""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from flask import has_request_context, request
from sqlalchemy import Select, func, or_, select

from app.auth.models import User
from app.core.spreadsheet import csv_lines
from app.db import db

from .models import AuditEvent


def record(action: str, *, actor=None, actor_label: str | None = None, target_type: str | None = None,
           target_id: object = None, source_hash: str | None = None, **details) -> AuditEvent:
    """Add an audit event to the session (the caller's commit persists it with the change).

    The request's address is kept as "from", unless ``source_hash`` (a keyed hash of it) is given: then
    "#" and its start stand in for it (sign-in attempts of strangers, whose address is not kept).
    """
    address = request.remote_addr if has_request_context() else None
    event = AuditEvent(
        action=action,
        actor_id=getattr(actor, "id", None),
        actor_label=actor_label or getattr(actor, "username", None) or "system",
        target_type=target_type,
        target_id=None if target_id is None else str(target_id),
        remote_addr=f"#{source_hash[:16]}" if source_hash else address,
        details=details,
    )
    db.session.add(event)
    return event


# --- reading: the audit viewer -------------------------------------------------------------------

PAGE_SIZE = 50
CSV_HEADER = ("at_utc", "actor", "action", "target_type", "target_id", "from", "details")


@dataclass(frozen=True)
class Filters:
    """What the audit viewer narrows the log to; empty fields do not narrow it."""

    since: datetime | None = None  # from this moment on (aware)
    until: datetime | None = None  # before this moment (aware)
    actor: str = ""  # a username or label such as "cli", any case
    action: str = ""  # "auth.login"; "recording" or "recording.*": every recording.… action; "rec*": a prefix
    target: str = ""  # "recording" (every recording) or "recording:12"

    def described(self) -> dict[str, str]:
        """The filters in use, as the audit event of an export records them."""
        values = {"since": self.since and self.since.isoformat(), "until": self.until and self.until.isoformat(),
                  "actor": self.actor, "action": self.action, "target": self.target}
        return {key: value for key, value in values.items() if value}


@dataclass(frozen=True)
class Page:
    events: list[AuditEvent]
    number: int  # from 1
    total: int  # events matching, on every page

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // PAGE_SIZE))


def _matching(filters: Filters) -> Select:
    query = select(AuditEvent)
    if filters.since is not None:
        query = query.where(AuditEvent.at >= filters.since)
    if filters.until is not None:
        query = query.where(AuditEvent.at < filters.until)
    if filters.actor.strip():
        query = query.where(func.lower(AuditEvent.actor_label) == filters.actor.strip().lower())
    action = filters.action.strip()
    if action.endswith("*"):  # a prefix: "recording.*", "rec*"
        query = query.where(AuditEvent.action.like(_escape_like(action[:-1]) + "%", escape="\\"))
    elif action:  # an action, and the family it names: "recording" is recording.play, recording.download…
        query = query.where(or_(AuditEvent.action == action,
                                AuditEvent.action.like(_escape_like(action) + ".%", escape="\\")))
    target_type, _, target_id = filters.target.strip().partition(":")
    if target_type:
        query = query.where(AuditEvent.target_type == target_type.strip())
    if target_id.strip():
        query = query.where(AuditEvent.target_id == target_id.strip())
    return query


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _newest_first(query: Select) -> Select:
    return query.order_by(AuditEvent.at.desc(), AuditEvent.id.desc())


def find(filters: Filters, page: int = 1) -> Page:
    """One page of the events matching ``filters``, newest first."""
    total = db.session.scalar(select(func.count()).select_from(_matching(filters).subquery())) or 0
    page = min(max(page, 1), max(1, -(-total // PAGE_SIZE)))
    events = db.session.scalars(_newest_first(_matching(filters)).limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE))
    return Page(list(events), page, total)


def actor_labels() -> list[str]:
    """Every actor the log names, for the viewer's suggestions."""
    return list(db.session.scalars(select(AuditEvent.actor_label).distinct().order_by(AuditEvent.actor_label)))


def export_csv(filters: Filters, actor_id: int) -> Iterator[str]:
    """The matching events as CSV lines (header first), newest first. The export itself is audited first.

    The audit event is committed before the first line is made: an export that is cut short was still
    asked for. The event is not part of its own export.
    """
    query = _newest_first(_matching(filters))
    total = db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    last_id = db.session.scalar(select(func.max(AuditEvent.id))) or 0
    reader = db.session.get(User, actor_id)
    record("audit.export", actor=reader, target_type="audit_log", rows=total, filters=filters.described())
    db.session.commit()
    return csv_lines(itertools.chain([CSV_HEADER], _rows(query.where(AuditEvent.id <= last_id))))


def _rows(query: Select) -> Iterator[tuple]:
    """The events as CSV rows, read in batches when the response is sent (the view's session is gone by then)."""
    for event in db.session.execute(query.execution_options(yield_per=500)).scalars():
        yield _csv_row(event)


def _csv_row(event: AuditEvent) -> tuple:
    details = json.dumps(event.details, ensure_ascii=False, sort_keys=True, default=str) if event.details else ""
    return (event.at.isoformat(timespec="seconds"), event.actor_label, event.action, event.target_type or "",
            event.target_id or "", event.remote_addr or "", details)
