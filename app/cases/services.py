"""The case log's operations: open a case from a picked call, save it with its referrals, close it.

Every function takes ids and plain values, audits each change and commits. Problems the operator can fix
raise :class:`CaseError` carrying message keys of ``app/translations``; the console shows them translated.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from enum import StrEnum

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from app.audit import services as audit
from app.auth.models import Role, User
from app.calls.models import Call
from app.clock import helpline_today
from app.core.cases import Agency, ContactType, Outcome, RiskLevel, Service, close_problems
from app.core.vocab import Language, RecordingSource
from app.db import db, utcnow
from app.operators import services as operators
from app.operators.models import Availability
from app.queue import services as queue
from app.queue.models import EntryState
from app.recordings.models import Recording

from .models import Case, CaseCall, CaseConversation, CaseLink, CaseService, Referral
from .taxonomy import taxonomy

EARLIER_LINKS = 50  # a case links at most this many earlier cases of its caller (the newest ones)
NOTES_MAX = 20_000  # characters of notes on a case, and of a referral's note
FIELDS = frozenset({"category", "sub_category", "contact_type", "services", "risk_level", "outcome", "notes",
                    "language", "referrals"})


class CaseError(ValueError):
    """A problem the operator can fix: ``errors`` maps a form field ("" for the whole form) to a message key."""

    def __init__(self, errors: dict[str, str] | str, field: str = ""):
        self.errors = {field: errors} if isinstance(errors, str) else dict(errors)
        super().__init__(", ".join(f"{name or 'case'}: {key}" for name, key in self.errors.items()))

    @property
    def key(self) -> str:
        """The first message key (enough where only one message is shown)."""
        return next(iter(self.errors.values()))


class CaseNotFound(CaseError):
    """No such case (or queue entry, or user): a view answers 404."""


# --- reading ---------------------------------------------------------------------------------------


def get_case(case_id: int) -> Case:
    case = db.session.get(Case, case_id)
    if case is None:
        raise CaseNotFound("case_error_not_found")
    return case


def case_for_entry(entry_id: int) -> Case | None:
    return db.session.scalar(select(Case).where(Case.queue_entry_id == entry_id))


def open_case_for(operator_id: int) -> Case | None:
    """The operator's current case: the newest one they have not closed."""
    return db.session.scalar(
        select(Case).where(Case.operator_id == operator_id, Case.closed_at.is_(None))
        .order_by(Case.opened_at.desc(), Case.id.desc()).limit(1)
    )


def earlier_cases(case_id: int) -> list[Case]:
    """The earlier cases of the same caller linked to this one, newest first."""
    return list(get_case(case_id).earlier)


def operator_cases(operator_id: int, page: int = 1, per_page: int = 50) -> tuple[list[tuple[Case, list[str]]], int]:
    """One page of an operator's cases (open and closed, newest first), and how many they have in all.

    Each case comes with the CallSids of its calls that have recordings, oldest first.
    """
    mine = select(Case).where(Case.operator_id == operator_id)
    total = db.session.scalar(select(func.count()).select_from(mine.subquery())) or 0
    page_of = list(db.session.scalars(mine.order_by(Case.opened_at.desc(), Case.id.desc())
                                      .limit(per_page).offset((max(page, 1) - 1) * per_page)))
    recorded = recorded_calls([case.id for case in page_of])
    return [(case, recorded[case.id]) for case in page_of], total


def recorded_calls(case_ids: list[int]) -> dict[int, list[str]]:
    """For each case, the CallSids of its calls that have recordings, oldest first: what can be replayed."""
    recorded: dict[int, list[str]] = {case_id: [] for case_id in case_ids}
    rows = db.session.execute(
        select(CaseCall.case_id, Call.call_sid).join(Call, Call.id == CaseCall.call_id)
        .where(CaseCall.case_id.in_(recorded), select(Recording.id).where(Recording.call_id == Call.id).exists())
        .order_by(Call.created_at, Call.id)
    )
    for case_id, call_sid in rows:
        recorded[case_id].append(call_sid)
    return recorded


def record_reads(case_ids: Iterable[int], reader_id: int, via: str) -> None:
    """Audit that a person was shown these cases (``case.read``, one event per case, ``via`` the page) and commit."""
    reader = db.session.get(User, reader_id)
    for case_id in case_ids:
        audit.record("case.read", actor=reader, target_type="case", target_id=case_id, via=via)
    db.session.commit()


