"""Taking a call from the console: pick (atomic), bridge over Twilio's REST API, then the case page."""

from __future__ import annotations

from sqlalchemy import select

from app.audit.models import AuditEvent
from app.cases import services as cases
from app.core.vocab import Priority
from app.db import db
from app.operators import services as operators
from app.operators.models import Availability
from app.queue import services as queue
from app.queue.models import EntryState
from app.voice import services as voice
from tests.queue.helpers import sid_of

from .helpers import messages, page, post

BASE = "https://qorgau.example.org"


def test_taking_a_call_bridges_it_and_opens_its_case(app, operator, people, caller, reachable, gateway):
    reachable()
    entry = caller(Priority.CHILD)
    response = post(operator, "/console/pick", {"entry_id": str(entry)})
    assert response.status_code == 302
    with app.app_context():
        case = cases.case_for_entry(entry)
        assert response.headers["Location"] == f"/console/cases/{case.id}"
        assert case.operator_id == people["aigerim"]
        picked = queue.entry(entry)
        assert (picked.state, picked.operator_id) == (EntryState.ASSIGNED, people["aigerim"])
        assert operators.status(people["aigerim"]).availability is Availability.BUSY
        call_sid = sid_of(picked)
    assert gateway.requests == [
        ("redirect_call", call_sid, f"{BASE}/voice/bridge?entry={entry}"),
        ("dial_into_conference", f"qorgau-{entry}", "+77011234567", "+77001110111",
         f"{BASE}/voice/operator?entry={entry}&attempt={voice.attempt(picked)}", 20),
    ]


def test_take_next_takes_whoever_is_first_in_line(app, operator, caller, reachable, gateway):
    reachable()
    caller(Priority.STANDARD, ago=300)
    urgent = caller(Priority.URGENT, ago=5)
    caller(Priority.CHILD, ago=60)
    response = post(operator, "/console/pick")
    with app.app_context():
        assert response.headers["Location"] == f"/console/cases/{cases.case_for_entry(urgent).id}"


def test_a_caller_taken_by_another_operator_is_explained(app, signed_in, caller, reachable, gateway):
    reachable("aigerim")
    reachable("daniyar", "client:daniyar")
    entry, other = caller(), caller()
    first, second = signed_in("aigerim"), signed_in("daniyar")
    assert post(first, "/console/pick", {"entry_id": str(entry)}).status_code == 302
    response = post(second, "/console/pick", {"entry_id": str(entry)}, follow_redirects=True)
    assert response.request.path == "/console/"
    assert "Another operator already took this contact, or they left the line." in messages(response)
    rows = page(response).xpath("//tr/@data-entry")
    assert rows == [str(other)]  # the taken caller has left the list
    assert len(gateway.requests) == 2  # only the first pick was bridged


def test_take_next_with_nobody_waiting_says_so(operator, reachable, gateway):
    reachable()
    response = post(operator, "/console/pick", follow_redirects=True)
    assert "Nobody is waiting." in messages(response)
    assert gateway.requests == []


def test_a_malformed_entry_is_refused_not_taken_as_next(operator, caller, reachable, gateway):
    reachable()
    caller()
    assert post(operator, "/console/pick", {"entry_id": "first"}).status_code == 400
    assert gateway.requests == []


def test_an_operator_with_an_open_case_closes_it_before_the_next_call(app, operator, caller, reachable, gateway):
    reachable()
    first = caller()
    caller()
    case_page = post(operator, "/console/pick", {"entry_id": str(first)}).headers["Location"]
    response = post(operator, "/console/pick", follow_redirects=True)
    assert response.request.path == case_page
    assert "Close your open case before you take another call." in messages(response)
    assert len(gateway.requests) == 2


def test_the_open_case_is_reachable_from_the_header(app, operator, caller, reachable, gateway):
    reachable()
    case_page = post(operator, "/console/pick", {"entry_id": str(caller())}).headers["Location"]
    for path in ("/console/", case_page):
        header = page(operator.get(path)).xpath('//header//*[@id="status"]')[0]
        assert header.xpath('.//a[@class="open-case"]/@href') == [case_page]
        assert header.xpath(".//*[@data-call-state]/@data-call-state") == ["assigned"]
        assert header.xpath(".//*[@data-availability]/@data-availability") == ["busy"]


def test_an_operator_without_an_endpoint_is_told_and_the_caller_keeps_waiting(app, operator, caller, gateway):
    entry = caller()
    response = post(operator, "/console/pick", {"entry_id": str(entry)}, follow_redirects=True)
    assert response.request.path == "/console/"
    assert any(m.startswith("The call could not be connected: the operator has no phone number")
               for m in messages(response))
    assert page(response).xpath("//tr/@data-entry") == [str(entry)]
    assert gateway.requests == []


def test_a_caller_requeued_after_no_answer_can_be_taken_by_another_operator(app, signed_in, people, caller,
                                                                             reachable, gateway):
    reachable("aigerim")
    reachable("daniyar", "client:daniyar")
    entry = caller()
    assert post(signed_in("aigerim"), "/console/pick", {"entry_id": str(entry)}).status_code == 302
    with app.app_context():
        voice.operator_leg(entry, "no-answer")  # aigerim's phone rang out: the caller is back in line
        assert queue.entry(entry).state is EntryState.WAITING
    response = post(signed_in("daniyar"), "/console/pick", {"entry_id": str(entry)})
    with app.app_context():
        assert queue.entry(entry).operator_id == people["daniyar"]  # bridged to daniyar…
        case = cases.case_for_entry(entry)
        assert case.operator_id == people["daniyar"]  # the case follows the caller, notes and all
        assert cases.open_case_for(people["aigerim"]) is None  # aigerim may take the next caller
        handover = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "case.handover")).one()
        assert handover.details == {"from_operator": people["aigerim"], "to_operator": people["daniyar"]}
    assert response.headers["Location"] == f"/console/cases/{case.id}"  # …who must land on its case
