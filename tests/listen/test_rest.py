"""Listening in over Twilio's REST API: the requests (checked against Twilio's spec), who hears whom, the audit.

Each test has a caller and an operator talking in the stand-in's conference; the supervisor (saule) uses
the live calls page with a signed-in client, and her phone, simulated by the stand-in, answers.
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from app.core.ports import Participant
from tests.auth.helpers import audit_events

from .conftest import SUPERVISOR_PHONE, post_form, rest, spec_problems, value_problems, wait_for


def supervisor_leg(standin, to: str = SUPERVISOR_PHONE) -> dict:
    """The supervisor's participant, once her phone answered."""
    return wait_for(lambda: next((p for p in standin.participants if p["to"] == to and p["answered"]), None),
                    "the supervisor's phone to answer")


def test_listening_in_rings_the_supervisor_in_muted(app, conversation, standin, supervisor, people):
    since = len(standin.requests)
    page = post_form(supervisor, "/supervisor/live/join", entry_id=conversation.entry_id, mode="listen")
    assert "You are listening in, muted: nobody hears you." in page
    leg = supervisor_leg(standin)

    # Found the live conference by name, read who is in it, then rang her in by its SID, muted.
    conference_sid = standin.conference(conversation.conference)["sid"]
    assert rest(standin, since) == [
        ("GET", "Conferences.json"),
        ("GET", f"Conferences/{conference_sid}/Participants.json"),
        ("POST", f"Conferences/{conference_sid}/Participants.json"),
    ]
    lookup, _, create = standin.requests[since:]
    assert lookup["query"] == {"FriendlyName": conversation.conference, "Status": "in-progress", "PageSize": "1"}
    form = create["form"]
    assert (form["To"], form["From"], form["Muted"], form["Label"]) == (
        SUPERVISOR_PHONE, "+77001110111", "true", f"supervisor-{people['saule']}")
    assert "Coaching" not in form and "CallSidToCoach" not in form
    assert (form["Beep"], form["StartConferenceOnEnter"], form["EndConferenceOnExit"]) == ("false", "false", "false")
    callback = urlsplit(form["StatusCallback"])
    assert callback.path == "/voice/listen/status"
    assert parse_qs(callback.query) == {"entry": [str(conversation.entry_id)], "supervisor": [str(people["saule"])]}
    assert spec_problems(standin) == [] and value_problems(standin) == []

    # Muted: she hears the caller and the operator; nobody hears her.
    hearing = standin.hearing(conversation.conference)
    assert hearing[leg["call_sid"]] == {"hears": sorted([conversation.caller_sid, conversation.operator_sid]),
                                        "heard_by": []}
    assert leg["call_sid"] not in hearing[conversation.caller_sid]["hears"]
    assert leg["call_sid"] not in hearing[conversation.operator_sid]["hears"]

    [event] = audit_events(app, "call.listen")
    assert (event.actor_id, event.target_type, event.target_id) == (people["saule"], "queue_entry",
                                                                    str(conversation.entry_id))
    assert event.details["mode"] == "listen" and event.details["conference"] == conversation.conference
    assert event.details["call_sid"] == leg["call_sid"]


def test_from_listening_to_coaching_and_out(app, conversation, standin, supervisor, people):
    post_form(supervisor, "/supervisor/live/join", entry_id=conversation.entry_id, mode="listen")
    leg = supervisor_leg(standin)
    conference_sid = standin.conference(conversation.conference)["sid"]

    # Coach: the same call, changed in place — heard by the operator alone.
    since = len(standin.requests)
    page = post_form(supervisor, "/supervisor/live/join", entry_id=conversation.entry_id, mode="coach")
    assert "You are coaching: only the operator hears you." in page
    assert rest(standin, since) == [
        ("GET", "Conferences.json"),
        ("GET", f"Conferences/{conference_sid}/Participants.json"),
        ("POST", f"Conferences/{conference_sid}/Participants/{leg['call_sid']}.json"),
    ]
    assert standin.requests[-1]["form"] == {"Muted": "false", "Coaching": "true",
                                            "CallSidToCoach": conversation.operator_sid}
    hearing = standin.hearing(conversation.conference)
    assert hearing[leg["call_sid"]]["heard_by"] == [conversation.operator_sid]
    assert leg["call_sid"] in hearing[conversation.operator_sid]["hears"]
    assert leg["call_sid"] not in hearing[conversation.caller_sid]["hears"]
    assert hearing[leg["call_sid"]]["hears"] == sorted([conversation.caller_sid, conversation.operator_sid])
    assert len([p for p in standin.participants if p["to"] == SUPERVISOR_PHONE]) == 1  # not rung twice

    # Leave: her participant is removed (by its label); the conversation goes on.
    since = len(standin.requests)
    page = post_form(supervisor, "/supervisor/live/leave", entry_id=conversation.entry_id)
    assert "You left the conversation." in page
    assert rest(standin, since) == [
        ("GET", "Conferences.json"),
        ("DELETE", f"Conferences/{conference_sid}/Participants/supervisor-{people['saule']}.json"),
    ]
    assert standin.requests[-1]["status"] == 204
    assert sorted(standin.hearing(conversation.conference)) == sorted([conversation.caller_sid,
                                                                       conversation.operator_sid])
    assert standin.conference(conversation.conference)["status"] == "in-progress"
    assert spec_problems(standin) == [] and value_problems(standin) == []

    events = audit_events(app)
    trail = [(e.action, e.details.get("mode"), e.details.get("before")) for e in events if e.action.startswith("call.")]
    assert trail == [("call.listen", "listen", None), ("call.coach", "coach", "listen"), ("call.leave", None, None)]
    coach = next(e for e in events if e.action == "call.coach")
    assert coach.details["coached_call_sid"] == conversation.operator_sid
    assert all(e.actor_id == people["saule"] and e.target_id == str(conversation.entry_id)
               for e in events if e.action.startswith("call."))