def case_recordings(case_id: int, *, reader_id: int | None = None) -> list[Recording]:
    """The recordings of the case's calls, oldest first, with their transcripts loaded.

    Whoever shows a transcript's text reads it: pass ``reader_id`` to audit that read (as
    ``transcript.read``); playing the audio is audited where it is served.
    """
    case = get_case(case_id)
    recordings = list(db.session.scalars(
        select(Recording).join(CaseCall, CaseCall.call_id == Recording.call_id)
        .where(CaseCall.case_id == case.id)
        .options(selectinload(Recording.transcripts))
        .order_by(Recording.created_at, Recording.id)
    ))
    if reader_id is not None:
        reader = _user(reader_id)
        for recording in recordings:
            for transcript in recording.transcripts:
                audit.record("transcript.read", actor=reader, target_type="transcript", target_id=transcript.id,
                             recording_sid=recording.recording_sid, case=case.id, via="console")
        db.session.commit()
    return recordings


# --- changing --------------------------------------------------------------------------------------


def open_case(entry_id: int, operator_id: int) -> Case:
    """Open the case of a queue entry (or return the one already open for it); see ``start_case``."""
    try:
        case = start_case(entry_id, operator_id)
        db.session.commit()
    except IntegrityError:  # another request opened it a moment ago
        db.session.rollback()
        existing = case_for_entry(entry_id)
        if existing is None:
            raise
        return existing
    return case


def start_case(entry_id: int, operator_id: int) -> Case:
    """``open_case`` as part of a larger change: flushed and audited, committed by the caller.

    The case takes the contact's channel and language, a caller's keyed hash, and the case category the
    IVR's or the chat's category stands for (``from_flows`` in the taxonomy); it links the entry's call or chat, and the newest earlier
    cases of the same caller. A case already open for the entry is returned (handed over to the operator
    now holding the contact if the contact came back to the line and another operator took them).
    """
    operator = _user(operator_id)
    entry = queue.entry(entry_id)
    if entry is None:
        raise CaseNotFound("case_error_no_entry")
    if entry.operator_id not in (None, operator.id) and not _oversees(operator):
        raise CaseError("case_error_not_yours")
    existing = case_for_entry(entry.id)
    if existing is not None:
        if _taken_over(existing, entry, operator):
            return _hand_over(existing, operator)
        _check_may_edit(existing, operator)
        return existing
    call = db.session.get(Call, entry.call_id) if entry.call_id is not None else None
    case = Case(channel=entry.channel, operator_id=operator.id, queue_entry_id=entry.id,
                language=entry.language or (call.language if call else None),
                caller_hash=entry.caller_hash or (call.caller_hash if call else None),
                category=taxonomy().category_from_flow(entry.category), notes="")
    db.session.add(case)
    db.session.flush()
    if call is not None:
        db.session.add(CaseCall(case_id=case.id, call_id=call.id))
    if entry.conversation_id is not None:
        db.session.add(CaseConversation(case_id=case.id, conversation_id=entry.conversation_id))
    earlier = _earlier_of_caller(case)
    db.session.add_all(CaseLink(case_id=case.id, earlier_case_id=other_id) for other_id in earlier)
    audit.record("case.open", actor=operator, target_type="case", target_id=case.id, queue_entry=entry.id,
                 channel=entry.channel.value, call=entry.call_id, conversation=entry.conversation_id,
                 earlier_cases=earlier)
    db.session.flush()
    return case


def _taken_over(case: Case, entry, operator: User) -> bool:
    """The contact came back to the line (their first operator did not answer) and another operator took them."""
    return case.closed_at is None and case.operator_id != operator.id and entry.operator_id == operator.id


def _hand_over(case: Case, operator: User) -> Case:
    """The open case follows the contact to the operator now holding them, notes and all. Not committed."""
    audit.record("case.handover", actor=operator, target_type="case", target_id=case.id,
                 from_operator=case.operator_id, to_operator=operator.id)
    case.operator_id = operator.id
    return case


def link_call(case_id: int, call_id: int, operator_id: int) -> Case:
    """Add a call to a case (a callback or a follow-up call); linking twice changes nothing."""
    case, operator = get_case(case_id), _user(operator_id)
    _check_may_edit(case, operator)
    if db.session.get(Call, call_id) is None:
        raise CaseNotFound("case_error_no_call")
    if db.session.get(CaseCall, (case.id, call_id)) is None:
        db.session.add(CaseCall(case_id=case.id, call_id=call_id))
        audit.record("case.link_call", actor=operator, target_type="case", target_id=case.id, call=call_id)
        db.session.commit()
    return case


