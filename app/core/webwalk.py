"""The flow's first questions on the child's page: the IVR's menus, walked as buttons (pure: stdlib only).

The web reads the same flow as the phone, so a child's answers lead to the same queue node, with its
priority and category, as the same keys pressed on the phone. Only the texts differ: a menu's
``web_prompt`` is its question and each offered option's ``label`` its button (the phone's "press 1" has no
place on a screen). A language menu is answered with the page's language; a message node shows its
``web_prompt``, if any, above the next question. Options without a label (a voice message) are not offered.
A flow without ``web: true`` asks nothing: the chat joins the line as its ``fallback`` queue node says.

The walk keeps no state: the page sends the keys chosen so far, and the walk starts again from the flow's
start each time (a few dictionary look-ups).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from .flow import Flow, NodeType, web_transitions
from .vocab import Priority

MAX_STEPS = 50  # nodes passed between two answers; validation rules out loops, this guards anyway


@dataclass(frozen=True)
class Choice:
    """One button: the phone key it stands for, and the prompt id of its text."""

    key: str
    label: str


@dataclass(frozen=True)
class Question:
    """A menu to show: its question, its buttons, and the texts of message nodes passed on the way."""

    node: str
    prompt: str
    choices: tuple[Choice, ...]
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Answered:
    """The walk reached a queue node: what the chat joins the line with."""

    node: str
    priority: Priority
    category: str


class NotOffered(ValueError):
    """An answer the page did not offer at that point (a stale or forged form)."""


def walk(flow: Flow, language: str, answers: Sequence[str]) -> Question | Answered:
    """Where ``answers`` (phone keys, in order) lead in ``flow`` for a page in ``language``.

    Raises NotOffered for a key not offered at its menu, an answer after the walk ended, or a language
    the flow does not speak.
    """
    if language not in flow.languages:
        raise NotOffered(f"the flow does not speak {language!r}")
    pending = list(answers)
    node = flow.nodes[flow.start if flow.web else flow.fallback]  # a flow not for the web asks nothing
    notes: list[str] = []
    steps = 0
    while True:
        steps += 1
        if steps > MAX_STEPS:
            raise NotOffered("the walk goes round without asking anything")
        if node.type is NodeType.QUEUE:
            if pending:
                raise NotOffered(f"answer {pending[0]!r} after the last question")
            return Answered(node.id, node.priority, node.category)
        ways = dict(web_transitions(node))
        if node.offers_languages():
            chosen = [t.target for t in node.options.values() if t.language == language]
            if not chosen:
                raise NotOffered(f"{node.id!r} offers no {language!r}")
            target = chosen[0]
        elif node.type is NodeType.MENU:
            if not pending:
                choices = tuple(Choice(key, t.label) for key, t in ways.items())
                return Question(node.id, node.web_prompt or "", choices, tuple(notes))
            key = pending.pop(0)
            if key not in ways:
                raise NotOffered(f"{key!r} is not offered at {node.id!r}")
            target, notes, steps = ways[key].target, [], 0
        elif node.type is NodeType.MESSAGE and node.next:
            if node.web_prompt:
                notes.append(node.web_prompt)
            target = node.next.target
        else:
            raise NotOffered(f"the web cannot go on at {node.id!r}, a {node.type.value} node")
        node = flow.nodes[target]


def every_answer(flow: Flow, language: str, depth: int = 4) -> Iterator[tuple[tuple[str, ...], Answered]]:
    """Every way through the questions of at most ``depth`` answers, with where it ends (for checks and tests)."""
    todo: list[tuple[str, ...]] = [()]
    while todo:
        answers = todo.pop()
        result = walk(flow, language, answers)
        if isinstance(result, Answered):
            yield answers, result
        elif len(answers) < depth:
            todo.extend(answers + (choice.key,) for choice in result.choices)
