"""``flask flows …`` and ``flask prompts …``.

Registered as Flask CLI plugins (see pyproject.toml), so they work from the settings alone even
when a broken flow keeps the app itself from starting — which is when they are needed most.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import click

from app.config import load_settings
from app.core.flow import to_dot, to_mermaid

from . import services
from .prompts import SAMPLE_RATE, PromptLibrary, espeak_wav, text_digest

ESPEAK_VOICES = {"kk": "kk", "ru": "ru"}


def _context():
    settings = load_settings()
    library = PromptLibrary(Path(settings["AUDIO_DIR"]))
    voiced = set(settings["SAY_VOICES"])
    return settings, library, voiced


@click.group("flows", help="IVR flows in ivr_flows/: check them and draw them.")
def flows_cli() -> None:
    pass


@flows_cli.command("validate")
@click.argument("files", nargs=-1, type=click.Path(exists=True, dir_okay=False, path_type=Path))
def validate(files: tuple[Path, ...]) -> None:
    """Check FILES (default: every flow in IVR_FLOWS_DIR); print each error with file and node."""
    settings, library, voiced = _context()
    paths = files or sorted(Path(settings["IVR_FLOWS_DIR"]).glob("*.yaml"))
    failed = False
    for path in paths:
        flow, errors = services.load_flow_file(path, library, voiced)
        for error in errors:
            click.echo(f"error: {error}", err=True)
        if flow is not None:
            click.echo(f"ok: {path} ({flow.id}, {len(flow.nodes)} nodes, languages {', '.join(flow.languages)})")
        failed = failed or bool(errors)
    if failed:
        sys.exit(1)


@flows_cli.command("diagram")
@click.argument("flow_id", required=False)
@click.option("--format", "fmt", type=click.Choice(["mermaid", "dot", "svg", "png"]), default="mermaid")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="File (default: stdout).")
def diagram(flow_id: str | None, fmt: str, output: Path | None) -> None:
    """Draw a flow (default: IVR_FLOW) as Mermaid, DOT, or SVG/PNG (SVG/PNG need Graphviz's dot)."""
    settings, library, voiced = _context()
    flows, errors = services.load_flows(Path(settings["IVR_FLOWS_DIR"]), library, voiced)
    flow = flows.get(flow_id or settings["IVR_FLOW"])
    if flow is None:
        raise click.ClickException(f"no valid flow {flow_id or settings['IVR_FLOW']!r}; run 'flask flows validate'")
    if fmt in ("mermaid", "dot"):
        text = to_mermaid(flow) if fmt == "mermaid" else to_dot(flow)
        if output:
            output.write_text(text)
        else:
            click.echo(text, nl=False)
        return
    dot = shutil.which("dot")
    if dot is None:
        raise click.ClickException("SVG/PNG need Graphviz: apt-get install graphviz (or use --format mermaid)")
    if output is None:
        raise click.ClickException(f"--format {fmt} needs -o FILE")
    subprocess.run([dot, f"-T{fmt}", "-o", str(output)], input=to_dot(flow).encode(), check=True)
    click.echo(f"wrote {output}")


@click.group("prompts", help="Prompt audio in audio/prompts/<lang>/: placeholders and status.")
def prompts_cli() -> None:
    pass


def _flow_texts(settings, library, voiced):
    """(language, prompt id, text) for every prompt of every flow that parses, but those only the web shows."""
    seen = {}
    for path in sorted(Path(settings["IVR_FLOWS_DIR"]).glob("*.yaml")):
        flow = services.parse_flow_file(path)
        if flow is None:
            continue
        web_only = flow.web_only_prompts()
        for prompt, texts in flow.prompts.items():
            if prompt in web_only:
                continue
            for language, text in texts.items():
                seen[(language, prompt)] = text
    return seen


def prompt_status(library: PromptLibrary, voiced: set[str], language: str, prompt: str, text: str) -> str:
    """real, placeholder, stale-placeholder, say (Twilio voice) or missing."""
    audio = library.find(language, prompt)
    placeholders = library.placeholders()
    if audio is None:
        return "say" if language in voiced else "missing"
    key = f"{language}/{audio.name}"
    if key not in placeholders:
        return "real"
    return "placeholder" if placeholders[key] == text_digest(text) else "stale-placeholder"


@prompts_cli.command("status")
def status() -> None:
    """List every flow prompt per language: real recording, placeholder, Twilio voice, or missing."""
    settings, library, voiced = _context()
    counts: dict[str, int] = {}
    for (language, prompt), text in sorted(_flow_texts(settings, library, voiced).items()):
        state = prompt_status(library, voiced, language, prompt, text)
        counts[state] = counts.get(state, 0) + 1
        click.echo(f"{language}  {prompt:<24} {state}")
    click.echo("total: " + ", ".join(f"{n} {state}" for state, n in sorted(counts.items())))


@prompts_cli.command("synth")
@click.option("--all-languages", is_flag=True, help="Also languages Twilio can speak (Russian).")
@click.option("--force", is_flag=True, help="Remake every placeholder (real recordings are never touched).")
def synth(all_languages: bool, force: bool) -> None:
    """Make placeholder audio with espeak-ng for prompts that have no real recording."""
    settings, library, voiced = _context()
    espeak = shutil.which("espeak-ng")
    if espeak is None:
        raise click.ClickException("espeak-ng is not installed: apt-get install espeak-ng")
    manifest = library.placeholders()
    made = 0
    for (language, prompt), text in sorted(_flow_texts(settings, library, voiced).items()):
        if language in voiced and not all_languages:
            continue
        state = prompt_status(library, voiced, language, prompt, text)
        if state == "real" or (state == "placeholder" and not force):
            continue
        target = library.prompts_dir / language / f"{prompt}.wav"
        synthesize(espeak, ESPEAK_VOICES[language], text, target)
        manifest[f"{language}/{target.name}"] = text_digest(text)
        made += 1
        click.echo(f"synthesised {target}")
    library.save_placeholders(manifest)
    if library.hold_music() is None:
        make_hold_music(library.root / "hold" / "hold.wav")
        click.echo(f"made hold music {library.root / 'hold' / 'hold.wav'}")
    click.echo(f"{made} placeholder(s) made; replace them with real recordings of the same name.")


def synthesize(espeak: str, voice: str, text: str, target: Path) -> None:
    """Speak ``text`` with espeak-ng into an 8 kHz mono 16-bit WAV file."""
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(espeak_wav(text, voice, espeak))


def make_hold_music(target: Path) -> None:
    """A calm 20-second loop of soft chords, generated (no licensed music needed)."""
    from pydub import AudioSegment
    from pydub.generators import Sine

    chords = ((261.6, 329.6, 392.0), (220.0, 261.6, 329.6), (174.6, 220.0, 261.6), (196.0, 246.9, 293.7))
    music = AudioSegment.silent(duration=0, frame_rate=SAMPLE_RATE)
    for chord in chords * 2:
        tone = AudioSegment.silent(duration=2500, frame_rate=SAMPLE_RATE)
        for frequency in chord:
            tone = tone.overlay(Sine(frequency, sample_rate=SAMPLE_RATE).to_audio_segment(2500, volume=-24))
        music += tone.fade_in(400).fade_out(600)
    target.parent.mkdir(parents=True, exist_ok=True)
    with target.open("wb") as out:
        music.set_channels(1).set_sample_width(2).export(out, format="wav")