def save_case(case_id: int, operator_id: int, data: dict) -> Case:
    """Validate and store the case form's values; only the keys present in ``data`` change.

    ``data`` keys: category, sub_category, contact_type, risk_level, outcome, language (codes or values,
    "" or None to clear), services (list of values), notes (text), referrals (the case's whole list:
    ``[{"id": existing id or None, "agency", "note", "due_date": date or ISO text}]``; an existing
    referral left out is removed, unless its feedback has arrived). A closed case stays closable.
    """
    unknown = set(data) - FIELDS
    if unknown:
        raise TypeError(f"save_case got unknown fields: {', '.join(sorted(unknown))}")
    case, operator = get_case(case_id), _user(operator_id)
    _check_may_edit(case, operator)
    clean, errors = _clean(case, data)
    referrals = None
    if "referrals" in data:
        referrals, referral_errors = _clean_referrals(case, data["referrals"])
        errors |= referral_errors
    if not errors and case.is_closed:
        errors = _close_problems(case, clean, referrals)
    if errors:
        raise CaseError(errors)

    changed = _apply(case, clean)
    if referrals is not None:
        changed += _apply_referrals(case, operator, referrals)
    if changed:
        audit.record("case.save", actor=operator, target_type="case", target_id=case.id,
                     fields=sorted(set(changed)), closed=case.is_closed)
    db.session.commit()
    return case


def close_case(case_id: int, operator_id: int) -> Case:
    """Close a case that says what the contact was and how it ended; the operator's wrap-up ends.

    Closing an already closed case changes nothing.
    """
    case, operator = get_case(case_id), _user(operator_id)
    _check_may_edit(case, operator)
    if case.is_closed:
        return case
    problems = _close_problems(case, {}, None)
    if problems:
        raise CaseError(problems)
    case.closed_at = utcnow()
    _conversation_over(case)
    audit.record("case.close", actor=operator, target_type="case", target_id=case.id, outcome=case.outcome.value,
                 referrals=len(case.referrals))
    # The case's own operator in wrap-up takes calls again; one commit holds both changes.
    if operator.id == case.operator_id and operators.status(operator.id).availability is Availability.WRAP_UP:
        operators.set_availability(operator.id, Availability.AVAILABLE, by="case-closed")
    else:
        db.session.commit()
    return case


# --- helpers ---------------------------------------------------------------------------------------


def _conversation_over(case: Case) -> None:
    """A case closed on a voice message from the inbox ends that contact too (a call's ends with the call). Not committed."""
    entry = queue.entry(case.queue_entry_id)
    if entry is None or entry.call_id is None or entry.state not in (EntryState.ASSIGNED, EntryState.CONNECTED):
        return
    if db.session.scalar(select(select(Recording.id).where(
            Recording.call_id == entry.call_id, Recording.source == RecordingSource.VOICE_MESSAGE).exists())):
        queue.end(entry, EntryState.DONE)


