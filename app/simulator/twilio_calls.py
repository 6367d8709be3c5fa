"""Call control in the Twilio REST stand-in: redirects, conferences and their participants, call recordings.

What Twilio would do to live calls is kept here as state the simulated caller reads (``take_redirect``),
and the operator's phone is simulated: it rings, then answers or not (``operator_answers``), with the
participant's status callbacks sent to the app, signed, as Twilio sends them.

Conferences are kept as Twilio keeps them: created by name with their first participant, ``in-progress``
once a participant who starts it answers, ``completed`` when the caller leaves. Participants may be muted
(heard by no one) or coaching one other participant (heard by that one alone); ``hearing`` tells who hears
whom, and requests Twilio refuses (coaching nobody, coaching someone not in the conference) are refused.
"""

from __future__ import annotations

import io
import json
import logging
import os
import re
import secrets
import threading
import time
import wave
from pathlib import Path

from flask import Response, jsonify, request

from app.core import sids

from .engine import HttpTransport, Transport, send_signed

log = logging.getLogger(__name__)

_ENDPOINT = re.compile(r"^(\+[1-9]\d{1,14}|client:[\w.@-]+|sip:.+)$", re.ASCII)


class _Files:
    """Simulated Twilio state as JSON files, shared by every process serving the stand-in."""

    def __init__(self, root: Path):
        self.root = root

    def put(self, kind: str, key: str, value: dict) -> None:
        folder = self.root / kind
        folder.mkdir(parents=True, exist_ok=True)
        partial = folder / f".{key}.{secrets.token_hex(4)}"
        partial.write_text(json.dumps(value))
        os.replace(partial, folder / f"{key}.json")

    def pop(self, kind: str, key: str) -> dict | None:
        path = self.root / kind / f"{key}.json"
        try:
            claimed = path.with_suffix(f".taken-{secrets.token_hex(4)}")
            os.replace(path, claimed)  # atomic: only one reader takes it
        except FileNotFoundError:
            return None
        value = json.loads(claimed.read_text())
        claimed.unlink()
        return value

    def get(self, kind: str, key: str) -> dict | None:
        try:
            return json.loads((self.root / kind / f"{key}.json").read_text())
        except FileNotFoundError:
            return None

    def all(self, kind: str) -> dict[str, dict]:
        folder = self.root / kind
        return {p.stem: json.loads(p.read_text()) for p in sorted(folder.glob("*.json"))} if folder.is_dir() else {}


