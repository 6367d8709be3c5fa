"""Cases: what a contact was about and what the helpline did, with its calls or chats, earlier cases and referrals.

Category and sub-category are codes from ``taxonomy.yaml``; the other vocabularies are the enums of
``app.core.cases``. A case never holds a phone number: repeat callers are linked by the call's keyed hash.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.cases import Agency, ContactType, Outcome, ReferralOutcome, RiskLevel, Service
from app.core.vocab import Channel
from app.db import db, enum_column, utcnow

__all__ = ["Agency", "Case", "CaseCall", "CaseConversation", "CaseLink", "CaseService", "Channel", "ContactType",
           "Outcome", "Referral", "ReferralOutcome", "RiskLevel", "Service"]


class Case(db.Model):
    """One contact's record in the case log, opened by the operator who took it."""

    __tablename__ = "cases"

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[Channel] = mapped_column(enum_column(Channel), default=Channel.PHONE)
    opened_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    closed_at: Mapped[datetime | None]  # None while the case is open
    operator_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    # The queue entry (call or chat) the case was opened from: at most one case per entry.
    queue_entry_id: Mapped[int | None] = mapped_column(ForeignKey("queue_entries.id"), unique=True)
    language: Mapped[str | None] = mapped_column(String(8))  # kk or ru, from the call; the operator may correct it
    caller_hash: Mapped[str | None] = mapped_column(String(64), index=True)  # the call's keyed hash, never a number
    category: Mapped[str | None] = mapped_column(String(32), index=True)  # taxonomy code
    sub_category: Mapped[str | None] = mapped_column(String(32))  # taxonomy code under ``category``
    contact_type: Mapped[ContactType | None] = mapped_column(enum_column(ContactType, 32))
    risk_level: Mapped[RiskLevel | None] = mapped_column(enum_column(RiskLevel, 32))  # None: not assessed yet
    outcome: Mapped[Outcome | None] = mapped_column(enum_column(Outcome, 32))
    notes: Mapped[str] = mapped_column(Text, default="")

    operator = relationship("User")
    services: Mapped[list[CaseService]] = relationship(
        back_populates="case", cascade="all, delete-orphan", order_by="CaseService.service"
    )
    referrals: Mapped[list[Referral]] = relationship(
        back_populates="case", cascade="all, delete-orphan", order_by="Referral.id"
    )
    call_links: Mapped[list[CaseCall]] = relationship(cascade="all, delete-orphan", order_by="CaseCall.call_id")
    calls = relationship("Call", secondary="case_calls", order_by="Call.created_at", viewonly=True)
    conversation_links: Mapped[list[CaseConversation]] = relationship(cascade="all, delete-orphan",
                                                                      order_by="CaseConversation.conversation_id")
    conversations = relationship("Conversation", secondary="case_conversations", order_by="Conversation.created_at",
                                 viewonly=True)
    earlier = relationship(
        "Case", secondary="case_links", primaryjoin="Case.id == CaseLink.case_id",
        secondaryjoin="Case.id == CaseLink.earlier_case_id",
        order_by=lambda: [Case.opened_at.desc(), Case.id.desc()], viewonly=True,
    )

    @property
    def is_closed(self) -> bool:
        return self.closed_at is not None

    @property
    def service_values(self) -> list[Service]:
        return [row.service for row in self.services]

    def __repr__(self) -> str:
        state = "closed" if self.is_closed else "open"
        return f"<Case {self.id} {state} {self.category or '-'}/{self.sub_category or '-'}>"


class CaseService(db.Model):
    """A service the helpline gave in a case (a case has none, one or several)."""

    __tablename__ = "case_services"

    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True)
    service: Mapped[Service] = mapped_column(enum_column(Service, 32), primary_key=True, index=True)

    case: Mapped[Case] = relationship(back_populates="services")

    def __repr__(self) -> str:
        return f"<CaseService {self.case_id} {self.service.value}>"


class CaseCall(db.Model):
    """A call that belongs to a case; its recordings and transcripts come with it."""

    __tablename__ = "case_calls"

    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("calls.id", ondelete="CASCADE"), primary_key=True, index=True)
    linked_at: Mapped[datetime] = mapped_column(default=utcnow)

    def __repr__(self) -> str:
        return f"<CaseCall case={self.case_id} call={self.call_id}>"


class CaseConversation(db.Model):
    """A chat that belongs to a case, as its calls do; its messages come with it."""

    __tablename__ = "case_conversations"

    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"), primary_key=True,
                                                 index=True)
    linked_at: Mapped[datetime] = mapped_column(default=utcnow)

    def __repr__(self) -> str:
        return f"<CaseConversation case={self.case_id} conversation={self.conversation_id}>"


class CaseLink(db.Model):
    """A case linked to an earlier case of the same caller."""

    __tablename__ = "case_links"
    __table_args__ = (CheckConstraint("case_id <> earlier_case_id", name="not_itself"),)

    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True)
    earlier_case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True,
                                                 index=True)
    linked_at: Mapped[datetime] = mapped_column(default=utcnow)

    def __repr__(self) -> str:
        return f"<CaseLink {self.case_id} -> {self.earlier_case_id}>"


class Referral(db.Model):
    """A hand-over of a case to another body, with the date by which it promised feedback."""

    __tablename__ = "referrals"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    agency: Mapped[Agency] = mapped_column(enum_column(Agency))
    note: Mapped[str] = mapped_column(Text, default="")  # what was handed over, to whom (no caller number)
    due_date: Mapped[date] = mapped_column(index=True)  # feedback is expected by this day (the helpline's)
    # When the agency reported back, or (outcome no_answer) when the helpline stopped waiting; None: awaited.
    feedback_received_at: Mapped[datetime | None]
    feedback: Mapped[str | None] = mapped_column(Text)  # what the agency reported back
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    outcome: Mapped[ReferralOutcome | None] = mapped_column(enum_column(ReferralOutcome, 32))  # with the feedback
    feedback_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))  # who recorded the feedback
    feedback_recorded_at: Mapped[datetime | None]  # when it was recorded (the agency may have called earlier)
    first_due_date: Mapped[date | None]  # the due date first agreed, once the agency was given more time
    due_date_reason: Mapped[str | None] = mapped_column(Text)  # why the due date was last moved

    case: Mapped[Case] = relationship(back_populates="referrals")

    @property
    def is_open(self) -> bool:
        """Feedback is still awaited."""
        return self.feedback_received_at is None

    def __repr__(self) -> str:
        return f"<Referral {self.id} case={self.case_id} {self.agency.value} due {self.due_date.isoformat()}>"
