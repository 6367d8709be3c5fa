"""Flow diagrams: every node and every key is drawn."""

from __future__ import annotations

import re

from app.core.flow import parse_flow, to_dot, to_mermaid


def key_edges(flow):
    return [(node.id, key, t.target) for node in flow.nodes.values() for key, t in node.options.items()]


def test_mermaid_draws_every_node_and_key(flow):
    text = to_mermaid(flow)
    assert text.startswith("flowchart TD\n")
    for node in flow.nodes.values():
        assert re.search(rf'^    {node.id}\W+"{node.id}<br/>{node.type.value}', text, re.M), node.id
    for node_id, key, target in key_edges(flow):
        assert re.search(rf'^    {node_id} -->\|"key {re.escape(key)}( · \w+)?"\| {target}$', text, re.M)
    assert '-->|"key 1 · kk"| safety_notice' in text
    assert re.search(r"\(\(start\)\) --> choose_language$", text, re.M)


def test_dot_draws_every_node_and_key(flow):
    text = to_dot(flow)
    assert text.startswith('digraph "helpline-111" {')
    assert text.rstrip().endswith("}")
    for node in flow.nodes.values():
        assert f'  "{node.id}" [shape=' in text
    for node_id, key, target in key_edges(flow):
        assert re.search(rf'^  "{node_id}" -> "{target}" \[label="key {re.escape(key)}( · \w+)?"\];$', text, re.M)
    assert '"main_menu" -> "cannot_talk" [label="silence"];' in text


def test_a_node_named_start_is_not_confused_with_the_entry_marker():
    flow = parse_flow({
        "id": "t", "languages": ["ru"], "start": "start", "fallback": "end", "queue": "q",
        "prompts": {"p": {"ru": "Привет"}},
        "nodes": {"start": {"type": "menu", "prompt": "p", "options": {"1": "end"}}, "end": {"type": "hangup"}},
    }, "t.yaml")
    dot_definitions = [line for line in to_dot(flow).splitlines() if re.match(r'\s*"?start"? \[', line)]
    assert dot_definitions == ['  "start" [shape=diamond, label="start\\nmenu"];']
    assert not re.search(r"^    start\(\(", to_mermaid(flow), re.M)  # the entry marker's shape
