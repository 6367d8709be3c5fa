"""The OpenAPI 3.1 description of the JSON API, served at ``/api/openapi.json``."""

from __future__ import annotations

_NULLABLE_STRING = {"type": ["string", "null"]}
_TIME = {"type": ["string", "null"], "format": "date-time"}


def _object(properties: dict, required: list[str] | None = None) -> dict:
    return {"type": "object", "properties": properties, "required": required or list(properties),
            "additionalProperties": False}


WORD = _object({
    "word": {"type": "string"},
    "start": {"type": "number", "minimum": 0, "description": "seconds from the start of the recording"},
    "end": {"type": "number", "minimum": 0},
    "confidence": {"type": "number", "minimum": 0, "maximum": 1},
})
TRANSCRIPT = _object({
    "channel": {"type": "integer", "minimum": 0},
    "speaker": {"enum": ["caller", "operator", "voice_message"]},
    "language": {"type": "string"},
    "engine": {"type": "string"},
    "text": {"type": "string"},
    "words": {"type": "array", "items": {"$ref": "#/components/schemas/Word"}},
})
RECORDING = _object({
    "recording_sid": {"type": "string", "pattern": "^RE[0-9a-f]{32}$"},
    "source": {"enum": ["voice_message", "conversation"]},
    "state": {"enum": ["at_twilio", "stored", "needs_model", "transcribed", "failed"]},
    "failure": _NULLABLE_STRING,
    "language": _NULLABLE_STRING,
    "duration_seconds": {"type": ["number", "null"]},
    "channels": {"type": "integer", "minimum": 1},
    "sha256": _NULLABLE_STRING,
    "size_bytes": {"type": ["integer", "null"]},
    "stored_at": _TIME,
    "deleted_at_twilio": _TIME,
    "transcribed_at": _TIME,
    "transcripts": {"type": "array", "items": {"$ref": "#/components/schemas/Transcript"}},
})
CALL = _object({
    "call_sid": {"type": "string", "pattern": "^CA[0-9a-f]{32}$"},
    "status": {"enum": ["queued", "ringing", "in-progress", "completed", "busy", "failed", "no-answer", "canceled"]},
    "language": _NULLABLE_STRING,
    "flow_id": {"type": "string"},
    "ivr_outcome": {"enum": ["in_ivr", "enqueued", "voice_message", "hung_up"]},
    "priority": {"enum": ["urgent", "child", "standard", None]},
    "category": _NULLABLE_STRING,
    "queue_result": _NULLABLE_STRING,
    "path": {"type": "array", "items": {"type": "string"}, "description": "IVR nodes in the order reached"},
    "repeat_caller_key": {**_NULLABLE_STRING, "description": "keyed hash linking calls from one number"},
    "created_at": _TIME,
    "ended_at": _TIME,
    "duration_seconds": {"type": ["integer", "null"]},
    "recordings": {"type": "array", "items": {"$ref": "#/components/schemas/Recording"}},
})
ERROR = _object({"error": {"type": "string"}})


def _json(schema_name: str, description: str) -> dict:
    return {"description": description,
            "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema_name}"}}}}


DOCUMENT = {
    "openapi": "3.1.0",
    "info": {"title": "Qorgau API", "version": "1",
             "description": "Calls, recordings and transcripts of the 111 helpline. Callers are anonymous: "
                            "no phone number is ever returned. Every transcript read is audited."},
    "servers": [{"url": "/"}],
    "components": {
        "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer",
                                       "description": "`flask --app app users token NAME`"}},
        "schemas": {"Word": WORD, "Transcript": TRANSCRIPT, "Recording": RECORDING, "Call": CALL,
                    "Error": ERROR,
                    "Me": _object({"username": {"type": "string"},
                                   "role": {"enum": ["operator", "supervisor", "admin"]}})},
    },
    "security": [{"bearer": []}],
    "paths": {
        "/api/me": {"get": {"summary": "Who the token belongs to", "operationId": "me",
                            "responses": {"200": _json("Me", "The token's user"),
                                          "401": _json("Error", "No valid token")}}},
        "/api/calls/{call_sid}": {"get": {
            "summary": "A call with its recordings and transcripts (supervisors)",
            "operationId": "getCall",
            "parameters": [{"name": "call_sid", "in": "path", "required": True,
                            "schema": {"type": "string", "pattern": "^CA[0-9a-f]{32}$"}, "description": "Twilio's CallSid"}],
            "responses": {"200": _json("Call", "The call"), "401": _json("Error", "No valid token"),
                          "403": _json("Error", "Not a supervisor"), "404": _json("Error", "No such call")},
        }},
    },
}
