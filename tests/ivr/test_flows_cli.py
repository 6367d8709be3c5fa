"""``flask flows validate`` and ``flask flows diagram``."""

from __future__ import annotations

from app.ivr.cli import flows_cli


def test_validate_accepts_the_shipped_flow_through_the_app(runner):
    result = runner.invoke(args=["flows", "validate"])
    assert result.exit_code == 0, result.output
    assert "ok: " in result.output
    assert "helpline-111.yaml (helpline-111, 14 nodes, languages kk, ru)" in result.output


def test_validate_rejects_a_broken_copy_naming_file_and_node(workspace):
    workspace.edit_flow('"3": {next: family', '"3": {next: famly')
    result = workspace.invoke(flows_cli, "validate")
    assert result.exit_code == 1
    assert "error: ivr_flows/helpline-111.yaml: node 'main_menu': goes to unknown node 'famly'" in result.stderr
    assert "ok:" not in result.stdout


def test_validate_reports_missing_kazakh_audio(workspace):
    (workspace.audio / "prompts" / "kk" / "information.wav").unlink()
    result = workspace.invoke(flows_cli, "validate", str(workspace.flow_file))
    assert result.exit_code == 1
    assert "node 'information': prompt 'information' has no kk audio" in result.stderr


def test_validate_reports_a_file_that_is_not_yaml(workspace):
    (workspace.flows / "broken.yaml").write_text("nodes: [unclosed\n")
    result = workspace.invoke(flows_cli, "validate")
    assert result.exit_code == 1
    assert "ivr_flows/broken.yaml: not valid YAML" in result.stderr
    assert "ok: " in result.stdout  # the good flow is still checked and reported


def test_diagram_prints_mermaid_by_default(workspace):
    result = workspace.invoke(flows_cli, "diagram")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("flowchart TD\n")
    assert '    main_menu -->|"key 0"| cannot_talk' in result.stdout


def test_diagram_prints_dot_and_writes_files(workspace, tmp_path):
    result = workspace.invoke(flows_cli, "diagram", "helpline-111", "--format", "dot")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith('digraph "helpline-111" {')
    out = tmp_path / "flow.mmd"
    assert workspace.invoke(flows_cli, "diagram", "-o", str(out)).exit_code == 0
    assert out.read_text().startswith("flowchart TD")


def test_diagram_of_an_unknown_or_broken_flow_fails_with_a_hint(workspace):
    result = workspace.invoke(flows_cli, "diagram", "no-such-flow")
    assert result.exit_code == 1
    assert "no valid flow 'no-such-flow'; run 'flask flows validate'" in result.output
