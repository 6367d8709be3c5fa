"""The baseline for bench/webhook.py: a bare Flask app that answers with the real app's TwiML, verbatim.

No signature check, no database, no flow: each reply is looked up by the ``X-Bench-Step`` header
(scenario/request number) in the bodies captured from the real app during the benchmark's warm-up,
so both apps send the same bytes for the same request. The form is still parsed, as any webhook must.

Served by gunicorn with the same settings as the real app: ``gunicorn --chdir bench 'bare_app:create_app()'``
with ``BENCH_BARE_RESPONSES`` naming the JSON file of captured replies.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from flask import Flask, Response, request


def create_app() -> Flask:
    """The bare app, loaded with the replies captured from the real app."""
    captured = json.loads(Path(os.environ["BENCH_BARE_RESPONSES"]).read_text(encoding="utf-8"))
    bodies = {key: body.encode() for key, body in captured.items()}
    app = Flask(__name__)

    @app.post("/voice/<path:route>")
    def voice(route: str):
        request.form.get("CallSid")  # parse the form, as the real views do
        body = bodies.get(request.headers.get("X-Bench-Step", ""))
        if body is None:
            return Response(f"no captured reply for {route}\n", status=404, mimetype="text/plain")
        return Response(body, mimetype="text/xml")

    return app
