"""Helpers of the voice tests: Twilio's REST API as a recorder that can be told to fail."""

from __future__ import annotations

from app.core.ports import GatewayError

BASE = "https://qorgau.example.org"


class FakeGateway:
    """Records every REST request; ``fail[method] = GatewayError(...)`` makes that request fail.

    ``meanwhile[method]`` runs while that request is "at Twilio" (what other requests did in the meantime).
    """

    def __init__(self):
        self.requests: list[tuple] = []
        self.fail: dict[str, GatewayError] = {}
        self.meanwhile: dict[str, object] = {}

    def _do(self, method: str, *args):
        self.requests.append((method, *args))
        if method in self.meanwhile:
            self.meanwhile[method]()
        if method in self.fail:
            raise self.fail[method]
        return "CA" + "f" * 32 if method != "record_call" else "RE" + "f" * 32

    def redirect_queue_member(self, queue_sid, call_sid, url):
        return self._do("redirect_queue_member", queue_sid, call_sid, url)

    def redirect_call(self, call_sid, url):
        return self._do("redirect_call", call_sid, url)

    def dial_into_conference(self, conference, to, from_, status_callback, timeout):
        return self._do("dial_into_conference", conference, to, from_, status_callback, timeout)

    def record_call(self, call_sid, status_callback):
        return self._do("record_call", call_sid, status_callback)

    def call_out(self, to, from_, url, status_callback, timeout):
        return self._do("call_out", to, from_, url, status_callback, timeout)