def _user(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None or not user.active:
        raise CaseNotFound("case_error_unknown_user")
    return user


def _oversees(user: User) -> bool:
    return user.role in (Role.SUPERVISOR, Role.ADMIN)


def _check_may_edit(case: Case, user: User) -> None:
    """A case is the business of its operator, and of supervisors."""
    if case.operator_id != user.id and not _oversees(user):
        raise CaseError("case_error_not_yours")


def _earlier_of_caller(case: Case) -> list[int]:
    if case.caller_hash is None:  # anonymous callers are never linked to each other
        return []
    return list(db.session.scalars(
        select(Case.id).where(Case.caller_hash == case.caller_hash, Case.id < case.id)
        .order_by(Case.id.desc()).limit(EARLIER_LINKS)
    ))


class _Invalid:
    """A value outside its vocabulary."""


def _choice(enum: type[StrEnum], value: object) -> StrEnum | _Invalid | None:
    if value is None or value == "":
        return None
    if isinstance(value, enum):
        return value
    return enum(value) if isinstance(value, str) and value in enum._value2member_map_ else _Invalid()


def _clean(case: Case, data: dict) -> tuple[dict, dict[str, str]]:
    """The validated new values of the fields present in ``data``, and the problems found."""
    clean: dict = {}
    errors: dict[str, str] = {}
    terms = taxonomy()
    if "category" in data:
        category = data["category"] or None
        if category is not None and terms.category(category) is None:
            errors["category"] = "case_error_unknown_category"
        clean["category"] = category
    category = clean.get("category", case.category)
    if "sub_category" in data or category != case.category:
        # A new category drops a sub-category that is not given again.
        sub = data.get("sub_category") or None
        if sub is not None and "category" not in errors:
            if terms.sub_category(sub) is None:
                errors["sub_category"] = "case_error_unknown_sub_category"
            elif terms.sub_category(sub).parent != category:
                errors["sub_category"] = "case_error_sub_category_mismatch"
        clean["sub_category"] = sub

    for name, enum in (("contact_type", ContactType), ("risk_level", RiskLevel), ("outcome", Outcome),
                       ("language", Language)):
        if name in data:
            value = _choice(enum, data[name])
            if isinstance(value, _Invalid):
                errors[name] = "case_error_invalid_choice"
            else:
                clean[name] = value.value if name == "language" and value else value

    if "services" in data:
        values = [_choice(Service, value) for value in (data["services"] or [])]
        if any(isinstance(value, _Invalid) for value in values):
            errors["services"] = "case_error_invalid_choice"
        clean["services"] = {value for value in values if isinstance(value, Service)}

    if "notes" in data:
        notes = (data["notes"] or "").strip()
        if len(notes) > NOTES_MAX:
            errors["notes"] = "case_error_text_too_long"
        clean["notes"] = notes
    return clean, errors


def _due_date(value: object) -> date | None:
    if isinstance(value, date):
        return value
    if isinstance(value, str) and value.strip():
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            return None
    return None


def _clean_referrals(case: Case, rows: Iterable[dict] | None) -> tuple[list[dict], dict[str, str]]:
    """The case's referrals as they should be: validated rows, and the problems found."""
    existing = {referral.id: referral for referral in case.referrals}
    clean, errors, kept = [], {}, set()
    today = helpline_today()
    for row in rows or []:
        referral_id = row.get("id") or None
        if referral_id is not None:
            referral_id = int(referral_id) if str(referral_id).isdigit() else -1
            if referral_id not in existing or referral_id in kept:
                errors["referrals"] = "case_error_referral_unknown"
                continue
            kept.add(referral_id)
        agency = _choice(Agency, row.get("agency"))
        due = _due_date(row.get("due_date"))
        note = (row.get("note") or "").strip()
        if agency is None or isinstance(agency, _Invalid):
            errors["referrals"] = "case_error_referral_agency"
        elif due is None:
            errors["referrals"] = "case_error_referral_due_date"
        elif referral_id is None and due < today:
            errors["referrals"] = "case_error_referral_due_date_past"
        elif len(note) > NOTES_MAX:
            errors["referrals"] = "case_error_text_too_long"
        clean.append({"id": referral_id, "agency": agency, "note": note, "due_date": due})
    if any(not existing[i].is_open for i in set(existing) - kept):
        errors["referrals"] = "case_error_referral_has_feedback"
    return clean, errors


def _close_problems(case: Case, clean: dict, referrals: list[dict] | None) -> dict[str, str]:
    """What stops the case, with the new values applied, from being closed."""
    def value(name):
        return clean.get(name, getattr(case, name))

    return close_problems(
        category=value("category"), contact_type=value("contact_type"), outcome=value("outcome"),
        services=clean.get("services", case.service_values),
        referrals=len(case.referrals) if referrals is None else len(referrals),
    )


def _apply(case: Case, clean: dict) -> list[str]:
    """Set the cleaned values; returns the names of the fields that changed."""
    changed = []
    for name, value in clean.items():
        if name == "services":
            if value != set(case.service_values):
                case.services = [CaseService(service=service) for service in sorted(value)]
                changed.append(name)
        elif getattr(case, name) != value:
            setattr(case, name, value)
            changed.append(name)
    return changed


def _apply_referrals(case: Case, operator: User, rows: list[dict]) -> list[str]:
    """Make the case's referrals match ``rows``; each hand-over added or withdrawn is audited."""
    existing = {referral.id: referral for referral in case.referrals}
    keep = {row["id"] for row in rows if row["id"] is not None}
    changed = False
    for referral_id in set(existing) - keep:
        referral = existing[referral_id]
        audit.record("case.referral_withdrawn", actor=operator, target_type="referral", target_id=referral.id,
                     case=case.id, agency=referral.agency.value)
        case.referrals.remove(referral)
        changed = True
    for row in rows:
        if row["id"] is None:
            referral = Referral(agency=row["agency"], note=row["note"], due_date=row["due_date"],
                                created_by=operator.id)
            case.referrals.append(referral)
            db.session.flush()
            audit.record("case.referral", actor=operator, target_type="referral", target_id=referral.id,
                         case=case.id, agency=referral.agency.value, due_date=referral.due_date.isoformat())
            changed = True
            continue
        referral = existing[row["id"]]
        for name in ("agency", "note", "due_date"):
            if getattr(referral, name) != row[name]:
                setattr(referral, name, row[name])
                changed = True
    return ["referrals"] if changed else []
