"""The IVR state machine: ``step(flow, state, event) -> Step`` with no I/O.

The adapter turns a webhook into an event, persists the returned state and renders the actions.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from .flow import TERMINAL_TYPES, Flow, Node, NodeType, Transition
from .vocab import IvrOutcome, Priority

# --- events: what the caller did -----------------------------------------------------------------


@dataclass(frozen=True)
class Start:
    """The call has just arrived."""


@dataclass(frozen=True)
class Keys:
    """The caller pressed keys (an empty string means the menu timed out)."""

    digits: str


@dataclass(frozen=True)
class NoInput:
    """The caller did nothing: a menu timed out or a recording came back empty."""


@dataclass(frozen=True)
class Recorded:
    """A voice message was recorded."""

    recording_sid: str


Event = Start | Keys | NoInput | Recorded

# --- actions: what the caller gets ---------------------------------------------------------------


@dataclass(frozen=True)
class Speak:
    """Speak one prompt in one language."""

    prompt: str
    language: str


@dataclass(frozen=True)
class Collect:
    """Speak prompts while listening for keys; then report Keys or NoInput."""

    prompts: tuple[Speak, ...]
    num_digits: int
    timeout: int


@dataclass(frozen=True)
class RecordMessage:
    """Record the caller after a beep; then report Recorded or NoInput."""

    max_length: int
    timeout: int


@dataclass(frozen=True)
class Enqueue:
    """Put the caller in line for an operator."""

    queue: str
    priority: Priority
    category: str
    language: str | None


@dataclass(frozen=True)
class Hangup:
    """End the call."""


Action = Speak | Collect | RecordMessage | Enqueue | Hangup

# --- state ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class IvrState:
    """Where a caller is in the flow."""

    node: str
    language: str | None = None
    misses: int = 0  # wrong keys or silences at the current node
    path: tuple[str, ...] = field(default_factory=tuple)
    outcome: IvrOutcome = IvrOutcome.IN_IVR

    def to_dict(self) -> dict:
        # Field by field: dataclasses.asdict deep-copies every value, a cost on every IVR step.
        return {"node": self.node, "language": self.language, "misses": self.misses, "path": list(self.path),
                "outcome": self.outcome.value}

    @classmethod
    def from_dict(cls, data: dict) -> IvrState:
        return cls(
            node=data["node"],
            language=data.get("language"),
            misses=data.get("misses", 0),
            path=tuple(data.get("path", ())),
            outcome=IvrOutcome(data.get("outcome", IvrOutcome.IN_IVR.value)),
        )


@dataclass(frozen=True)
class Step:
    """The result of one step: the new state and the actions to perform, in order."""

    state: IvrState
    actions: tuple[Action, ...]


MAX_CHAIN = 50  # message nodes entered in one step; validation rules out loops, this guards anyway


def start(flow: Flow) -> Step:
    """Begin a call at the flow's start node."""
    return _enter(flow, IvrState(node=flow.start), Transition(flow.start), ())


def step(flow: Flow, state: IvrState, event: Event, line_open: bool = True) -> Step:
    """Advance a caller's state by one event.

    ``line_open`` False (outside operating hours) sends queue-bound callers to the flow's ``when_closed``.
    """
    if isinstance(event, Start):
        return start(flow)
    node = flow.nodes.get(state.node)
    if node is None:  # the flow changed under a live call: send the caller to an operator
        return _enter(flow, state, flow.fallback_transition(), (), line_open)
    if node.type is NodeType.MESSAGE:  # only after a flow change (callers never wait at one): go on
        return _enter(flow, state, Transition(node.id), (), line_open)
    if node.type in TERMINAL_TYPES:  # a repeated request after the IVR ended
        return Step(state, _node_actions(flow, state, node))
    if node.type is NodeType.MENU:
        if isinstance(event, Keys) and event.digits in node.options:
            return _enter(flow, state, node.options[event.digits], (), line_open)
        silent = not isinstance(event, Keys) or not event.digits
        return _miss(flow, state, node, silent, line_open)
    if node.type is NodeType.RECORD:
        if isinstance(event, Recorded):
            state = replace(state, outcome=IvrOutcome.VOICE_MESSAGE)
            return _enter(flow, state, node.next, (), line_open)
        if isinstance(event, NoInput | Keys):
            return _miss(flow, state, node, True, line_open)
    return Step(state, _node_actions(flow, state, node))  # an event this node does not expect


def _miss(flow: Flow, state: IvrState, node: Node, silent: bool, line_open: bool = True) -> Step:
    misses = state.misses + 1
    if misses > node.retries:
        fallback = (node.on_no_input if silent else node.on_invalid) or flow.fallback_transition()
        return _enter(flow, state, fallback, (), line_open)
    state = replace(state, misses=misses)
    before = ()
    if not silent and node.invalid_prompt:
        before = _speak(flow, state, node.invalid_prompt)
    return Step(state, before + _node_actions(flow, state, node))


def _enter(flow: Flow, state: IvrState, transition: Transition, spoken: tuple[Action, ...],
           line_open: bool = True) -> Step:
    actions = list(spoken)
    for _ in range(MAX_CHAIN):
        node = flow.nodes[transition.target]
        if node.type is NodeType.QUEUE and not line_open and flow.when_closed and flow.when_closed not in state.path:
            transition = Transition(flow.when_closed)  # outside operating hours: hours and a message
            continue
        state = replace(
            state,
            node=node.id,
            language=transition.language or state.language,
            misses=0,
            path=state.path + (node.id,),
        )
        if node.type is NodeType.MESSAGE:
            actions += _speak(flow, state, node.prompt)
            transition = node.next
            continue
        if node.type is NodeType.QUEUE:
            state = replace(state, outcome=IvrOutcome.ENQUEUED)
        elif node.type is NodeType.HANGUP and state.outcome is IvrOutcome.IN_IVR:
            state = replace(state, outcome=IvrOutcome.HUNG_UP)
        return Step(state, tuple(actions) + _node_actions(flow, state, node))
    raise RuntimeError(f"{flow.source}: message nodes loop at {transition.target!r}")


def goto(flow: Flow, state: IvrState, node_id: str) -> Step:
    """Send a caller to a node from outside the menus (e.g. from the queue to leave a voice message)."""
    return _enter(flow, state, Transition(node_id), ())


def _speak(flow: Flow, state: IvrState, prompt: str | None) -> tuple[Speak, ...]:
    """Speak in the caller's language, or in every language while none is chosen yet."""
    if not prompt:
        return ()
    languages = (state.language,) if state.language else flow.languages
    return tuple(Speak(prompt, language) for language in languages)


def _node_actions(flow: Flow, state: IvrState, node: Node) -> tuple[Action, ...]:
    """The actions that (re)present a waiting or terminal node to the caller."""
    spoken = _speak(flow, state, node.prompt)
    if node.type is NodeType.MENU:
        width = max(len(key) for key in node.options)
        return (Collect(spoken, num_digits=width, timeout=node.timeout),)
    if node.type is NodeType.RECORD:
        return spoken + (RecordMessage(node.max_length, node.timeout),)
    if node.type is NodeType.QUEUE:
        return spoken + (Enqueue(flow.queue, node.priority, node.category, state.language),)
    return spoken + (Hangup(),)
