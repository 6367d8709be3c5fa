"""The case log from a picked call to a closed case: open, save with referrals, close, and what is refused."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.audit.models import AuditEvent
from app.calls.models import Call
from app.cases import services
from app.cases.models import Case, CaseCall, CaseLink, ContactType, Outcome, Referral, RiskLevel, Service
from app.cases.services import CaseError, CaseNotFound
from app.core.vocab import RecordingSource, Speaker
from app.db import db, utcnow
from app.operators import services as operators
from app.operators.models import Availability
from app.queue import services as queue
from app.recordings.models import Recording, RecordingState
from app.referrals import services as referrals
from app.transcription.models import Transcript

from .conftest import CALLER

TODAY = utcnow().date()
IN_A_WEEK = TODAY + timedelta(days=7)

FILLED = {
    "category": "violence",
    "sub_category": "physical_violence",
    "contact_type": "substantive",
    "services": ["psychological_support", "inter_agency_referral"],
    "risk_level": "high",
    "outcome": "referred",
    "notes": "Отчим бьёт, мама знает. Обещала позвонить завтра.",
    "referrals": [
        {"agency": "police", "note": "ювенальная полиция района", "due_date": IN_A_WEEK.isoformat()},
        {"agency": "guardianship", "note": "", "due_date": IN_A_WEEK + timedelta(days=3)},
    ],
}


def actions(target_type: str | None = None) -> list[str]:
    query = select(AuditEvent.action).order_by(AuditEvent.id)
    if target_type:
        query = query.where(AuditEvent.target_type == target_type)
    return list(db.session.scalars(query))


def availability(user_id: int) -> Availability:
    db.session.expire_all()
    return operators.status(user_id).availability


def test_open_save_close_ends_the_wrap_up(db_session, operator, talked):
    entry_id = talked(operator)
    entry = queue.entry(entry_id)
    assert availability(operator) is Availability.WRAP_UP

    case = services.open_case(entry_id, operator)
    assert (case.operator_id, case.queue_entry_id, case.language, case.caller_hash) == (
        operator, entry_id, "ru", entry.caller_hash)
    assert case.caller_hash and len(case.caller_hash) == 64
    assert [call.id for call in case.calls] == [entry.call_id]
    assert services.open_case_for(operator) == case

    saved = services.save_case(case.id, operator, FILLED)
    assert (saved.category, saved.sub_category, saved.contact_type, saved.risk_level, saved.outcome) == (
        "violence", "physical_violence", ContactType.SUBSTANTIVE, RiskLevel.HIGH, Outcome.REFERRED)
    assert saved.service_values == [Service.INTER_AGENCY_REFERRAL, Service.PSYCHOLOGICAL_SUPPORT]
    assert [(r.agency.value, r.note, r.due_date, r.created_by) for r in saved.referrals] == [
        ("police", "ювенальная полиция района", IN_A_WEEK, operator),
        ("guardianship", "", IN_A_WEEK + timedelta(days=3), operator),
    ]
    assert saved.closed_at is None
    assert availability(operator) is Availability.WRAP_UP  # saving alone does not end the wrap-up

    closed = services.close_case(case.id, operator)
    assert closed.closed_at is not None and closed.is_closed
    assert availability(operator) is Availability.AVAILABLE
    assert services.open_case_for(operator) is None

    db.session.expire_all()
    stored = db.session.get(Case, case.id)
    assert stored.closed_at == closed.closed_at and stored.closed_at.tzinfo is not None
    assert stored.notes == FILLED["notes"]


def test_closing_while_still_talking_leaves_availability_alone(db_session, operator, talked):
    case = services.open_case(talked(operator), operator)
    operators.set_availability(operator, Availability.BUSY)
    services.save_case(case.id, operator, {"contact_type": "silent", "outcome": "no_action_needed"})
    services.close_case(case.id, operator)
    assert availability(operator) is Availability.BUSY


def test_open_is_idempotent_per_queue_entry(db_session, operator, talked):
    entry_id = talked(operator)
    first = services.open_case(entry_id, operator)
    again = services.open_case(entry_id, operator)
    assert again.id == first.id
    assert db.session.scalar(select(func.count()).select_from(Case)) == 1
    assert db.session.scalar(select(func.count()).select_from(CaseCall)) == 1
    assert actions("case") == ["case.open"]


def test_open_racing_another_request_returns_its_case(db_session, operator, talked, monkeypatch):
    entry_id = talked(operator)
    first = services.open_case(entry_id, operator)
    # The other request's case is not visible yet when this one looks: the unique entry id decides.
    real, calls = services.case_for_entry, []

    def not_yet_visible(entry: int):
        calls.append(entry)
        return None if len(calls) == 1 else real(entry)

    monkeypatch.setattr(services, "case_for_entry", not_yet_visible)
    assert services.open_case(entry_id, operator).id == first.id
    assert db.session.scalar(select(func.count()).select_from(Case)) == 1


def test_the_case_starts_with_the_category_the_ivr_s_answer_stands_for(db_session, operator, talked):
    child = services.open_case(talked(operator, "2 1"), operator)  # the flow's "child": children's rights
    violence = services.open_case(talked(operator, "2 2 2", from_number="+77010000001"), operator)
    silent = services.open_case(talked(operator, "2 0", from_number="+77010000003"), operator)
    assert (child.category, violence.category, silent.category) == ("child_rights", "violence", None)


def test_earlier_cases_of_the_same_caller_are_linked(db_session, operator, make_user, talked):
    other_operator = make_user()
    first = services.open_case(talked(operator, from_number=CALLER), operator)
    services.open_case(talked(other_operator, from_number="+77010000002"), other_operator)
    anonymous = [services.open_case(talked(operator, from_number="anonymous"), operator) for _ in range(2)]
    second = services.open_case(talked(other_operator, from_number="+7 (701) 987-65-43"), other_operator)
    third = services.open_case(talked(operator, from_number=CALLER), operator)

    assert services.earlier_cases(first.id) == []
    assert services.earlier_cases(second.id) == [first]
    assert services.earlier_cases(third.id) == [second, first]  # newest first
    assert [services.earlier_cases(case.id) for case in anonymous] == [[], []]  # withheld numbers: no link
    assert {(link.case_id, link.earlier_case_id) for link in db.session.scalars(select(CaseLink))} == {
        (second.id, first.id), (third.id, second.id), (third.id, first.id)}
    open_event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "case.open",
                                                           AuditEvent.target_id == str(third.id)))
    assert open_event.details["earlier_cases"] == [second.id, first.id]


@pytest.mark.parametrize(("data", "errors"), [
    ({"category": "astrology"}, {"category": "case_error_unknown_category"}),
    ({"category": "family", "sub_category": "physical_violence"}, {"sub_category": "case_error_sub_category_mismatch"}),
    ({"category": "family", "sub_category": "no_such_thing"}, {"sub_category": "case_error_unknown_sub_category"}),
    ({"sub_category": "divorce"}, {"sub_category": "case_error_sub_category_mismatch"}),  # no category yet
    ({"contact_type": "angry"}, {"contact_type": "case_error_invalid_choice"}),
    ({"outcome": "RESOLVED"}, {"outcome": "case_error_invalid_choice"}),
    ({"risk_level": "extreme"}, {"risk_level": "case_error_invalid_choice"}),
    ({"language": "en"}, {"language": "case_error_invalid_choice"}),  # callers speak kk or ru
    ({"services": ["information", "money"]}, {"services": "case_error_invalid_choice"}),
    ({"notes": "x" * (services.NOTES_MAX + 1)}, {"notes": "case_error_text_too_long"}),
    ({"referrals": [{"agency": "army", "due_date": IN_A_WEEK}]}, {"referrals": "case_error_referral_agency"}),
    ({"referrals": [{"agency": "police"}]}, {"referrals": "case_error_referral_due_date"}),
    ({"referrals": [{"agency": "police", "due_date": "next week"}]}, {"referrals": "case_error_referral_due_date"}),
    ({"referrals": [{"agency": "police", "due_date": TODAY - timedelta(days=1)}]},
     {"referrals": "case_error_referral_due_date_past"}),
    ({"referrals": [{"id": 999_999, "agency": "police", "due_date": IN_A_WEEK}]},
     {"referrals": "case_error_referral_unknown"}),
    ({"category": "astrology", "outcome": "maybe"},
     {"category": "case_error_unknown_category", "outcome": "case_error_invalid_choice"}),
])
def test_bad_values_are_refused_with_message_keys_and_nothing_changes(db_session, operator, talked, data, errors):
    case = services.open_case(talked(operator, "2 0"), operator)  # a silent caller: no category from the IVR
    services.save_case(case.id, operator, {"notes": "before"})
    with pytest.raises(CaseError) as refused:
        services.save_case(case.id, operator, data)
    assert refused.value.errors == errors
    assert refused.value.key == next(iter(errors.values()))
    db.session.expire_all()
    stored = db.session.get(Case, case.id)
    assert (stored.category, stored.notes, stored.referrals, stored.services) == (None, "before", [], [])


def test_an_unknown_field_is_a_programming_error(db_session, operator, talked):
    case = services.open_case(talked(operator), operator)
    with pytest.raises(TypeError, match="service_given"):
        services.save_case(case.id, operator, {"service_given": ["information"]})


def test_a_new_category_drops_a_sub_category_it_does_not_hold(db_session, operator, talked):
    case = services.open_case(talked(operator), operator)
    services.save_case(case.id, operator, {"category": "family", "sub_category": "divorce"})
    services.save_case(case.id, operator, {"notes": "same category"})
    assert case.sub_category == "divorce"
    services.save_case(case.id, operator, {"category": "mental_health"})
    assert (case.category, case.sub_category) == ("mental_health", None)


@pytest.mark.parametrize(("data", "errors"), [
    ({"category": "family", "contact_type": "substantive"}, {"outcome": "case_error_outcome_required"}),
    ({"category": "family", "outcome": "resolved"}, {"contact_type": "case_error_contact_type_required"}),
    ({"contact_type": "substantive", "outcome": "resolved"}, {"category": "case_error_category_required"}),
    ({}, {"contact_type": "case_error_contact_type_required", "category": "case_error_category_required",
          "outcome": "case_error_outcome_required"}),
    ({"category": "violence", "contact_type": "substantive", "outcome": "referred"},
     {"referrals": "case_error_referral_required"}),
    ({"category": "violence", "contact_type": "substantive", "outcome": "emergency_services"},
     {"referrals": "case_error_referral_required"}),
    ({"category": "violence", "contact_type": "substantive", "outcome": "advice_given",
      "services": ["inter_agency_referral"]}, {"referrals": "case_error_referral_required"}),
])
def test_close_needs_what_the_contact_was_and_how_it_ended(db_session, operator, talked, data, errors):
    case = services.open_case(talked(operator, "2 0"), operator)  # no category from the IVR
    services.save_case(case.id, operator, data)
    with pytest.raises(CaseError) as refused:
        services.close_case(case.id, operator)
    assert refused.value.errors == errors
    assert db.session.get(Case, case.id).closed_at is None
    assert availability(operator) is Availability.WRAP_UP
    assert "case.close" not in actions()


@pytest.mark.parametrize("contact_type", ["silent", "hang_up", "prank", "wrong_number", "abusive"])
def test_a_contact_without_subject_closes_without_a_category(db_session, operator, talked, contact_type):
    case = services.open_case(talked(operator), operator)
    services.save_case(case.id, operator, {"contact_type": contact_type, "outcome": "no_action_needed"})
    assert services.close_case(case.id, operator).is_closed


def test_a_closed_case_can_be_corrected_but_stays_complete(db_session, operator, talked):
    case = services.open_case(talked(operator), operator)
    services.save_case(case.id, operator, FILLED)
    services.close_case(case.id, operator)
    services.save_case(case.id, operator, {"risk_level": "medium", "notes": "уточнение"})
    assert (case.risk_level, case.notes) == (RiskLevel.MEDIUM, "уточнение")
    with pytest.raises(CaseError) as refused:
        services.save_case(case.id, operator, {"outcome": ""})
    assert refused.value.errors == {"outcome": "case_error_outcome_required"}
    assert services.close_case(case.id, operator).closed_at == case.closed_at  # closing again: no change
    assert actions("case").count("case.close") == 1


def test_referrals_are_kept_updated_and_withdrawn_by_id(db_session, operator, talked):
    case = services.open_case(talked(operator), operator)
    services.save_case(case.id, operator, FILLED)
    police, guardianship = case.referrals
    services.save_case(case.id, operator, {"referrals": [
        {"id": police.id, "agency": "police", "note": "участковый", "due_date": IN_A_WEEK},
        {"agency": "ngo", "note": "кризисный центр", "due_date": IN_A_WEEK},
    ]})
    db.session.expire_all()
    rows = db.session.scalars(select(Referral).order_by(Referral.id)).all()
    assert [(r.id, r.agency.value, r.note) for r in rows] == [
        (police.id, "police", "участковый"), (rows[1].id, "ngo", "кризисный центр")]
    assert rows[1].id != guardianship.id
    assert actions("referral") == ["case.referral", "case.referral", "case.referral_withdrawn", "case.referral"]
    # Referrals not mentioned stay as they are.
    services.save_case(case.id, operator, {"notes": "без изменений"})
    assert len(db.session.get(Case, case.id).referrals) == 2


def test_a_referral_with_feedback_cannot_be_withdrawn(db_session, operator, talked):
    case = services.open_case(talked(operator), operator)
    services.save_case(case.id, operator, FILLED)
    police = case.referrals[0]
    referrals.record_feedback(police.id, operator, outcome="acted", feedback="Проведена беседа с семьёй.",
                              received_at=utcnow())
    with pytest.raises(CaseError) as refused:
        services.save_case(case.id, operator, {"referrals": []})
    assert refused.value.errors == {"referrals": "case_error_referral_has_feedback"}


def test_a_case_belongs_to_its_operator_and_to_supervisors(db_session, operator, make_user, talked):
    colleague, supervisor = make_user("operator"), make_user("supervisor")
    entry_id = talked(operator)
    with pytest.raises(CaseError) as refused:
        services.open_case(entry_id, colleague)
    assert refused.value.key == "case_error_not_yours"
    case = services.open_case(entry_id, operator)
    for attempt in (lambda: services.save_case(case.id, colleague, {"notes": "чужое"}),
                    lambda: services.close_case(case.id, colleague)):
        with pytest.raises(CaseError, match="case_error_not_yours"):
            attempt()
    services.save_case(case.id, supervisor, {"contact_type": "prank", "outcome": "no_action_needed"})
    services.close_case(case.id, supervisor)
    # A supervisor closing someone's case does not take that operator out of wrap-up.
    assert availability(operator) is Availability.WRAP_UP


def test_unknown_ids_raise_not_found(db_session, operator):
    for attempt, key in ((lambda: services.open_case(424242, operator), "case_error_no_entry"),
                         (lambda: services.save_case(424242, operator, {}), "case_error_not_found"),
                         (lambda: services.close_case(424242, operator), "case_error_not_found"),
                         (lambda: services.earlier_cases(424242), "case_error_not_found"),
                         (lambda: services.open_case(1, 424242), "case_error_unknown_user")):
        with pytest.raises(CaseNotFound) as refused:
            attempt()
        assert refused.value.key == key


def test_recordings_and_transcripts_come_through_the_calls(db_session, operator, talked, make_user):
    case = services.open_case(talked(operator), operator)
    first_call = case.calls[0]
    later = Call(call_sid="CA" + "c" * 32, flow_id="helpline-111", language="ru", ivr_state={},
                 caller_hash=case.caller_hash)
    unrelated = Call(call_sid="CA" + "d" * 32, flow_id="helpline-111", language="ru", ivr_state={})
    db.session.add_all([later, unrelated])
    db.session.flush()
    conversation = Recording(recording_sid="RE" + "1" * 32, call_id=first_call.id, call_sid=first_call.call_sid,
                             source=RecordingSource.CONVERSATION, media_url="https://example.org/1", channels=2,
                             state=RecordingState.TRANSCRIBED, language="ru")
    callback = Recording(recording_sid="RE" + "2" * 32, call_id=later.id, call_sid=later.call_sid,
                         media_url="https://example.org/2", language="ru")
    other = Recording(recording_sid="RE" + "3" * 32, call_id=unrelated.id, call_sid=unrelated.call_sid,
                      media_url="https://example.org/3")
    db.session.add_all([conversation, callback, other])
    db.session.flush()
    for channel, speaker in enumerate((Speaker.CALLER, Speaker.OPERATOR)):
        db.session.add(Transcript(recording_id=conversation.id, channel=channel, speaker=speaker, language="ru",
                                  text=f"канал {channel}", engine="test"))
    db.session.commit()

    assert services.case_recordings(case.id) == [conversation]
    services.link_call(case.id, later.id, operator)
    services.link_call(case.id, later.id, operator)  # twice: one link
    assert [call.id for call in db.session.get(Case, case.id).calls] == [first_call.id, later.id]
    with pytest.raises(CaseNotFound, match="case_error_no_call"):
        services.link_call(case.id, 424242, operator)
    recordings = services.case_recordings(case.id)
    assert recordings == [conversation, callback]
    assert [t.text for t in recordings[0].transcripts] == ["канал 0", "канал 1"]
    assert "transcript.read" not in actions()

    supervisor = make_user("supervisor")
    services.case_recordings(case.id, reader_id=supervisor)
    reads = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "transcript.read")).all()
    assert sorted(int(event.target_id) for event in reads) == sorted(t.id for t in conversation.transcripts)
    assert {event.actor_id for event in reads} == {supervisor}
    assert actions("case").count("case.link_call") == 1


def test_every_change_is_audited_without_the_notes(db_session, operator, talked):
    case = services.open_case(talked(operator), operator)
    services.save_case(case.id, operator, FILLED)
    services.save_case(case.id, operator, FILLED | {"referrals": [
        {"id": r.id, "agency": r.agency, "note": r.note, "due_date": r.due_date} for r in case.referrals]})
    services.save_case(case.id, operator, {"notes": FILLED["notes"]})  # nothing changed: nothing audited
    services.close_case(case.id, operator)
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action.like("case.%"))
                                .order_by(AuditEvent.id)).all()
    assert [(e.action, e.actor_id) for e in events] == [
        ("case.open", operator), ("case.referral", operator), ("case.referral", operator),
        ("case.save", operator), ("case.close", operator)]
    save = events[3]
    assert save.details["fields"] == ["category", "contact_type", "notes", "outcome", "referrals", "risk_level",
                                      "services", "sub_category"]
    assert {e.details.get("agency") for e in events[1:3]} == {"police", "guardianship"}
    assert events[4].details == {"outcome": "referred", "referrals": 2}
    everything = " ".join(str(e.details) for e in db.session.scalars(select(AuditEvent)))
    assert "Отчим" not in everything and "ювенальная" not in everything
    assert actions()[-1] == "operator.availability"
