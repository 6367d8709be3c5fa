"""A stand-in for Twilio's REST API (the parts the helpline uses), for development and tests.

It keeps recordings as files in a folder, answers as Twilio does (Basic auth, JSON errors with
Twilio's codes, 204 on delete) and logs every request so tests can check them against Twilio's spec.
"""

from __future__ import annotations

import array
import io
import json
import sys
import threading
import wave
from pathlib import Path

from flask import Blueprint, Flask, Response, jsonify, request

from app.core import sids

from .twilio_calls import CallControl

API = "/2010-04-01/Accounts/<account_sid>"


class TwilioStandIn(CallControl):
    """State of the stand-in: stored recordings, the request log and injected faults."""

    def __init__(self, storage: Path, account_sid: str, auth_token: str):
        self.storage = Path(storage)
        self.account_sid = account_sid
        self.auth_token = auth_token
        # every request, in order: method, path, form, query, auth scheme, authorised, and the status answered
        self.requests: list[dict] = []
        self.faults: list[int] = []  # HTTP statuses to answer the next media requests with
        self._lock = threading.Lock()
        self._init_calls()
        (self.storage / "recordings").mkdir(parents=True, exist_ok=True)

    # --- what the simulated call puts in ------------------------------------------------------

    def put_recording(self, recording_sid: str, audio: bytes) -> str:
        """Store a recording as Twilio would after a call; returns its media URL path."""
        if not sids.is_sid(recording_sid, sids.RECORDING):
            raise ValueError(f"not a recording SID: {recording_sid!r}")
        self._path(recording_sid).write_bytes(audio)
        return f"/2010-04-01/Accounts/{self.account_sid}/Recordings/{recording_sid}"

    def has_recording(self, recording_sid: str) -> bool:
        return self._path(recording_sid).is_file()

    def _path(self, recording_sid: str) -> Path:
        return self.storage / "recordings" / f"{recording_sid}.wav"

    # --- the HTTP side ----------------------------------------------------------------------------

    def blueprint(self, url_prefix: str = "") -> Blueprint:
        bp = Blueprint("twilio_standin", __name__, url_prefix=url_prefix)
        bp.before_request(self._log_and_authorise)
        bp.after_request(self._log_status)
        bp.add_url_rule(f"{API}/Recordings/<name>", "recording", self._recording, methods=["GET", "DELETE"])
        bp.add_url_rule("/_simulator/recordings/<recording_sid>", "upload", self._upload, methods=["PUT"])
        bp.add_url_rule(f"{API}/Queues/<queue_sid>/Members/<call_sid>.json", "member", self._update_member,
                        methods=["POST"])
        bp.add_url_rule(f"{API}/Calls/<call_sid>.json", "call", self._update_call, methods=["POST"])
        bp.add_url_rule(f"{API}/Calls.json", "calls", self._create_call, methods=["POST"])
        bp.add_url_rule(f"{API}/Conferences/<conference>/Participants.json", "participants",
                        self._create_participant, methods=["POST"])
        bp.add_url_rule(f"{API}/Conferences/<conference>/Participants.json", "list_participants",
                        self._list_participants, methods=["GET"])
        bp.add_url_rule(f"{API}/Conferences/<conference>/Participants/<participant>.json", "participant",
                        self._update_participant, methods=["POST"])
        bp.add_url_rule(f"{API}/Conferences/<conference>/Participants/<participant>.json", "delete_participant",
                        self._delete_participant, methods=["DELETE"])
        bp.add_url_rule(f"{API}/Conferences.json", "conferences", self._list_conferences, methods=["GET"])
        bp.add_url_rule(f"{API}/Calls/<call_sid>/Recordings.json", "call_recordings", self._create_call_recording,
                        methods=["POST"])
        bp.add_url_rule("/_simulator/calls/<call_sid>/redirect", "redirect", self._take_redirect_http)
        bp.add_url_rule("/_simulator/calls/<call_sid>/ended", "ended", self._call_ended_http, methods=["POST"])
        self.url_prefix = url_prefix
        return bp

    def app(self) -> Flask:
        """A standalone app serving only the stand-in (tests run it on its own port)."""
        app = Flask("twilio_standin")
        app.register_blueprint(self.blueprint())
        return app

    def _log_and_authorise(self):
        auth = request.authorization
        authorised = bool(auth and auth.username == self.account_sid and auth.password == self.auth_token)
        with self._lock:
            self.requests.append({"method": request.method, "path": request.path, "form": request.form.to_dict(),
                                  "query": request.args.to_dict(), "auth_scheme": auth.type if auth else None,
                                  "authorised": authorised, "status": None})
            request.environ["twilio_standin.log_index"] = len(self.requests) - 1
        if not authorised:
            return _error(401, 20003, "Authenticate")
        if request.view_args and request.view_args.get("account_sid", self.account_sid) != self.account_sid:
            return _error(404, 20404, "The requested resource was not found")
        return None

    def _log_status(self, response: Response) -> Response:
        index = request.environ.get("twilio_standin.log_index")
        if index is not None:
            with self._lock:
                self.requests[index]["status"] = response.status_code
        return response

    def _recording(self, account_sid: str, name: str):
        recording_sid, _, extension = name.partition(".")
        path = self._path(recording_sid) if sids.is_sid(recording_sid, sids.RECORDING) else None
        if request.method == "DELETE":
            if extension != "json" or path is None or not path.is_file():
                return _error(404, 20404, f"The requested resource {request.path} was not found")
            path.unlink()
            return Response(status=204)
        with self._lock:
            fault = self.faults.pop(0) if self.faults else None
        if fault:
            return _error(fault, 20500 if fault >= 500 else fault * 100, "Injected fault")
        if path is None or not path.is_file():
            return _error(404, 20404, f"The requested resource {request.path} was not found")
        if extension == "json":
            return jsonify(sid=recording_sid, account_sid=account_sid, status="completed",
                           uri=request.path, channels=1, media_url=None)
        if extension not in ("", "wav"):
            return _error(415, 21610, "Only WAV is simulated")
        audio = path.read_bytes()
        if request.args.get("RequestedChannels") != "2":  # Twilio mixes a dual-channel recording unless asked
            audio = _mono_mix(audio)
        return Response(audio, mimetype="audio/x-wav")

    def _upload(self, recording_sid: str):
        try:
            self.put_recording(recording_sid, request.get_data())
        except ValueError as error:
            return _error(400, 20001, str(error))
        return Response(status=201)


