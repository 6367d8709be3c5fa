"""The supervisors' JSON API under ``/api`` (bearer tokens)."""

from __future__ import annotations

from flask import Blueprint, g, jsonify

from app.auth.access import token_required
from app.auth.models import Role

from . import services
from .openapi import DOCUMENT

api = Blueprint("supervisor_api", __name__, url_prefix="/api")


@api.get("/openapi.json")
def openapi():
    return jsonify(DOCUMENT)


@api.get("/calls/<call_sid>")
@token_required(Role.SUPERVISOR)
def call(call_sid: str):
    """A call with its recordings and transcripts; reading transcripts is audited."""
    body = services.call_record(call_sid, g.api_user)
    if body is None:
        return jsonify(error=f"no call {call_sid}"), 404
    return jsonify(body)
