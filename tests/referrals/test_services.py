"""Following referrals up, from real cases: what is awaited or late on the helpline's calendar, and who may act.

An agency's feedback is recorded once; an agency gets more time with a reason; admins stay out of case content.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, update

from app.audit.models import AuditEvent
from app.cases import services as cases
from app.cases.models import Referral, ReferralOutcome
from app.cases.services import CaseError, CaseNotFound
from app.clock import helpline_today, helpline_zone
from app.core.referrals import Due
from app.db import db, utcnow
from app.referrals import services
from app.referrals.services import Filters
from tests.console.records import case_of

from .conftest import refer


def audit(action: str) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)))


@pytest.fixture
def spread(db_session, people):
    """aigerim's referrals in every state, and one of daniyar's: state -> referral id."""
    aigerim = people["aigerim"]
    made = {name: refer(aigerim, due_in, agency, made_days_ago=10) for name, due_in, agency in (
        ("late", -3, "police"), ("yesterday", -1, "guardianship"), ("today", 0, "health"), ("tomorrow", 1, "police"),
        ("week", 7, "education"), ("later", 8, "ngo"), ("answered", -2, "police"))}
    made["colleague"] = refer(people["daniyar"], -5, "police", made_days_ago=12)
    services.record_feedback(made["answered"], aigerim, outcome="acted", feedback="Участковый выезжал к семье.",
                             received_at=utcnow() - timedelta(hours=1))
    return made


def ids(listing) -> list[int]:
    return [row.referral.id for row in listing.rows]


def test_referrals_are_listed_by_where_they_stand_most_urgent_first(spread, people):
    saule = people["saule"]
    everything = services.follow_ups(saule)
    assert ids(everything) == [spread[name] for name in ("colleague", "late", "yesterday", "today", "tomorrow", "week",
                                                          "later")]
    assert [row.state for row in everything.rows] == [Due.OVERDUE] * 3 + [Due.TODAY, Due.WEEK, Due.WEEK, Due.LATER]
    assert [row.days_late for row in everything.rows[:3]] == [5, 3, 1]
    assert everything.counts == {Due.OVERDUE: 3, Due.TODAY: 1, Due.WEEK: 2, Due.LATER: 1, Due.ANSWERED: 1}
    assert everything.total == everything.awaiting == 7
    assert {row.operator for row in everything.rows} == {"aigerim", "daniyar"}

    assert ids(services.follow_ups(saule, Filters(due=Due.OVERDUE))) == [spread["colleague"], spread["late"],
                                                                          spread["yesterday"]]
    assert ids(services.follow_ups(saule, Filters(due=Due.TODAY))) == [spread["today"]]
    assert ids(services.follow_ups(saule, Filters(due=Due.WEEK))) == [spread["tomorrow"], spread["week"]]
    answered = services.follow_ups(saule, Filters(due=Due.ANSWERED))
    assert ids(answered) == [spread["answered"]] and answered.rows[0].recorded_by == "aigerim"


def test_the_list_narrows_by_agency_operator_and_due_dates(spread, people):
    saule, today = people["saule"], helpline_today()
    police = services.follow_ups(saule, Filters(agency="police"))
    assert ids(police) == [spread["colleague"], spread["late"], spread["tomorrow"]]
    assert police.counts[Due.ANSWERED] == 1  # the tabs count under the same filters
    mine = services.follow_ups(saule, Filters(operator_id=people["aigerim"]))
    assert spread["colleague"] not in ids(mine) and len(ids(mine)) == 6
    window = services.follow_ups(saule, Filters(due_from=today - timedelta(days=1), due_to=today + timedelta(days=1)))
    assert ids(window) == [spread["yesterday"], spread["today"], spread["tomorrow"]]
    paged = services.follow_ups(saule, page=2, per_page=3)
    assert ids(paged) == [spread["today"], spread["tomorrow"], spread["week"]] and paged.total == 7


def test_reading_the_list_or_a_referral_is_audited_with_what_was_shown(spread, people):
    shown = services.follow_ups(people["daniyar"], Filters(due=Due.OVERDUE, agency="police"))
    event = audit("referral.list")[-1]
    assert event.actor_label == "daniyar" and event.details["shown"] == ids(shown)
    assert event.details["filters"] == {"due": "overdue", "agency": "police"}
    row = services.follow_up(spread["late"], people["daniyar"])
    assert row.state is Due.OVERDUE and row.operator == "aigerim"
    event = audit("referral.read")[-1]
    assert (event.actor_label, event.target_id, event.details["case"]) == ("daniyar", str(spread["late"]),
                                                                           row.referral.case_id)


def test_counts_for_the_board_and_an_operators_own_console(spread, people):
    assert services.counts() == services.Counts(overdue=3, due_today=1)
    assert services.counts(operator_id=people["aigerim"]) == services.Counts(overdue=2, due_today=1)
    assert services.counts(operator_id=people["saule"]) == services.Counts(0, 0)


@pytest.mark.parametrize(("moment", "overdue", "due_today"), [
    (datetime(2031, 3, 1, 18, 59, tzinfo=UTC), 0, 1),  # 23:59 in Almaty on the due day
    (datetime(2031, 3, 1, 19, 0, tzinfo=UTC), 1, 0),  # the helpline's midnight: still 1 March in UTC
    (datetime(2031, 2, 28, 19, 0, tzinfo=UTC), 0, 1),  # 28 February in UTC, already the due day in Almaty
])
def test_a_referral_is_overdue_from_the_helplines_midnight(make_app, people, moment, overdue, due_today):
    app = make_app(TIMEZONE="Asia/Almaty")
    with app.app_context():
        case = case_of(people["aigerim"])
        cases.save_case(case.case_id, people["aigerim"], {"referrals": [
            {"agency": "police", "note": "", "due_date": "2031-03-01"}]})
        assert services.counts(now=moment) == services.Counts(overdue, due_today)
        row = services.follow_ups(people["saule"], now=moment).rows[0]
        assert row.state is (Due.OVERDUE if overdue else Due.TODAY)


def zone_and_date_apart_from_utc():
    """A fixed-offset zone whose date differs from UTC's now, and the date there."""
    now = datetime.now(UTC)
    offset = 14 if now.hour >= 10 else -12  # Etc names count the other way: Etc/GMT-14 is UTC+14
    zone = ZoneInfo(f"Etc/GMT{-offset:+d}")
    return zone, now.astimezone(zone).date()