class CallControl:
    """Mixed into the stand-in: the REST resources that change live calls."""

    operator_answers = True  # the simulated operator picks up (False: the phone rings out)
    ring_seconds = 0.2  # how long the operator's phone rings before answering or giving up
    webhooks: Transport | None = None  # how the stand-in reaches the app (default: HTTP to the public URL)
    url_prefix = ""  # where the stand-in's routes are mounted
    # Calling codes Twilio may ring (e.g. ("+7",)); None: everywhere. Others are refused as Twilio refuses them
    # (21215), in words that repeat the number: what the app must never keep or show.
    geo_permissions: tuple[str, ...] | None = None

    def _init_calls(self) -> None:
        # pending redirects (until the caller follows them), every redirect made, participants created,
        # recordings started: files, so that every web worker process of a development server sees them
        self._state = _Files(self.storage / "calls")
        self._changing = threading.Lock()  # read-modify-write of one record (ringing threads and requests)

    @property
    def participants(self) -> list[dict]:
        """Every participant created: conference, to, call SID, status callback, answered, done."""
        return list(self._state.all("participants").values())

    def _change(self, kind: str, key: str, **changes) -> dict:
        """Change some fields of a record, keeping the others as they are now (not as a thread last read them)."""
        with self._changing:
            record = {**(self._state.get(kind, key) or {}), **changes}
            self._state.put(kind, key, record)
        return record

    @property
    def conferences(self) -> list[dict]:
        """Every conference: SID, friendly name, status (init, in-progress, completed) and its caller's call SID."""
        return list(self._state.all("conferences").values())

    def conference(self, name_or_sid: str) -> dict | None:
        """The conference of that SID, or the latest of that friendly name."""
        if sids.is_sid(name_or_sid, sids.CONFERENCE):
            return self._state.get("conferences", name_or_sid)
        named = [c for c in self.conferences if c["friendly_name"] == name_or_sid]
        return max(named, key=lambda c: c["created"]) if named else None

    def members(self, conference: dict) -> list[dict]:
        """Who is in a conference now: its caller and the participants rung in who have not left.

        The caller counts once they followed the redirect into it. Each: call SID, label, muted, coaching,
        call_sid_to_coach, status (ringing or connected).
        """
        if conference["status"] == "completed":
            return []
        found = []
        caller = conference.get("caller")
        if caller and self._state.get("taken", caller) is not None:
            found.append({"call_sid": caller, "conference_sid": conference["sid"], "label": None, "muted": False,
                          "coaching": False, "call_sid_to_coach": None, "status": "connected", "is_caller": True})
        for participant in self.participants:
            if participant.get("conference_sid") == conference["sid"] and not participant["done"]:
                found.append({**participant, "status": "connected" if participant["answered"] else "ringing"})
        return found

    def hearing(self, name_or_sid: str) -> dict[str, dict[str, list[str]]]:
        """Who hears whom in a live conference, by call SID: ``{sid: {"hears": [...], "heard_by": [...]}}``.

        A muted participant is heard by no one; a coaching one only by the participant they coach; everyone
        (the muted and the coaching too) hears everyone else who is heard.
        """
        conference = self.conference(name_or_sid)
        present = [m for m in self.members(conference) if m["status"] == "connected"] if conference else []
        sids = [m["call_sid"] for m in present]
        heard_by = {}
        for member in present:
            if member["muted"]:
                heard_by[member["call_sid"]] = []
            elif member["coaching"]:
                heard_by[member["call_sid"]] = [s for s in sids if s == member["call_sid_to_coach"]]
            else:
                heard_by[member["call_sid"]] = [s for s in sids if s != member["call_sid"]]
        return {sid: {"hears": sorted(other for other in sids if sid in heard_by[other]),
                      "heard_by": sorted(heard_by[sid])} for sid in sids}

    @property
    def call_recordings(self) -> dict[str, dict]:
        """Recording SID -> the call it records, its callback and whether it is finished."""
        return self._state.all("call-recordings")

    # --- what the simulated caller asks ------------------------------------------------------------

    def take_redirect(self, call_sid: str) -> tuple[str, str] | None:
        """A new TwiML URL for this call, set by the REST API since the last look (then forgotten)."""
        redirect = self._state.pop("redirects", call_sid)
        if redirect:
            self._state.put("taken", call_sid, redirect)  # the caller is where the redirect led (a conference)
        return (redirect["url"], redirect["method"]) if redirect else None

    def call_ended(self, call_sid: str, conversation: bytes | None = None) -> None:
        """The caller hung up: finish the call's recordings and hang up its operators, as Twilio would.

        ``conversation`` is the recorded audio (two channels: the caller, then the operator).
        """
        for recording_sid, recording in self.call_recordings.items():
            if recording["call_sid"] != call_sid or recording["done"]:
                continue
            self._state.put("call-recordings", recording_sid, {**recording, "done": True})
            if conversation is not None:
                self.put_recording(recording_sid, conversation)
            if recording["callback"]:
                self._notify(recording["callback"], {
                    "AccountSid": self.account_sid, "CallSid": call_sid, "RecordingSid": recording_sid,
                    "RecordingUrl": f"{recording['base']}/2010-04-01/Accounts/{self.account_sid}/Recordings/{recording_sid}",
                    "RecordingStatus": "completed" if conversation is not None else "absent",
                    "RecordingDuration": str(recording_seconds(conversation)), "RecordingChannels": "2",
                    "RecordingSource": "StartCallRecordingAPI", "ErrorCode": "0",
                })
        for conference in self.conferences:  # the caller ends their conference on exit: everyone leaves
            if conference.get("caller") == call_sid and conference["status"] != "completed":
                self._end_conference(conference)
        for participant in self.participants:  # (participants rung into a conference the stand-in never saw)
            if participant["caller"] == call_sid and participant["answered"] and not participant["done"]:
                self._hang_up(participant)

    def _end_conference(self, conference: dict) -> None:
        self._change("conferences", conference["sid"], status="completed")
        for participant in self.participants:
            if participant.get("conference_sid") == conference["sid"] and not participant["done"]:
                self._hang_up(participant)

    def _hang_up(self, participant: dict) -> None:
        """A participant's call ends: answered ones complete, ringing ones are canceled (status callback)."""
        participant = self._change("participants", participant["call_sid"], done=True)
        status = "completed" if participant["answered"] else "canceled"
        self._notify(participant["callback"], {**participant["params"], "CallStatus": status})

    # --- the REST resources ------------------------------------------------------------------------

    def _update_member(self, account_sid: str, queue_sid: str, call_sid: str):
        """POST Queues/{QueueSid}/Members/{CallSid}.json: dequeue the caller into Url's TwiML."""
        url = request.form.get("Url")
        if not url:
            return _error(400, 21205, "Url parameter is required")
        self._redirect(call_sid, url)
        return jsonify(call_sid=call_sid, queue_sid=queue_sid, account_sid=account_sid, position=0, wait_time=0,
                       uri=request.path)

    def _update_call(self, account_sid: str, call_sid: str):
        """POST Calls/{Sid}.json with Url: the live call runs that TwiML now."""
        url = request.form.get("Url")
        if not url:
            return _error(400, 21205, "Url parameter is required")
        self._redirect(call_sid, url)
        return jsonify(sid=call_sid, account_sid=account_sid, status="in-progress", uri=request.path)

    def _redirect(self, call_sid: str, url: str) -> None:
        redirect = {"url": url, "method": request.form.get("Method", "POST").upper(), "call_sid": call_sid}
        self._state.put("redirects", call_sid, redirect)
        self._state.put("redirected", f"{time.time_ns()}-{call_sid}", redirect)

    def _create_participant(self, account_sid: str, conference: str):
        """POST Conferences/{Sid or name}/Participants.json: ring ``To`` into the conference.

        By name, a conference is created unless one of that name is live; by SID, it must be live.
        """
        form = request.form
        if not form.get("From") or not form.get("To"):
            return _error(400, 21604, "From and To are required")
        if not _ENDPOINT.match(form["To"]):
            return _error(400, 21211, f"Invalid 'To' Phone Number: {form['To']}")
        found = self._live_conference(conference, create=True)
        if isinstance(found, Response):
            return found
        try:
            muted = _boolean(form, "Muted") or False
            starts, ends = _boolean(form, "StartConferenceOnEnter"), _boolean(form, "EndConferenceOnExit")
            coaching, coach = self._coaching(found, form, None)
        except _Refused as refused:
            return refused.response
        label = form.get("Label")
        if label and any(m["label"] == label for m in self.members(found)):
            return _error(400, 16002, f"Label {label!r} is already used in this conference")
        call_sid = "CA" + secrets.token_hex(16)
        participant = {
            "conference": conference, "conference_sid": found["sid"], "to": form["To"], "call_sid": call_sid,
            "callback": form.get("StatusCallback"), "answered": False, "done": False, "caller": found.get("caller"),
            "label": label, "muted": muted, "coaching": coaching, "call_sid_to_coach": coach,
            "start_conference_on_enter": starts is not False, "end_conference_on_exit": ends or False,
            "params": {"AccountSid": account_sid, "CallSid": call_sid, "From": form["From"], "To": form["To"],
                       "Direction": "outbound-api", "ConferenceSid": found["sid"]},
        }
        self._state.put("participants", call_sid, participant)
        threading.Thread(target=self._ring, args=(participant,), daemon=True).start()
        return jsonify(_participant_json(account_sid, {**participant, "status": "queued"}, request.path)), 201

    def _live_member(self, conference: str, participant: str) -> tuple[dict, dict] | Response:
        """A live conference and one of its participants (by CallSid or label), or Twilio's error."""
        found = self._live_conference(conference, create=False)
        if isinstance(found, Response):
            return found
        member = self._member(found, participant)
        if member is None:
            return _error(404, 20404, f"The requested resource {request.path} was not found")
        return found, member

    def _update_participant(self, account_sid: str, conference: str, participant: str):
        """POST Conferences/{Sid}/Participants/{CallSid or label}.json: mute, unmute, coach or stop coaching."""
        located = self._live_member(conference, participant)
        if isinstance(located, Response):
            return located
        found, member = located
        form = request.form
        try:
            coaching, coach = self._coaching(found, form, member)
        except _Refused as refused:
            return refused.response
        changes = {"coaching": coaching, "call_sid_to_coach": coach}
        if "Muted" in form:  # Twilio: anything but "true" unmutes
            changes["muted"] = form["Muted"].lower() == "true"
        updated = self._change("participants", member["call_sid"], **changes)
        return jsonify(_participant_json(account_sid, {**updated, "status": "connected"}, request.path))

    def _delete_participant(self, account_sid: str, conference: str, participant: str):
        """DELETE Conferences/{Sid}/Participants/{CallSid or label}.json: hang the participant's call up."""
        located = self._live_member(conference, participant)
        if isinstance(located, Response):
            return located
        found, member = located
        self._hang_up(member)
        if member["end_conference_on_exit"]:
            self._end_conference(found)
        return Response(status=204)

    def _list_participants(self, account_sid: str, conference: str):
        """GET Conferences/{Sid}/Participants.json: who is in a live conference."""
        found = self.conference(conference) if sids.is_sid(conference, sids.CONFERENCE) else None
        if found is None:
            return _error(404, 20404, f"The requested resource {request.path} was not found")
        rows = [_participant_json(account_sid, m, f"{request.path.removesuffix('.json')}/{m['call_sid']}.json")
                for m in self.members(found)]
        return jsonify(_page("participants", rows, request))

    def _list_conferences(self, account_sid: str):
        """GET Conferences.json, filtered by FriendlyName and Status as Twilio filters them."""
        name, status = request.args.get("FriendlyName"), request.args.get("Status")
        if status not in (None, "init", "in-progress", "completed"):
            return _error(400, 20001, f"Invalid Status: {status}")
        rows = [{"sid": c["sid"], "account_sid": account_sid, "friendly_name": c["friendly_name"],
                 "status": c["status"], "uri": f"{request.path.removesuffix('.json')}/{c['sid']}.json"}
                for c in sorted(self.conferences, key=lambda c: c["created"])
                if name in (None, c["friendly_name"]) and status in (None, c["status"])]
        return jsonify(_page("conferences", rows, request))

    def _live_conference(self, conference: str, *, create: bool) -> dict | Response:
        """The conference a request names: a live one by SID, or (when creating participants) by name."""
        if sids.is_sid(conference, sids.CONFERENCE):
            found = self.conference(conference)
            if found is None or found["status"] == "completed":
                return _error(404, 20404, f"Conference {conference} is not in progress")
            return found
        if not create:  # only creating a participant accepts a friendly name
            return _error(404, 20404, f"The requested resource {request.path} was not found")
        found = self.conference(conference)
        if found is None or found["status"] == "completed":
            found = {"sid": "CF" + secrets.token_hex(16), "friendly_name": conference, "status": "init",
                     "caller": self._caller_in(conference), "created": time.time_ns()}
            self._state.put("conferences", found["sid"], found)
        return found

    def _member(self, conference: dict, participant: str) -> dict | None:
        """A participant rung into the conference, by call SID or label (the caller is not one the API changes)."""
        for member in self.members(conference):
            if participant in (member["call_sid"], member["label"]) and not member.get("is_caller"):
                return member
        return None

    def _coaching(self, conference: dict, form, member: dict | None) -> tuple[bool, str | None]:
        """Coaching and CallSidToCoach as Twilio reads them; raises _Refused where Twilio refuses."""
        coaching, coach = _boolean(form, "Coaching"), form.get("CallSidToCoach")
        if coaching is None and coach is None:  # not mentioned: unchanged (a new participant does not coach)
            return (member["coaching"], member["call_sid_to_coach"]) if member else (False, None)
        if coaching is False:
            if coach:
                raise _Refused(_error(400, 20001, "CallSidToCoach is given but Coaching is false"))
            return False, None
        coach = coach or (member["call_sid_to_coach"] if member else None)
        if not coach:  # Coaching=true needs someone to coach
            raise _Refused(_error(400, 20001, "Coaching is true but CallSidToCoach is missing"))
        if not sids.is_sid(coach, sids.CALL):
            raise _Refused(_error(400, 20001, f"CallSidToCoach is not a Call SID: {coach}"))
        present = {m["call_sid"] for m in self.members(conference) if m["status"] == "connected"}
        if coach not in present or (member and coach == member["call_sid"]):
            raise _Refused(_error(400, 16028, "Participant to be whispered is not present in the conference"))
        return True, coach

    def _create_call(self, account_sid: str):
        """POST Calls.json: an outgoing call (a call-back); the simulated caller answers it at once."""
        form = request.form
        if not form.get("To") or not form.get("From") or not (form.get("Url") or form.get("Twiml")):
            return _error(400, 21205, "To, From and Url are required")
        if self.geo_permissions is not None and not form["To"].startswith(self.geo_permissions):
            return _error(400, 21215, f"Account not authorized to call {form['To']}. Perhaps you need to enable some "
                                      "international permissions: "
                                      "https://www.twilio.com/console/voice/calls/geo-permissions/low-risk")
        call_sid = "CA" + secrets.token_hex(16)
        call = {"call_sid": call_sid, "to": form["To"], "url": form.get("Url"), "callback": form.get("StatusCallback"),
                "params": {"AccountSid": account_sid, "CallSid": call_sid, "From": form["From"], "To": form["To"],
                           "Direction": "outbound-api"}}
        self._state.put("outgoing", call_sid, call)
        threading.Thread(target=self._answer, args=(call,), daemon=True).start()
        return jsonify(sid=call_sid, account_sid=account_sid, to=form["To"], status="queued", uri=request.path), 201

    def _answer(self, call: dict) -> None:
        time.sleep(self.ring_seconds)
        self._notify(call["callback"], {**call["params"], "CallStatus": "ringing"})
        if not self.operator_answers:  # the same switch: nobody picks up in this simulation
            self._notify(call["callback"], {**call["params"], "CallStatus": "no-answer"})
            return
        self._notify(call["url"], {**call["params"], "CallStatus": "in-progress"})

    @property
    def outgoing_calls(self) -> list[dict]:
        """Every outgoing call placed (call-backs): to, the TwiML URL, the status callback."""
        return list(self._state.all("outgoing").values())

    def _create_call_recording(self, account_sid: str, call_sid: str):
        """POST Calls/{CallSid}/Recordings.json: start recording a live call."""
        recording_sid = "RE" + secrets.token_hex(16)
        base = request.host_url.rstrip("/") + self.url_prefix
        self._state.put("call-recordings", recording_sid, {
            "call_sid": call_sid, "callback": request.form.get("RecordingStatusCallback"), "done": False,
            "channels": request.form.get("RecordingChannels", "mono"), "base": base,
        })
        return jsonify(sid=recording_sid, call_sid=call_sid, account_sid=account_sid, status="in-progress",
                       channels=2 if request.form.get("RecordingChannels") == "dual" else 1, uri=request.path), 201

    def _take_redirect_http(self, call_sid: str):
        """For a simulator in another process: the call's pending redirect, if any."""
        redirect = self.take_redirect(call_sid)
        return jsonify(url=redirect[0], method=redirect[1]) if redirect else jsonify(url=None)

    def _call_ended_http(self, call_sid: str):
        self.call_ended(call_sid, request.get_data() or None)
        return "", 204

    # --- the simulated operator's phone ------------------------------------------------------------

    def _caller_in(self, conference: str) -> str | None:
        """The caller redirected into this conference's bridge (the app names both after the queue entry)."""
        entry = conference.rsplit("-", 1)[-1]
        for redirect in reversed(self._state.all("redirected").values()):
            if f"entry={entry}" in redirect["url"]:
                return redirect["call_sid"]
        return None

    def _ring(self, participant: dict) -> None:
        time.sleep(self.ring_seconds)
        self._notify(participant["callback"], {**participant["params"], "CallStatus": "ringing"})
        time.sleep(self.ring_seconds)
        if (self._state.get("participants", participant["call_sid"]) or participant)["done"]:
            return  # removed (or the conference ended) while ringing
        if self.operator_answers:
            self._change("participants", participant["call_sid"], answered=True)
            conference = self._state.get("conferences", participant.get("conference_sid") or "")
            if conference and conference["status"] == "init" and participant.get("start_conference_on_enter", True):
                self._change("conferences", conference["sid"], status="in-progress")
            self._notify(participant["callback"], {**participant["params"], "CallStatus": "in-progress"})
        else:
            self._change("participants", participant["call_sid"], done=True)
            self._notify(participant["callback"], {**participant["params"], "CallStatus": "no-answer"})

    def _notify(self, url: str | None, params: dict) -> None:
        if not url:
            return
        transport = self.webhooks or HttpTransport(url.split("/voice/")[0])
        try:
            send_signed(transport, self.auth_token, "POST", url, params)
        except Exception:  # a simulator thread must not die silently: say what failed
            log.exception("the stand-in could not deliver %s", url)


