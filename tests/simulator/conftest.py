"""A tiny stand-in helpline answering hand-written TwiML, to check the simulator plays Twilio right."""

from __future__ import annotations

import threading
from dataclasses import dataclass

import pytest
from flask import Flask, Response, request
from twilio.request_validator import RequestValidator
from werkzeug.serving import make_server

from app.simulator.engine import AppTransport, CallSimulator, HttpTransport, ScriptedCaller

BASE = "https://tiny.example.org"
TOKEN = "tiny-token"
EMPTY = "<Response/>"
WAV = b"RIFF\x24\x00\x00\x00WAVEfmt "


@dataclass
class Received:
    """One request the tiny app got, and whether Twilio's signature on it checks out."""

    method: str
    path: str
    args: dict
    form: dict
    signed: bool


class TinyHelpline:
    """Serves ``documents[path]`` as TwiML for any path (an empty <Response/> when unknown)."""

    def __init__(self):
        self.documents: dict[str, str] = {}
        self.received: list[Received] = []
        self.app = Flask(__name__)
        self.app.add_url_rule("/<path:path>", view_func=self.serve, methods=["GET", "POST"])

    def serve(self, path: str):
        path = "/" + path
        if path.endswith(".wav"):
            return Response(WAV, mimetype="audio/wav")
        url = request.url.replace(request.host_url.rstrip("/"), BASE, 1)
        params = request.form if request.method == "POST" else {}
        signed = RequestValidator(TOKEN).validate(url, params, request.headers.get("X-Twilio-Signature", ""))
        self.received.append(Received(request.method, path, request.args.to_dict(), request.form.to_dict(), signed))
        return Response(self.documents.get(path, EMPTY), mimetype="text/xml")

    def paths(self) -> list[str]:
        return [r.path for r in self.received]

    def call(self, script: str = "", wait_rounds: int = 2, over: str | None = None):
        """Place a call in-process, or ``over`` HTTP to a server at that address."""
        transport = HttpTransport(BASE, over) if over else AppTransport(self.app)
        simulator = CallSimulator(transport, BASE, TOKEN, "AC" + "0" * 32, wait_rounds=wait_rounds)
        return simulator.call(ScriptedCaller(script.split()))


@pytest.fixture
def tiny() -> TinyHelpline:
    return TinyHelpline()


@pytest.fixture
def tiny_server(tiny):
    """The tiny helpline over real HTTP on a loopback port."""
    server = make_server("127.0.0.1", 0, tiny.app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)