def _mono_mix(audio: bytes) -> bytes:
    """A two-channel 16-bit PCM WAV mixed down to mono, as Twilio serves it by default; anything else as is."""
    try:
        with wave.open(io.BytesIO(audio)) as source:
            if source.getnchannels() != 2 or source.getsampwidth() != 2:
                return audio
            rate, frames = source.getframerate(), source.readframes(source.getnframes())
    except (wave.Error, EOFError):
        return audio
    samples = array.array("h", frames[: len(frames) - len(frames) % 4])  # whole frames of a cut file
    if sys.byteorder == "big":  # WAV samples are little-endian
        samples.byteswap()
    mixed = array.array("h", ((left + right) // 2 for left, right in zip(samples[0::2], samples[1::2], strict=True)))
    if sys.byteorder == "big":
        mixed.byteswap()
    out = io.BytesIO()
    with wave.open(out, "wb") as target:
        target.setnchannels(1)
        target.setsampwidth(2)
        target.setframerate(rate)
        target.writeframes(mixed.tobytes())
    return out.getvalue()


def _error(status: int, code: int, message: str):
    body = {"code": code, "message": message, "more_info": f"https://www.twilio.com/docs/errors/{code}",
            "status": status}
    return Response(json.dumps(body), status=status, mimetype="application/json")