class _Refused(Exception):
    """A request Twilio would refuse; carries the error answer."""

    def __init__(self, response: Response):
        self.response = response


def _boolean(form, name: str) -> bool | None:
    """A boolean form parameter as Twilio reads it (true/false, any case); None when absent."""
    value = form.get(name)
    if value is None:
        return None
    if value.lower() not in ("true", "false"):
        raise _Refused(_error(400, 20001, f"{name} must be true or false, not {value!r}"))
    return value.lower() == "true"


def _participant_json(account_sid: str, participant: dict, uri: str) -> dict:
    return {"account_sid": account_sid, "call_sid": participant["call_sid"], "label": participant.get("label"),
            "conference_sid": participant.get("conference_sid"), "muted": participant.get("muted", False),
            "hold": False, "coaching": participant.get("coaching", False),
            "call_sid_to_coach": participant.get("call_sid_to_coach"),
            "start_conference_on_enter": participant.get("start_conference_on_enter", True),
            "end_conference_on_exit": participant.get("end_conference_on_exit", False),
            "status": participant["status"], "uri": uri}


def _page(key: str, rows: list[dict], req) -> dict:
    """One page of a list, as Twilio pages them (everything on the first page here)."""
    size = int(req.args.get("PageSize", 50))
    return {key: rows[:size], "page": 0, "page_size": size, "start": 0, "end": max(len(rows[:size]) - 1, 0),
            "uri": req.full_path, "first_page_uri": req.full_path, "next_page_uri": None, "previous_page_uri": None}


def recording_seconds(audio: bytes | None) -> int:
    if not audio or len(audio) < 44:
        return 0
    with wave.open(io.BytesIO(audio)) as source:
        return round(source.getnframes() / source.getframerate())


def _error(status: int, code: int, message: str) -> Response:
    """An error answered as Twilio answers one: JSON with Twilio's code."""
    body = {"code": code, "message": message, "more_info": f"https://www.twilio.com/docs/errors/{code}",
            "status": status}
    return Response(json.dumps(body), status=status, mimetype="application/json")