def test_a_new_due_date_is_in_the_past_by_the_helplines_calendar_not_utcs(make_app, people):
    zone, local = zone_and_date_apart_from_utc()
    assert local != datetime.now(UTC).date()
    app = make_app(TIMEZONE=zone.key)
    with app.app_context():
        case = case_of(people["aigerim"])
        cases.save_case(case.case_id, people["aigerim"], {"referrals": [{"agency": "ngo", "due_date": local}]})
        with pytest.raises(CaseError, match="case_error_referral_due_date_past"):
            cases.save_case(case.case_id, people["aigerim"], {"referrals": [
                {"agency": "ngo", "due_date": local - timedelta(days=1)}]})


# --- recording feedback ------------------------------------------------------------------------------------


def test_feedback_is_recorded_with_its_outcome_time_and_author_and_leaves_the_awaited(spread, people):
    daniyar = people["daniyar"]  # covers aigerim's follow-ups today
    agency_called = utcnow().replace(second=0, microsecond=0) - timedelta(hours=2)
    local_text = agency_called.astimezone(helpline_zone()).strftime("%Y-%m-%dT%H:%M")  # as the form sends it
    referral = services.record_feedback(spread["late"], daniyar, outcome="referred_on", received_at=local_text,
                                        feedback="  Передали в отдел по делам несовершеннолетних.  ")
    assert referral.outcome is ReferralOutcome.REFERRED_ON and not referral.is_open
    assert referral.feedback == "Передали в отдел по делам несовершеннолетних."
    assert referral.feedback_received_at == agency_called and referral.feedback_by == daniyar
    assert utcnow() - referral.feedback_recorded_at < timedelta(minutes=1)
    assert spread["late"] not in ids(services.follow_ups(people["saule"]))
    assert services.counts() == services.Counts(overdue=2, due_today=1)
    event = audit("case.referral_feedback")[-1]
    assert (event.actor_label, event.target_id) == ("daniyar", str(spread["late"]))
    assert event.details["outcome"] == "referred_on" and "несовершеннолетних" not in str(event.details)


def test_no_answer_closes_the_follow_up_without_counting_as_an_answer(spread, people):
    services.record_feedback(spread["yesterday"], people["aigerim"], outcome=ReferralOutcome.NO_ANSWER,
                             feedback="Звонили трижды, не ответили.", received_at=utcnow())
    assert services.counts().overdue == 2
    assert db.session.get(Referral, spread["yesterday"]).outcome is ReferralOutcome.NO_ANSWER


def test_feedback_is_recorded_once_a_second_attempt_changes_nothing(spread, people):
    first = {"outcome": "acted", "feedback": "Семью посетили.", "received_at": utcnow()}
    services.record_feedback(spread["today"], people["aigerim"], **first)
    with pytest.raises(CaseError) as refused:
        services.record_feedback(spread["today"], people["daniyar"], outcome="declined", feedback="Другое",
                                 received_at=utcnow())
    assert refused.value.errors == {"": "referral_error_closed"}
    db.session.expire_all()
    stored = db.session.get(Referral, spread["today"])
    assert (stored.outcome, stored.feedback, stored.feedback_by) == (ReferralOutcome.ACTED, "Семью посетили.",
                                                                     people["aigerim"])
    assert len(audit("case.referral_feedback")) == 2  # the spread's and the first one here


def test_two_people_recording_at_the_same_moment_cannot_both_succeed(spread, people):
    loaded = db.session.get(Referral, spread["week"])
    assert loaded.is_open  # this request read it awaited…
    with db.engine.begin() as other:  # …while another request recorded the feedback and committed
        other.execute(update(Referral).where(Referral.id == loaded.id)
                      .values(feedback_received_at=utcnow(), feedback="Ответили", outcome="acted"))
    with pytest.raises(CaseError, match="referral_error_closed"):
        services.record_feedback(loaded.id, people["daniyar"], outcome="declined", feedback="Отказали",
                                 received_at=utcnow())
    db.session.expire_all()
    assert db.session.get(Referral, spread["week"]).feedback == "Ответили"


