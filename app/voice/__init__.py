"""The phone side of a contact around the line: the wait loop, bridging over Twilio's REST API, the legs' news.

Why a package of its own rather than part of ``app.calls``: ``calls`` is the record of a call (one row
per CallSid, its lifecycle and IVR steps) and many domains read it (recordings, cases, replay, the IVR).
What lives here orchestrates a call with the line (``app.queue``), call-backs (``app.callbacks``), operator
presence (``app.operators``) and Twilio (``app.core.ports.TelephonyGateway``). Put into ``calls``, that
would make the most depended-on domain depend on nearly every other one; here it stays a layer above
them, and the line below stays free of any voice or Twilio knowledge.
"""
