"""Call control in the Twilio REST stand-in: redirects, conference participants, call recordings.

What Twilio would do to live calls is kept here as state the simulated caller reads (``take_redirect``),
and the operator's phone is simulated: it rings, then answers or not (``operator_answers``), with the
participant's status callbacks sent to the app, signed, as Twilio sends them.
"""

from __future__ import annotations

import io
import json
import logging
import os
import secrets
import threading
import time
import wave
from pathlib import Path

from flask import Response, jsonify, request

from .engine import HttpTransport, Transport, send_signed

log = logging.getLogger(__name__)


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

    def all(self, kind: str) -> dict[str, dict]:
        folder = self.root / kind
        return {p.stem: json.loads(p.read_text()) for p in sorted(folder.glob("*.json"))} if folder.is_dir() else {}


class CallControl:
    """Mixed into the stand-in: the REST resources that change live calls."""

    operator_answers = True  # the simulated operator picks up (False: the phone rings out)
    ring_seconds = 0.2  # how long the operator's phone rings before answering or giving up
    webhooks: Transport | None = None  # how the stand-in reaches the app (default: HTTP to the public URL)
    url_prefix = ""  # where the stand-in's routes are mounted

    def _init_calls(self) -> None:
        # pending redirects (until the caller follows them), every redirect made, participants created,
        # recordings started: files, so that every web worker process of a development server sees them
        self._state = _Files(self.storage / "calls")

    @property
    def participants(self) -> list[dict]:
        """Every participant created: conference, to, call SID, status callback, answered, done."""
        return list(self._state.all("participants").values())

    @property
    def call_recordings(self) -> dict[str, dict]:
        """Recording SID -> the call it records, its callback and whether it is finished."""
        return self._state.all("call-recordings")

    # --- what the simulated caller asks ------------------------------------------------------------

    def take_redirect(self, call_sid: str) -> tuple[str, str] | None:
        """A new TwiML URL for this call, set by the REST API since the last look (then forgotten)."""
        redirect = self._state.pop("redirects", call_sid)
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
        for participant in self.participants:
            if participant["caller"] == call_sid and participant["answered"] and not participant["done"]:
                self._state.put("participants", participant["call_sid"], {**participant, "done": True})
                self._notify(participant["callback"], {**participant["params"], "CallStatus": "completed"})

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
        """POST Conferences/{Sid or name}/Participants.json: ring ``To`` into the conference."""
        form = request.form
        if not form.get("From") or not form.get("To"):
            return _error(400, 21604, "From and To are required")
        call_sid = "CA" + secrets.token_hex(16)
        participant = {
            "conference": conference, "to": form["To"], "call_sid": call_sid, "callback": form.get("StatusCallback"),
            "answered": False, "done": False, "caller": self._caller_in(conference),
            "params": {"AccountSid": account_sid, "CallSid": call_sid, "From": form["From"], "To": form["To"],
                       "Direction": "outbound-api", "ConferenceSid": "CF" + secrets.token_hex(16)},
        }
        self._state.put("participants", call_sid, participant)
        threading.Thread(target=self._ring, args=(participant,), daemon=True).start()
        return jsonify(call_sid=call_sid, conference_sid=participant["params"]["ConferenceSid"],
                       account_sid=account_sid, status="queued", label=None, uri=request.path), 201

    def _create_call(self, account_sid: str):
        """POST Calls.json: an outgoing call (a call-back); the simulated caller answers it at once."""
        form = request.form
        if not form.get("To") or not form.get("From") or not (form.get("Url") or form.get("Twiml")):
            return _error(400, 21205, "To, From and Url are required")
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
        if self.operator_answers:
            self._state.put("participants", participant["call_sid"], {**participant, "answered": True})
            self._notify(participant["callback"], {**participant["params"], "CallStatus": "in-progress"})
        else:
            self._state.put("participants", participant["call_sid"], {**participant, "done": True})
            self._notify(participant["callback"], {**participant["params"], "CallStatus": "no-answer"})

    def _notify(self, url: str | None, params: dict) -> None:
        if not url:
            return
        transport = self.webhooks or HttpTransport(url.split("/voice/")[0])
        try:
            send_signed(transport, self.auth_token, "POST", url, params)
        except Exception:  # a simulator thread must not die silently: say what failed
            log.exception("the stand-in could not deliver %s", url)


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