@pytest.mark.parametrize(("values", "errors"), [
    ({"outcome": "", "feedback": "", "received_at": ""},
     {"outcome": "referral_error_outcome", "feedback": "case_error_feedback_required",
      "received_at": "referral_error_received_at"}),
    ({"outcome": "acted_quickly", "feedback": "   "}, {"outcome": "referral_error_outcome",
                                                       "feedback": "case_error_feedback_required"}),
    ({"feedback": "я" * 20_001}, {"feedback": "case_error_text_too_long"}),
    ({"received_at": "2026-02-30T10:00"}, {"received_at": "referral_error_received_at"}),
    ({"received_at": "0001-01-01T00:00"}, {"received_at": "referral_error_received_at"}),
    ({"received_at": "in the morning"}, {"received_at": "referral_error_received_at"}),
    ({"received_at": "FUTURE"}, {"received_at": "referral_error_received_future"}),
    ({"received_at": "BEFORE"}, {"received_at": "referral_error_received_before"}),
])
def test_bad_feedback_is_refused_with_every_problem_and_nothing_is_saved(spread, people, values, errors):
    zone = helpline_zone()
    made = db.session.get(Referral, spread["today"]).created_at
    moments = {"FUTURE": utcnow() + timedelta(hours=2), "BEFORE": made - timedelta(hours=1)}
    good = {"outcome": "acted", "feedback": "Приняли меры.", "received_at": utcnow()}
    given = {**good, **values}
    if given["received_at"] in moments:
        given["received_at"] = moments[given["received_at"]].astimezone(zone).strftime("%Y-%m-%dT%H:%M")
    with pytest.raises(CaseError) as refused:
        services.record_feedback(spread["today"], people["aigerim"], **given)
    assert refused.value.errors == errors
    db.session.expire_all()
    assert db.session.get(Referral, spread["today"]).is_open


# --- more time ------------------------------------------------------------------------------------------


def test_an_agency_gets_more_time_and_the_first_due_date_is_kept(spread, people):
    today = helpline_today()
    first_due = db.session.get(Referral, spread["late"]).due_date
    services.move_due_date(spread["late"], people["daniyar"], due_date=(today + timedelta(days=5)).isoformat(),
                           reason="Инспектор в отпуске до понедельника.")
    moved = services.move_due_date(spread["late"], people["aigerim"], due_date=today + timedelta(days=9),
                                   reason="Просили ещё неделю.")
    assert (moved.due_date, moved.first_due_date, moved.due_date_reason) == (
        today + timedelta(days=9), first_due, "Просили ещё неделю.")
    assert services.counts().overdue == 2
    events = audit("case.referral_due_date")
    assert [(e.actor_label, e.details["before"], e.details["after"]) for e in events] == [
        ("daniyar", first_due.isoformat(), (today + timedelta(days=5)).isoformat()),
        ("aigerim", (today + timedelta(days=5)).isoformat(), (today + timedelta(days=9)).isoformat())]
    assert "отпуске" not in str(events[0].details)  # the reason is case content: on the referral, not in the log


@pytest.mark.parametrize(("due", "reason", "errors"), [
    (None, "", {"due_date": "case_error_referral_due_date", "reason": "referral_error_reason_required"}),
    ("next week", "Просили", {"due_date": "case_error_referral_due_date"}),
    (-3, "Просили", {"due_date": "referral_error_due_not_later"}),  # the current due date itself
    (-1, "Просили", {"due_date": "case_error_referral_due_date_past"}),  # later than due, still past
    (2, "я" * 2_001, {"reason": "case_error_text_too_long"}),
])
def test_a_due_date_is_only_moved_later_not_into_the_past_and_with_a_reason(spread, people, due, reason, errors):
    value = due if not isinstance(due, int) else helpline_today() + timedelta(days=due)
    with pytest.raises(CaseError) as refused:
        services.move_due_date(spread["late"], people["aigerim"], due_date=value, reason=reason)
    assert refused.value.errors == errors


def test_an_answered_referral_keeps_its_due_date(spread, people):
    with pytest.raises(CaseError, match="referral_error_closed"):
        services.move_due_date(spread["answered"], people["aigerim"], due_date=helpline_today() + timedelta(days=3),
                               reason="Поздно")


def test_admins_do_not_follow_up_case_content_and_unknown_referrals_are_not_found(spread, people):
    for attempt in (lambda: services.follow_ups(people["arman"]),
                    lambda: services.follow_up(spread["late"], people["arman"]),
                    lambda: services.record_feedback(spread["late"], people["arman"], outcome="acted", feedback="x",
                                                     received_at=utcnow())):
        with pytest.raises(CaseError, match="referral_error_not_allowed"):
            attempt()
    with pytest.raises(CaseNotFound):
        services.follow_up(10**6, people["saule"])
    with pytest.raises(CaseNotFound):
        services.move_due_date(10**6, people["saule"], due_date=helpline_today(), reason="x")
