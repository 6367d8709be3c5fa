"""Following referrals up: whose feedback is awaited or late, recording what an agency said, giving it more time.

Referrals are made on the case form (``app.cases.services.save_case``); this is what happens after. Operators
and supervisors follow up every referral, not only their own cases': an agency calls the line back and
whoever answers records what it said, and colleagues cover the follow-ups of those off shift. Admins manage
people and settings, not case content. Reading the list or a referral is audited like any case content.

"Today" is the helpline's (``TIMEZONE``); the rules are ``app.core.referrals``. Problems the person can fix
raise :class:`~app.cases.services.CaseError` with message keys of ``app/translations``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import and_, case, func, select, update
from sqlalchemy.orm import aliased

from app.audit import services as audit
from app.auth.models import Role, User
from app.cases.models import Agency, Case, Referral, ReferralOutcome
from app.cases.services import NOTES_MAX, CaseError, CaseNotFound
from app.clock import helpline_today, helpline_zone
from app.core import parsing
from app.core import referrals as rules
from app.core.referrals import AWAITING, Due
from app.db import db, utcnow

FOLLOWERS = (Role.OPERATOR, Role.SUPERVISOR)
REASON_MAX = 2_000  # characters of the reason for moving a due date


# --- reading ---------------------------------------------------------------------------------------




@dataclass(frozen=True)
class Filters:
    """What the follow-up list narrows to; None narrows nothing. ``due`` None: every referral still awaited."""

    due: Due | None = None
    agency: Agency | None = None
    operator_id: int | None = None  # the case's operator
    due_from: date | None = None
    due_to: date | None = None

    def described(self) -> dict:
        """The filters in use, as the audit event records them."""
        values = {"due": self.due, "agency": self.agency, "operator": self.operator_id,
                  "due_from": self.due_from and self.due_from.isoformat(), "due_to": self.due_to and self.due_to.isoformat()}
        return {name: value for name, value in values.items() if value is not None}


@dataclass(frozen=True)
class Row:
    """A referral as the follow-up pages show it."""

    referral: Referral
    operator_id: int  # the case's operator
    operator: str
    state: Due
    days_late: int  # 0 unless overdue
    days_left: int  # days to the due date (0 today, negative when late)
    recorded_by: str | None  # who recorded the feedback


@dataclass(frozen=True)
class Listing:
    """One page of the follow-up list, and how many referrals each state holds under the same filters."""

    rows: list[Row]
    total: int
    counts: dict[Due, int]

    @property
    def awaiting(self) -> int:
        return sum(self.counts[state] for state in AWAITING)


@dataclass(frozen=True)
class Counts:
    """Referrals awaiting feedback: past their due date, and due today."""

    overdue: int
    due_today: int


def _awaited():
    return Referral.feedback_received_at.is_(None)


def _in_state(state: Due | None, day: date):
    if state is None:
        return _awaited()
    if state is Due.ANSWERED:
        return Referral.feedback_received_at.is_not(None)
    first, last = rules.due_window(state, day)
    return and_(_awaited(), *([Referral.due_date >= first] if first else []),
                *([Referral.due_date <= last] if last else []))


def _narrowed(query, filters: Filters):
    if filters.agency is not None:
        query = query.where(Referral.agency == filters.agency)
    if filters.operator_id is not None:
        query = query.where(Case.operator_id == filters.operator_id)
    if filters.due_from is not None:
        query = query.where(Referral.due_date >= filters.due_from)
    if filters.due_to is not None:
        query = query.where(Referral.due_date <= filters.due_to)
    return query


def _state_counts(filters: Filters, day: date) -> dict[Due, int]:
    """How many referrals are in each state, in one query."""
    sums = [func.coalesce(func.sum(case((_in_state(state, day), 1), else_=0)), 0) for state in Due]
    query = _narrowed(select(*sums).select_from(Referral).join(Case, Case.id == Referral.case_id), filters)
    return dict(zip(Due, (int(value) for value in db.session.execute(query).one()), strict=True))


def counts(*, operator_id: int | None = None, now: datetime | None = None) -> Counts:
    """Overdue and due-today referrals: everyone's (the board), or those of one operator's cases (their console).

    Live pages ask every second: only the awaited referrals due by today are read (the due date's index).
    """
    day = helpline_today(now)
    query = (select(func.count(), func.coalesce(func.sum(case((Referral.due_date == day, 1), else_=0)), 0))
             .select_from(Referral).where(_awaited(), Referral.due_date <= day))
    if operator_id is not None:
        query = query.join(Case, Case.id == Referral.case_id).where(Case.operator_id == operator_id)
    due, today_ = db.session.execute(query).one()
    return Counts(overdue=due - int(today_), due_today=int(today_))


def _row(referral: Referral, operator_id: int, operator: str, recorded_by: str | None, day: date) -> Row:
    state = rules.due_state(referral.due_date, day, closed=not referral.is_open)
    return Row(referral, operator_id, operator, state, rules.days_late(referral.due_date, day),
               (referral.due_date - day).days, recorded_by)


def _rows_query():
    recorder = aliased(User)
    return (select(Referral, Case.operator_id, User.username, recorder.username)
            .join(Case, Case.id == Referral.case_id).join(User, User.id == Case.operator_id)
            .outerjoin(recorder, recorder.id == Referral.feedback_by))


def follow_ups(viewer_id: int, filters: Filters | None = None, *, page: int = 1, per_page: int = 100,
               now: datetime | None = None) -> Listing:
    """One page of referrals in ``filters``' state, most urgent first (answered ones: the latest answer first).

    The viewer's reading is audited with the referrals shown.
    """
    viewer, filters = _follower(viewer_id), filters or Filters()
    day = helpline_today(now)
    counts_ = _state_counts(filters, day)
    total = counts_[filters.due] if filters.due is not None else sum(counts_[state] for state in AWAITING)
    order = ([Referral.feedback_received_at.desc(), Referral.id.desc()] if filters.due is Due.ANSWERED
             else [Referral.due_date, Referral.id])
    query = _narrowed(_rows_query().where(_in_state(filters.due, day)), filters)
    rows = [_row(referral, operator_id, operator, recorded_by, day) for referral, operator_id, operator, recorded_by
            in db.session.execute(query.order_by(*order).limit(per_page).offset((page - 1) * per_page))]
    audit.record("referral.list", actor=viewer, target_type="referral", filters=filters.described(), page=page,
                 shown=[row.referral.id for row in rows])
    db.session.commit()
    return Listing(rows, total, counts_)


def follow_up(referral_id: int, viewer_id: int, *, now: datetime | None = None) -> Row:
    """One referral with where it stands; the viewer's reading is audited."""
    viewer = _follower(viewer_id)
    found = db.session.execute(_rows_query().where(Referral.id == referral_id)).one_or_none()
    if found is None:
        raise CaseNotFound("referral_error_not_found")
    row = _row(*found, helpline_today(now))
    audit.record("referral.read", actor=viewer, target_type="referral", target_id=referral_id,
                 case=row.referral.case_id)
    db.session.commit()
    return row


def operators() -> list[tuple[int, str]]:
    """(id, name) of everyone whose cases have referrals, by name: whom the list can be narrowed to."""
    return [tuple(row) for row in db.session.execute(
        select(User.id, User.username).where(select(Referral.id).join(Case, Case.id == Referral.case_id)
                                             .where(Case.operator_id == User.id).exists())
        .order_by(User.username)
    )]


# --- changing --------------------------------------------------------------------------------------


def record_feedback(referral_id: int, user_id: int, *, outcome: ReferralOutcome | str | None, feedback: str,
                    received_at: datetime | str | None, now: datetime | None = None) -> Referral:
    """Record what the agency reported, when, and what came of the referral; the follow-up is then closed.

    ``received_at`` is aware, or the form's local text (``2026-03-02T14:30``, the helpline's time). With the
    outcome ``no_answer`` the helpline stops waiting: ``feedback`` says what was tried. Recorded once: a second
    attempt (another person at the same moment, say) is refused and changes nothing.
    """
    user, referral = _follower(user_id), _referral(referral_id)
    now = now or utcnow()
    errors: dict[str, str] = {}
    chosen = _outcome(outcome)
    if chosen is None:
        errors["outcome"] = "referral_error_outcome"
    feedback = (feedback or "").strip()
    if not feedback:
        errors["feedback"] = "case_error_feedback_required"
    elif len(feedback) > NOTES_MAX:
        errors["feedback"] = "case_error_text_too_long"
    when = _moment(received_at)
    if when is None:
        errors["received_at"] = "referral_error_received_at"
    elif when > now + timedelta(minutes=1):  # a minute's grace: the form's clock shows minutes
        errors["received_at"] = "referral_error_received_future"
    elif when < referral.created_at.replace(second=0, microsecond=0):
        errors["received_at"] = "referral_error_received_before"
    if not referral.is_open:
        errors = {"": "referral_error_closed"}
    if errors:
        raise CaseError(errors)
    # One statement that only an awaited referral passes: two people recording at once cannot both succeed.
    done = db.session.execute(
        update(Referral).where(Referral.id == referral.id, _awaited())
        .values(feedback_received_at=min(when, now), feedback=feedback, outcome=chosen, feedback_by=user.id,
                feedback_recorded_at=now)
        .execution_options(synchronize_session=False)
    )
    if done.rowcount != 1:
        db.session.rollback()
        raise CaseError("referral_error_closed")
    audit.record("case.referral_feedback", actor=user, target_type="referral", target_id=referral.id,
                 case=referral.case_id, agency=referral.agency.value, outcome=chosen.value,
                 received_at=min(when, now).isoformat())
    db.session.commit()
    db.session.refresh(referral)
    return referral


def move_due_date(referral_id: int, user_id: int, *, due_date: date | str | None, reason: str,
                  now: datetime | None = None) -> Referral:
    """Give the agency more time: a later due date, not in the past, with the reason (the agency asked, say).

    The first due date agreed is kept, so that reports and the page still show the original promise.
    """
    user, referral = _follower(user_id), _referral(referral_id)
    errors: dict[str, str] = {}
    new = _date(due_date)
    if new is None:
        errors["due_date"] = "case_error_referral_due_date"
    elif new <= referral.due_date:
        errors["due_date"] = "referral_error_due_not_later"
    elif new < helpline_today(now):
        errors["due_date"] = "case_error_referral_due_date_past"
    reason = (reason or "").strip()
    if not reason:
        errors["reason"] = "referral_error_reason_required"
    elif len(reason) > REASON_MAX:
        errors["reason"] = "case_error_text_too_long"
    if not referral.is_open:
        errors = {"": "referral_error_closed"}
    if errors:
        raise CaseError(errors)
    audit.record("case.referral_due_date", actor=user, target_type="referral", target_id=referral.id,
                 case=referral.case_id, before=referral.due_date.isoformat(), after=new.isoformat())
    referral.first_due_date = referral.first_due_date or referral.due_date
    referral.due_date, referral.due_date_reason = new, reason
    db.session.commit()
    return referral


# --- helpers ---------------------------------------------------------------------------------------


def may_follow_up(role: Role) -> bool:
    return role in FOLLOWERS


def _follower(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None or not user.active:
        raise CaseNotFound("case_error_unknown_user")
    if not may_follow_up(user.role):
        raise CaseError("referral_error_not_allowed")
    return user


def _referral(referral_id: int) -> Referral:
    referral = db.session.get(Referral, referral_id)
    if referral is None:
        raise CaseNotFound("referral_error_not_found")
    return referral


def _outcome(value: object) -> ReferralOutcome | None:
    if isinstance(value, ReferralOutcome):
        return value
    return ReferralOutcome(value) if isinstance(value, str) and value in ReferralOutcome._value2member_map_ else None


def _date(value: object) -> date | None:
    if isinstance(value, date):
        return value
    try:
        return parsing.calendar_day(value.strip()) if isinstance(value, str) else None
    except ValueError:
        return None


def _moment(value: object) -> datetime | None:
    """An aware moment, or the form's local date and time (``2026-03-02T14:30``) in the helpline's zone."""
    if isinstance(value, datetime):
        return value if value.tzinfo is not None else None
    try:
        return parsing.day_and_time(value.strip()).replace(tzinfo=helpline_zone()) if isinstance(value, str) else None
    except ValueError:
        return None
