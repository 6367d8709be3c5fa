"""``flask prompts status`` and ``flask prompts synth`` (espeak-ng placeholders, never over real recordings)."""

from __future__ import annotations

import json
import wave

import pytest
import yaml

from app.config import ROOT
from app.ivr.cli import prompts_cli
from app.ivr.prompts import text_digest

# pydub warns on import about audioop (fine on Python 3.11) and a missing ffmpeg (not needed for WAV).
pytestmark = pytest.mark.filterwarnings(
    "ignore:'audioop' is deprecated:DeprecationWarning",
    "ignore:Couldn't find ffmpeg:RuntimeWarning",
)

CONNECTING_KK = "Сізді маманмен байланыстырамыз."


def flow_prompts() -> set[str]:
    """The shipped flow's spoken prompt ids (each has kk audio and a ru text); the web's own texts are not spoken."""
    return {prompt for prompt in yaml.safe_load((ROOT / "ivr_flows" / "helpline-111.yaml").read_text())["prompts"]
            if not prompt.startswith("web_")}


def status_of(workspace) -> dict[tuple[str, str], str]:
    result = workspace.invoke(prompts_cli, "status")
    assert result.exit_code == 0, result.output
    rows = [line.split() for line in result.stdout.splitlines() if not line.startswith("total:")]
    return {(language, prompt): state for language, prompt, state in rows}


def manifest(workspace) -> dict[str, str]:
    return json.loads((workspace.audio / "prompts" / "placeholders.json").read_text())


def forget_placeholder(workspace, name: str) -> None:
    entries = manifest(workspace)
    del entries[name]
    (workspace.audio / "prompts" / "placeholders.json").write_text(json.dumps(entries))


def synth(workspace, *args: str) -> str:
    result = workspace.invoke(prompts_cli, "synth", *args)
    assert result.exit_code == 0, result.output
    return result.stdout


def wav_format(path) -> tuple[int, int, int]:
    with wave.open(str(path)) as audio:
        assert audio.getnframes() > 0
        return audio.getframerate(), audio.getnchannels(), audio.getsampwidth()


def test_status_lists_kazakh_placeholders_and_russian_voices(workspace):
    states = status_of(workspace)
    assert states[("kk", "main_menu")] == "placeholder"
    assert states[("ru", "main_menu")] == "say"
    assert set(states.values()) == {"placeholder", "say"}
    n = len(flow_prompts())
    assert f"total: {n} placeholder, {n} say" in workspace.invoke(prompts_cli, "status").stdout


def test_synth_recreates_a_deleted_placeholder_as_telephone_audio(workspace):
    target = workspace.audio / "prompts" / "kk" / "connecting.wav"
    untouched = (workspace.audio / "prompts" / "kk" / "main_menu.wav").read_bytes()
    target.unlink()
    forget_placeholder(workspace, "kk/connecting.wav")
    assert status_of(workspace)[("kk", "connecting")] == "missing"

    output = synth(workspace)
    assert f"synthesised {target}" in output
    assert "1 placeholder(s) made" in output
    assert wav_format(target) == (8000, 1, 2)
    assert manifest(workspace)["kk/connecting.wav"] == text_digest(CONNECTING_KK)
    assert (workspace.audio / "prompts" / "kk" / "main_menu.wav").read_bytes() == untouched
    assert not (workspace.audio / "prompts" / "ru").exists()  # Twilio speaks Russian
    assert status_of(workspace)[("kk", "connecting")] == "placeholder"


def test_a_real_recording_is_never_overwritten_even_with_force(workspace):
    real = workspace.audio / "prompts" / "kk" / "main_menu.wav"
    forget_placeholder(workspace, "kk/main_menu.wav")
    recording = real.read_bytes()[:-400]  # different bytes, as a studio recording would be
    real.write_bytes(recording)
    assert status_of(workspace)[("kk", "main_menu")] == "real"

    output = synth(workspace, "--force")
    assert real.read_bytes() == recording
    assert "main_menu" not in output
    assert "kk/main_menu.wav" not in manifest(workspace)
    assert f"{len(flow_prompts()) - 1} placeholder(s) made" in output


def test_changed_text_makes_a_placeholder_stale_and_synth_remakes_it(workspace):
    new_text = "Сізді қазір маманмен байланыстырамыз."
    workspace.edit_flow(f'kk: "{CONNECTING_KK}"', f'kk: "{new_text}"')
    assert status_of(workspace)[("kk", "connecting")] == "stale-placeholder"

    output = synth(workspace)
    assert "kk/connecting.wav" in output
    assert "1 placeholder(s) made" in output
    assert manifest(workspace)["kk/connecting.wav"] == text_digest(new_text)
    assert status_of(workspace)[("kk", "connecting")] == "placeholder"


def test_synth_makes_hold_music_when_it_is_missing(workspace):
    hold = workspace.audio / "hold" / "hold.wav"
    hold.unlink()
    assert f"made hold music {hold}" in synth(workspace)
    assert wav_format(hold) == (8000, 1, 2)