def test_coaching_straight_away_rings_her_in_as_coach(app, conversation, standin, supervisor):
    post_form(supervisor, "/supervisor/live/join", entry_id=conversation.entry_id, mode="coach")
    leg = supervisor_leg(standin)
    form = next(r["form"] for r in standin.requests if r["method"] == "POST" and r["form"].get("To") == SUPERVISOR_PHONE)
    assert (form["Muted"], form["Coaching"], form["CallSidToCoach"]) == ("false", "true", conversation.operator_sid)
    assert (leg["muted"], leg["coaching"], leg["call_sid_to_coach"]) == (False, True, conversation.operator_sid)
    assert standin.hearing(conversation.conference)[leg["call_sid"]]["heard_by"] == [conversation.operator_sid]
    assert spec_problems(standin) == [] and value_problems(standin) == []
    assert [e.details["mode"] for e in audit_events(app, "call.coach")] == ["coach"]


def test_the_gateway_reads_participants_as_twilio_lists_them(app, conversation, standin, supervisor, people):
    post_form(supervisor, "/supervisor/live/join", entry_id=conversation.entry_id, mode="listen")
    leg = supervisor_leg(standin)
    gateway = app.extensions["qorgau.gateway"]
    conference_sid = gateway.find_conference(conversation.conference)
    assert conference_sid == standin.conference(conversation.conference)["sid"]
    assert sorted(gateway.conference_participants(conference_sid), key=lambda p: p.call_sid) == sorted([
        Participant(conversation.caller_sid),
        Participant(conversation.operator_sid),
        Participant(leg["call_sid"], f"supervisor-{people['saule']}", muted=True),
    ], key=lambda p: p.call_sid)
    assert gateway.find_conference("qorgau-no-such-conference") is None
    assert spec_problems(standin) == []


def test_hanging_up_her_phone_is_leaving(app, conversation, standin, supervisor, people):
    post_form(supervisor, "/supervisor/live/join", entry_id=conversation.entry_id, mode="listen")
    leg = supervisor_leg(standin)
    standin._hang_up(leg)  # she puts the phone down: Twilio's status callback says "completed"
    event = wait_for(lambda: audit_events(app, "call.leave"), "the leave to be recorded")[0]
    assert (event.actor_id, event.actor_label, event.details["via"], event.details["status"]) == (
        people["saule"], "twilio", "phone", "completed")
    page = supervisor.get("/supervisor/live").get_data(as_text=True)
    assert 'data-mode=""' in page and "Listening" not in page

    standin._hang_up(leg)  # a repeated callback records nothing more
    assert len(audit_events(app, "call.leave")) == 1


def test_the_caller_hanging_up_ends_it_for_the_listening_supervisor_too(app, conversation, standin, supervisor):
    post_form(supervisor, "/supervisor/live/join", entry_id=conversation.entry_id, mode="coach")
    leg = supervisor_leg(standin)
    standin.call_ended(conversation.caller_sid)
    assert standin.conference(conversation.conference)["status"] == "completed"
    assert standin._state.get("participants", leg["call_sid"])["done"]
    wait_for(lambda: audit_events(app, "call.leave"), "the leave to be recorded")
