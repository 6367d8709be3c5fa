"""The IVR flow model: parsing a flow from plain data and checking it for mistakes.

A flow is a graph of nodes. *Waiting* nodes (menu, record) hand control to the caller; *terminal* nodes
(queue, hangup) end the IVR; message nodes speak and move on. Every error names the file and the node.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from .queue import QUEUE_PROMPTS
from .vocab import Priority

DIGITS = frozenset("0123456789*#")


class NodeType(StrEnum):
    """What a node does with the call."""

    MENU = "menu"  # speak a prompt and wait for a key
    MESSAGE = "message"  # speak a prompt and go on
    RECORD = "record"  # speak a prompt and record a voice message
    QUEUE = "queue"  # put the caller in line for an operator (ends the IVR)
    HANGUP = "hangup"  # speak a prompt and end the call


TERMINAL_TYPES = frozenset({NodeType.QUEUE, NodeType.HANGUP})


@dataclass(frozen=True)
class Transition:
    """Where to go next, optionally choosing the caller's language on the way.

    A menu's option may carry ``label``, the prompt id of its button on the web; an option without one is
    not offered there.
    """

    target: str
    language: str | None = None
    label: str | None = None


@dataclass(frozen=True)
class Node:
    """One step of a flow; which fields matter depends on ``type``."""

    id: str
    type: NodeType
    prompt: str | None = None
    next: Transition | None = None
    options: Mapping[str, Transition] = field(default_factory=dict)
    on_no_input: Transition | None = None
    on_invalid: Transition | None = None
    invalid_prompt: str | None = None
    wait_prompt: str | None = None
    timeout: int = 6
    retries: int = 2
    max_length: int = 120
    priority: Priority = Priority.STANDARD
    category: str = "general"
    web_prompt: str | None = None  # what the web shows: a menu's question, a message's text (none: passed silently)

    def transitions(self) -> list[Transition]:
        """Every transition this node can take (fallbacks excluded)."""
        found = list(self.options.values())
        found += [t for t in (self.next, self.on_no_input, self.on_invalid) if t]
        return found

    def prompts(self) -> list[str]:
        return [p for p in (self.prompt, self.invalid_prompt, self.wait_prompt) if p]

    def web_prompts(self) -> list[str]:
        """The prompts only the web shows: this node's ``web_prompt`` and its options' labels."""
        return [p for p in (self.web_prompt, *(t.label for t in self.options.values())) if p]

    def offers_languages(self) -> bool:
        """A language menu: every option chooses a language (the web answers it with the page's language)."""
        return self.type is NodeType.MENU and bool(self.options) and all(t.language for t in self.options.values())


@dataclass(frozen=True)
class Flow:
    """A validated-shape IVR flow (use :func:`check_flow` for graph and prompt errors)."""

    id: str
    source: str
    languages: tuple[str, ...]
    start: str
    fallback: str
    queue: str
    nodes: Mapping[str, Node]
    prompts: Mapping[str, Mapping[str, str]]
    when_closed: str | None = None  # where queue-bound callers go outside operating hours
    voice_message: str | None = None  # the record node callers leave the queue for
    web: bool = False  # the child's page walks its menus as buttons (app.core.webwalk)

    def fallback_transition(self) -> Transition:
        return Transition(self.fallback)

    def web_only_prompts(self) -> set[str]:
        """Prompts no caller hears (the web's questions and buttons): they need no audio."""
        spoken = {p for node in self.nodes.values() for p in node.prompts()}
        return {p for node in self.nodes.values() for p in node.web_prompts()} - spoken


@dataclass(frozen=True)
class FlowError:
    """One problem in a flow file, located by file and node."""

    source: str
    node: str | None
    message: str

    def __str__(self) -> str:
        where = f"{self.source}: node '{self.node}'" if self.node else self.source
        return f"{where}: {self.message}"


class FlowInvalid(ValueError):
    """Raised when a flow cannot be used; carries every error found."""

    def __init__(self, errors: Iterable[FlowError]):
        self.errors = list(errors)
        super().__init__("\n".join(str(e) for e in self.errors))


# --- parsing -------------------------------------------------------------------------------------


class _Parser:
    def __init__(self, source: str):
        self.source = source
        self.errors: list[FlowError] = []

    def error(self, node: str | None, message: str) -> None:
        self.errors.append(FlowError(self.source, node, message))

    def transition(self, node: str, what: str, value: object, *, option: bool = False) -> Transition | None:
        if value is None:
            return None
        if isinstance(value, str):
            return Transition(value)
        if isinstance(value, Mapping) and isinstance(value.get("next"), str):
            unknown = set(value) - {"next", "language"} - ({"label"} if option else set())
            if unknown:
                self.error(node, f"{what}: unknown keys {sorted(unknown)}")
            label = value.get("label") if option else None
            if label is not None and not isinstance(label, str):
                self.error(node, f"{what}: label must be a prompt id")
                label = None
            return Transition(value["next"], value.get("language"), label)
        self.error(node, f"{what}: expected a node id or a mapping with 'next'")
        return None

    def node(self, node_id: str, raw: object) -> Node | None:
        if not isinstance(raw, Mapping):
            self.error(node_id, "must be a mapping")
            return None
        try:
            node_type = NodeType(raw.get("type"))
        except ValueError:
            kinds = ", ".join(t.value for t in NodeType)
            self.error(node_id, f"unknown type {raw.get('type')!r} (one of: {kinds})")
            return None
        allowed = _ALLOWED_KEYS[node_type]
        unknown = set(raw) - allowed
        if unknown:
            self.error(node_id, f"unknown keys {sorted(unknown)} for a {node_type.value} node")
        options: dict[str, Transition] = {}
        raw_options = raw.get("options") or {}
        if not isinstance(raw_options, Mapping):
            self.error(node_id, "options must map phone keys to node ids")
            raw_options = {}
        for key, value in raw_options.items():
            key = str(key)
            if not key or set(key) - DIGITS:
                self.error(node_id, f"option {key!r} is not a phone key")
            transition = self.transition(node_id, f"option {key}", value, option=True)
            if transition:
                options[key] = transition
        try:
            priority = Priority(raw.get("priority", Priority.STANDARD.value))
        except ValueError:
            self.error(node_id, f"unknown priority {raw.get('priority')!r}")
            priority = Priority.STANDARD
        numbers = {}
        # A silent recording goes straight on (on_no_input) unless the flow asks to repeat the prompt.
        retries = 0 if node_type is NodeType.RECORD else 2
        for key, default in (("timeout", 6), ("retries", retries), ("max_length", 120)):
            value = raw.get(key, default)
            if not isinstance(value, int) or value < 0 or (key != "retries" and value == 0):
                self.error(node_id, f"{key} must be a positive whole number")
                value = default
            numbers[key] = value
        return Node(
            id=node_id,
            type=node_type,
            prompt=raw.get("prompt"),
            next=self.transition(node_id, "next", raw.get("next")),
            options=options,
            on_no_input=self.transition(node_id, "on_no_input", raw.get("on_no_input")),
            on_invalid=self.transition(node_id, "on_invalid", raw.get("on_invalid")),
            invalid_prompt=raw.get("invalid_prompt"),
            wait_prompt=raw.get("wait_prompt"),
            priority=priority,
            category=str(raw.get("category", "general")),
            web_prompt=raw.get("web_prompt"),
            **numbers,
        )


_COMMON = {"type", "prompt"}
_ALLOWED_KEYS = {
    NodeType.MENU: _COMMON
    | {"options", "timeout", "retries", "on_no_input", "on_invalid", "invalid_prompt", "web_prompt"},
    NodeType.MESSAGE: _COMMON | {"next", "web_prompt"},
    NodeType.RECORD: _COMMON | {"next", "max_length", "timeout", "retries", "on_no_input"},
    NodeType.QUEUE: _COMMON | {"priority", "category", "wait_prompt"},
    NodeType.HANGUP: _COMMON,
}
_TOP_KEYS = {"id", "title", "description", "languages", "start", "fallback", "queue", "prompts", "nodes",
             "when_closed", "voice_message", "web"}


def parse_flow(data: object, source: str) -> Flow:
    """Build a :class:`Flow` from plain data (as loaded from YAML); raise FlowInvalid on shape errors."""
    parser = _Parser(source)
    if not isinstance(data, Mapping):
        raise FlowInvalid([FlowError(source, None, "a flow file must be a mapping")])
    for key in sorted(set(data) - _TOP_KEYS):
        parser.error(None, f"unknown top-level key {key!r}")
    for key in ("id", "start", "fallback", "queue", "languages", "nodes", "prompts"):
        if not data.get(key):
            parser.error(None, f"missing required key {key!r}")
    if not isinstance(data.get("web", False), bool):
        parser.error(None, "'web' must be true or false")
    if isinstance(data.get("languages"), str):
        parser.error(None, "'languages' must be a list, e.g. [kk, ru]")
    languages = tuple(str(lang) for lang in data.get("languages") or ())
    nodes = {}
    raw_nodes = data.get("nodes") or {}
    if not isinstance(raw_nodes, Mapping):
        parser.error(None, "'nodes' must be a mapping of node id to node")
        raw_nodes = {}
    for node_id, raw in raw_nodes.items():
        node = parser.node(str(node_id), raw)
        if node:
            nodes[node.id] = node
    prompts: dict[str, dict[str, str]] = {}
    raw_prompts = data.get("prompts") or {}
    if not isinstance(raw_prompts, Mapping):
        parser.error(None, "'prompts' must be a mapping of prompt id to texts")
        raw_prompts = {}
    for prompt_id, texts in raw_prompts.items():
        if not isinstance(texts, Mapping):
            parser.error(None, f"prompt {prompt_id!r} must map language to text")
            continue
        prompts[str(prompt_id)] = {str(lang): str(text).strip() for lang, text in texts.items() if text}
    if parser.errors:
        raise FlowInvalid(parser.errors)
    return Flow(
        id=str(data["id"]),
        source=source,
        languages=languages,
        start=str(data["start"]),
        fallback=str(data["fallback"]),
        queue=str(data["queue"]),
        nodes=nodes,
        prompts=prompts,
        when_closed=data.get("when_closed"),
        voice_message=data.get("voice_message"),
        web=data.get("web") is True,
    )


# --- checking ------------------------------------------------------------------------------------


def check_flow(
    flow: Flow,
    has_audio: Callable[[str, str], bool] = lambda language, prompt: False,
    languages_without_voice: Iterable[str] = (),
) -> list[FlowError]:
    """Find graph and prompt mistakes: unknown targets, unreachable nodes, dead ends, loops without exit.

    ``has_audio(language, prompt_id)`` tells whether a recorded prompt exists; languages in
    ``languages_without_voice`` cannot fall back to text-to-speech, so each of their prompts needs audio.
    """
    errors: list[FlowError] = []

    def error(node: str | None, message: str) -> None:
        errors.append(FlowError(flow.source, node, message))

    for name, target in (("start", flow.start), ("fallback", flow.fallback), ("when_closed", flow.when_closed),
                         ("voice_message", flow.voice_message)):
        if target is not None and target not in flow.nodes:
            error(None, f"{name} points to unknown node {target!r}")
    if flow.voice_message in flow.nodes and flow.nodes[flow.voice_message].type is not NodeType.RECORD:
        error(None, f"voice_message must be a record node, not {flow.voice_message!r}")
    for node in flow.nodes.values():
        for transition in node.transitions():
            if transition.target not in flow.nodes:
                error(node.id, f"goes to unknown node {transition.target!r}")
            if transition.language and transition.language not in flow.languages:
                error(node.id, f"chooses language {transition.language!r}, not one of {list(flow.languages)}")
        if node.type in (NodeType.MESSAGE, NodeType.RECORD) and node.next is None:
            error(node.id, f"dead end: a {node.type.value} node needs 'next'")
        if node.type is NodeType.MENU and not node.options:
            error(node.id, "dead end: a menu needs at least one option")
        if node.type in (NodeType.MENU, NodeType.MESSAGE, NodeType.RECORD) and not node.prompt:
            error(node.id, f"a {node.type.value} node needs a prompt")
        prompts = node.prompts() + (list(QUEUE_PROMPTS) if node.type is NodeType.QUEUE else [])
        for prompt in dict.fromkeys(prompts):
            _check_prompt(flow, node.id, prompt, has_audio, set(languages_without_voice), error)
        for prompt in dict.fromkeys(node.web_prompts()):  # read on a screen, never heard: no audio
            _check_prompt(flow, node.id, prompt, has_audio, set(), error)
    if errors:
        return errors
    if flow.web:
        _check_web(flow, error)

    reachable = _reachable(flow, [n for n in (flow.start, flow.fallback, flow.when_closed, flow.voice_message) if n])
    for node_id in flow.nodes:
        if node_id not in reachable:
            error(node_id, f"unreachable from start node {flow.start!r}")
    exits = _can_exit(flow)
    for node_id in reachable:
        if node_id not in exits:
            error(node_id, "loop without exit: no path from here reaches a queue or hangup node")
    return errors


def _check_prompt(flow, node_id, prompt, has_audio, without_voice, error) -> None:
    texts = flow.prompts.get(prompt)
    if texts is None:
        error(node_id, f"prompt {prompt!r} has no entry under 'prompts'")
        return
    for language in flow.languages:
        if not texts.get(language):
            error(node_id, f"prompt {prompt!r} has no {language} text")
        elif language in without_voice and not has_audio(language, prompt):
            error(node_id, f"prompt {prompt!r} has no {language} audio (audio/prompts/{language}/{prompt}.wav)")


def web_transitions(node: Node) -> list[tuple[str | None, Transition]]:
    """The ways on from a node on the web, with the key of each: what the web walk may take from here.

    A language menu is answered with the page's language (any of its options); another menu offers its
    labelled options; a message goes on. Queue nodes end the walk; the web never records or hangs up.
    """
    if node.type is NodeType.MENU:
        return [(key, t) for key, t in node.options.items() if node.offers_languages() or t.label]
    if node.type is NodeType.MESSAGE and node.next:
        return [(None, node.next)]
    return []


def _check_web(flow: Flow, error: Callable[[str | None, str], None]) -> None:
    """A web flow: every menu the web reaches has its question and buttons, and every button ends in a queue."""
    seen: set[str] = set()
    todo = [flow.start]
    while todo:
        node = flow.nodes[todo.pop()]
        if node.id in seen:
            continue
        seen.add(node.id)
        if node.offers_languages():
            missing = set(flow.languages) - {t.language for t in node.options.values()}
            if missing:
                error(node.id, f"the web answers this menu with the page's language: offer {sorted(missing)} too")
        elif node.type is NodeType.MENU:
            if not node.web_prompt:
                error(node.id, "the web shows this menu: give it a web_prompt (its question on the page)")
            if not any(t.label for t in node.options.values()):
                error(node.id, "the web shows this menu: give at least one option a label (its button)")
        for key, transition in web_transitions(node):
            target = flow.nodes[transition.target]
            if target.type in (NodeType.RECORD, NodeType.HANGUP):
                way = f"option {key}" if key else "next"
                error(node.id, f"{way} leads the web to {target.id!r}, a {target.type.value} node: the web cannot "
                               "record or hang up (take the option's label off)")
            else:
                todo.append(target.id)
    exits = {n.id for n in flow.nodes.values() if n.type is NodeType.QUEUE}
    changed = True
    while changed:
        changed = False
        for node_id in seen - exits:
            if any(t.target in exits for _, t in web_transitions(flow.nodes[node_id])):
                exits.add(node_id)
                changed = True
    for node_id in sorted(seen - exits):
        error(node_id, "loop without exit on the web: no labelled option from here leads to a queue node")


def _successors(node: Node, flow: Flow) -> list[str]:
    found = [t.target for t in node.transitions()]
    # Too many misses lead to the fallback, unless the node itself says where they go.
    if node.type is NodeType.MENU and not (node.on_no_input and node.on_invalid):
        found.append(flow.fallback)
    if node.type is NodeType.RECORD and not node.on_no_input:
        found.append(flow.fallback)
    return [target for target in found if target in flow.nodes]


def _reachable(flow: Flow, starts: list[str]) -> set[str]:
    seen: set[str] = set()
    todo = [s for s in starts if s in flow.nodes]
    while todo:
        node_id = todo.pop()
        if node_id not in seen:
            seen.add(node_id)
            todo.extend(_successors(flow.nodes[node_id], flow))
    return seen


def _can_exit(flow: Flow) -> set[str]:
    """Nodes from which some path reaches a terminal node, by fixed point over the graph."""
    exits = {n.id for n in flow.nodes.values() if n.type in TERMINAL_TYPES}
    changed = True
    while changed:
        changed = False
        for node in flow.nodes.values():
            if node.id not in exits and any(s in exits for s in _successors(node, flow)):
                exits.add(node.id)
                changed = True
    return exits


_ENTRY = "__start__"  # the diagrams' entry marker; not "start", which is a likely node id


def to_mermaid(flow: Flow) -> str:
    """Draw the flow as a Mermaid flowchart: keys on edges, terminal nodes rounded."""
    shapes = {
        NodeType.MENU: ("{{", "}}"),
        NodeType.MESSAGE: ("[", "]"),
        NodeType.RECORD: ("[/", "/]"),
        NodeType.QUEUE: ("([", "])"),
        NodeType.HANGUP: ("((", "))"),
    }
    lines = ["flowchart TD"]
    for node in flow.nodes.values():
        left, right = shapes[node.type]
        label = f"{node.id}<br/>{node.type.value}"
        if node.type is NodeType.QUEUE:
            label += f" · {node.priority.value}"
        lines.append(f'    {node.id}{left}"{label}"{right}')
    for node_id, label, target in _edges(flow):
        lines.append(f'    {node_id} -->|"{label}"| {target}')
    lines.append(f"    {_ENTRY}((start)) --> {flow.start}")
    return "\n".join(lines) + "\n"


def to_dot(flow: Flow) -> str:
    """Draw the flow in Graphviz DOT (for SVG/PNG through ``dot``)."""
    shapes = {NodeType.MENU: "diamond", NodeType.MESSAGE: "box", NodeType.RECORD: "parallelogram",
              NodeType.QUEUE: "doubleoctagon", NodeType.HANGUP: "octagon"}
    lines = [f'digraph "{flow.id}" {{', "  rankdir=TB;", '  node [fontname="sans-serif"];',
             f'  "{_ENTRY}" [shape=circle, label="start"];', f'  "{_ENTRY}" -> "{flow.start}";']
    for node in flow.nodes.values():
        label = f"{node.id}\\n{node.type.value}"
        if node.type is NodeType.QUEUE:
            label += f" · {node.priority.value}"
        lines.append(f'  "{node.id}" [shape={shapes[node.type]}, label="{label}"];')
    for node_id, label, target in _edges(flow):
        lines.append(f'  "{node_id}" -> "{target}" [label="{label}"];')
    lines.append("}")
    return "\n".join(lines) + "\n"


def _edges(flow: Flow) -> list[tuple[str, str, str]]:
    edges = []
    for node in flow.nodes.values():
        named = [(f"key {key}", t) for key, t in node.options.items()]
        named += [(name, t) for name, t in (("next", node.next), ("silence", node.on_no_input),
                                           ("wrong keys", node.on_invalid)) if t]
        for label, transition in named:
            edges.append((node.id, label + (f" · {transition.language}" if transition.language else ""),
                          transition.target))
    return edges
