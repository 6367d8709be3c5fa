"""What Twilio accepts in a voice TwiML document: verbs, their attributes and nesting.

Taken from Twilio's TwiML reference and twilio-python's ``voice_response.py`` (no schema is published).
"""

from __future__ import annotations

from xml.etree import ElementTree

MAX_BYTES = 64 * 1024
CONTENT_TYPES = ("text/xml", "application/xml")

_RECORDING_CALLBACK = {"recordingStatusCallback", "recordingStatusCallbackMethod", "recordingStatusCallbackEvent",
                       "recordingConfigurationId"}
_STATUS_CALLBACK = {"statusCallback", "statusCallbackMethod", "statusCallbackEvent"}

# element -> (allowed attributes, allowed children)
RULES: dict[str, tuple[set[str], set[str]]] = {
    "Response": (set(), {"Connect", "Dial", "Echo", "Enqueue", "Gather", "Hangup", "Leave", "Pause", "Pay",
                         "Play", "Queue", "Record", "Redirect", "Refer", "Reject", "Say", "Sms", "Start", "Stop"}),
    "Say": ({"voice", "language", "loop"}, {"break", "emphasis", "lang", "p", "phoneme", "prosody", "s",
                                            "say-as", "sub", "w"}),
    "Play": ({"loop", "digits"}, set()),
    "Pause": ({"length"}, set()),
    "Gather": ({"action", "method", "timeout", "finishOnKey", "numDigits", "input", "speechTimeout", "maxSpeechTime",
                "hints", "language", "partialResultCallback", "partialResultCallbackMethod", "profanityFilter",
                "speechModel", "enhanced", "actionOnEmptyResult", "bargeIn", "debug", "dtmfDetection"},
               {"Say", "Play", "Pause"}),
    "Record": ({"action", "method", "timeout", "finishOnKey", "maxLength", "playBeep", "trim", "transcribe",
                "transcribeCallback", "recordingChannels"} | _RECORDING_CALLBACK, set()),
    "Redirect": ({"method"}, set()),
    "Enqueue": ({"action", "method", "waitUrl", "waitUrlMethod", "workflowSid", "maxQueueSize"}, {"Task"}),
    "Task": ({"priority", "timeout"}, set()),
    "Hangup": (set(), set()),
    "Leave": (set(), set()),
    "Reject": ({"reason"}, set()),
    "Dial": ({"action", "method", "timeout", "hangupOnStar", "timeLimit", "callerId", "record", "trim",
              "answerOnBridge", "ringTone", "recordingTrack", "sequential", "referUrl", "referMethod", "events",
              "passports"} | _RECORDING_CALLBACK,
             {"Client", "Conference", "Number", "Queue", "Sim", "Sip", "Application"}),
    "Conference": ({"muted", "beep", "startConferenceOnEnter", "endConferenceOnExit", "waitUrl", "waitMethod",
                    "maxParticipants", "record", "region", "coach", "trim", "eventCallbackUrl",
                    "jitterBufferSize", "participantLabel"} | _STATUS_CALLBACK | _RECORDING_CALLBACK, set()),
    "Number": ({"sendDigits", "url", "method", "byoc"} | _STATUS_CALLBACK, set()),
    "Client": ({"url", "method"} | _STATUS_CALLBACK, {"Identity", "Parameter"}),
    "Identity": (set(), set()),
    "Parameter": ({"name", "value"}, set()),
    "Queue": ({"url", "method", "reservationSid", "postWorkActivitySid"}, set()),
}
# Elements that carry text (a URL, a queue name, words to say...).
TEXT = {"Say", "Play", "Redirect", "Enqueue", "Dial", "Number", "Client", "Conference", "Queue", "Identity", "Task"}

_METHODS = {"GET", "POST"}
_BOOLEANS = {"true", "false"}
_POSITIVE_INTS = {"numDigits", "maxLength", "length", "loop", "timeLimit", "maxQueueSize", "maxParticipants",
                  "maxSpeechTime"}
_INTS = {"timeout"}
# (Conference's coach is the CallSid of the participant to coach, not a flag.)
_BOOL_ATTRS = {"actionOnEmptyResult", "playBeep", "transcribe", "hangupOnStar", "answerOnBridge", "muted",
               "startConferenceOnEnter", "endConferenceOnExit", "bargeIn", "profanityFilter"}
_CHOICES = {"beep": {"true", "false", "onEnter", "onExit"}}
_METHOD_ATTRS = {"method", "waitUrlMethod", "waitMethod", "recordingStatusCallbackMethod",
                 "statusCallbackMethod", "partialResultCallbackMethod", "referMethod"}


def check_response(status: int, content_type: str, body: bytes) -> tuple[list[str], ElementTree.Element | None]:
    """Problems Twilio would have with this webhook reply, and the parsed document if it parsed."""
    problems = []
    if status != 200:
        problems.append(f"HTTP status {status}, Twilio plays an application error")
    media_type = content_type.split(";")[0].strip().lower()
    if media_type not in CONTENT_TYPES:
        problems.append(f"Content-Type {content_type!r} is not text/xml or application/xml")
    if len(body) >= MAX_BYTES:
        problems.append(f"reply is {len(body)} bytes, Twilio's limit is 64 kB")
    try:
        root = ElementTree.fromstring(body)
    except ElementTree.ParseError as error:
        return problems + [f"not well-formed XML: {error}"], None
    return problems + check_document(root), root


def check_document(root: ElementTree.Element) -> list[str]:
    """Verbs, attributes, values and nesting that Twilio does not document."""
    if root.tag != "Response":
        return [f"root element is <{root.tag}>, not <Response>"]
    problems: list[str] = []
    _check(root, problems, "Response")
    return problems


def _check(element: ElementTree.Element, problems: list[str], where: str) -> None:
    attributes, children = RULES[element.tag]
    for name, value in element.attrib.items():
        if name not in attributes:
            problems.append(f"{where}: unknown attribute {name!r}")
        elif name in _METHOD_ATTRS and value.upper() not in _METHODS:
            problems.append(f"{where}: {name}={value!r} is not GET or POST")
        elif name in _BOOL_ATTRS and value not in _BOOLEANS:
            problems.append(f"{where}: {name}={value!r} is not true or false")
        elif name in _CHOICES and value not in _CHOICES[name]:
            problems.append(f"{where}: {name}={value!r} is not one of {sorted(_CHOICES[name])}")
        elif name in _POSITIVE_INTS and not (value.isdigit() and (int(value) > 0 or name == "loop")):
            problems.append(f"{where}: {name}={value!r} is not a positive whole number")
        elif name in _INTS and not value.isdigit():
            problems.append(f"{where}: {name}={value!r} is not a whole number")
    if element.text and element.text.strip() and element.tag not in TEXT:
        problems.append(f"{where}: <{element.tag}> takes no text")
    for child in element:
        if child.tag not in children or (child.tag not in RULES and element.tag != "Say"):
            problems.append(f"{where}: <{child.tag}> is not allowed inside <{element.tag}>")
            continue
        if element.tag != "Say":  # SSML inside <Say> is free-form here
            _check(child, problems, f"{where}/{child.tag}")
