"""``flask simulate``: call 111 without a Twilio account, in-process or against a running server."""

from __future__ import annotations

import io
import sys
from pathlib import Path
from urllib.parse import urlsplit

import click
import requests
from flask import current_app
from flask.cli import with_appcontext

from app.ivr.prompts import SAMPLE_RATE, espeak_wav

from .engine import AppTransport, CallSimulator, HttpTransport, RemoteTwilio, ScriptedCaller


class PromptingCaller:
    """Asks the person at the terminal what to press."""

    def keys(self):
        answer = click.prompt("  keys (Enter = stay silent, q = hang up)", default="", show_default=False)
        return None if answer.strip().lower() == "q" else answer.strip()

    def speaks(self):
        answer = click.prompt("  speak a message? [y = speak, n = stay silent, q = hang up]", default="y")
        return None if answer.strip().lower() == "q" else answer.strip().lower().startswith("y")


def prompt_texts(flows: dict) -> callable:
    """Map a prompt audio URL back to its text, so the terminal shows what the caller hears."""
    texts = {}
    for flow in flows.values():
        for prompt, by_language in flow.prompts.items():
            for language, text in by_language.items():
                texts[(language, prompt)] = text

    def describe(url: str) -> str | None:
        parts = Path(urlsplit(url).path).parts
        if len(parts) >= 4 and parts[-4:-2] == ("audio", "prompts")[-2:] or "prompts" in parts:
            return texts.get((parts[-2], Path(parts[-1]).stem))
        return None

    return describe


DEFAULT_MESSAGES = {
    "kk": "Сәлеметсіз бе, маған көмек керек. Маған қайта қоңырау шалыңызшы.",
    "ru": "Здравствуйте, мне нужна помощь. Перезвоните мне, пожалуйста.",
}


def _recorder(text: str, voice: str, target: str | None):
    """Make the caller's voice message and put it where the REST stand-in serves recordings from."""
    config = current_app.config
    standin = current_app.extensions.get("qorgau.twilio_standin")
    if standin is None and not target:
        return lambda recording_sid: None  # real Twilio holds the recordings: nothing to simulate

    def record(recording_sid: str) -> float:
        audio = espeak_wav(text, voice)
        if target:  # the server runs elsewhere: upload to its stand-in
            url = f"{target.rstrip('/')}/twilio-sim/_simulator/recordings/{recording_sid}"
            auth = (config["TWILIO_ACCOUNT_SID"], config["TWILIO_AUTH_TOKEN"])
            requests.put(url, data=audio, auth=auth, timeout=10).raise_for_status()
        else:
            standin.put_recording(recording_sid, audio)
        return (len(audio) - 44) / 2 / SAMPLE_RATE

    return record


OPERATOR_LINES = {
    "kk": "Сәлеметсіз бе, 111 желісі. Сізді тыңдап тұрмын.",
    "ru": "Здравствуйте, линия 111. Я вас слушаю.",
}


def _twilio_side(target: str | None):
    """The REST stand-in that redirects the simulated call when an operator picks it (development only).

    With ``target``, the running server's stand-in (TWILIO_SIMULATOR is the server's setting, not ours).
    """
    if target is None:
        return current_app.extensions.get("qorgau.twilio_standin")
    config = current_app.config
    return RemoteTwilio(f"{target.rstrip('/')}/twilio-sim", config["TWILIO_ACCOUNT_SID"], config["TWILIO_AUTH_TOKEN"])


def conversation_audio(voice: str) -> bytes:
    """A two-channel recording as Twilio makes one: the caller on channel 1, the operator on channel 2."""
    from pydub import AudioSegment

    caller, operator = (AudioSegment.from_wav(io.BytesIO(espeak_wav(text, voice)))
                        for text in (DEFAULT_MESSAGES[voice], OPERATOR_LINES[voice]))
    length = max(len(caller), len(operator))
    caller, operator = (part + AudioSegment.silent(length - len(part), SAMPLE_RATE) for part in (caller, operator))
    out = io.BytesIO()
    AudioSegment.from_mono_audiosegments(caller, operator).export(out, format="wav")
    return out.getvalue()


@click.command("simulate")
@click.option("--digits", help="Keys for each menu, space-separated; '-' = silence. Omit to be asked.")
@click.option("--url", "target", help="A running server (e.g. http://127.0.0.1:5000); default: in-process.")
@click.option("--from", "from_number", default="+77011234567", show_default=True, help="Caller's number.")
@click.option("--wait-rounds", default=2, show_default=True, help="Rounds of hold music before hanging up.")
@click.option("--round-seconds", default=0.0, show_default=True,
              help="Real seconds per round of waiting or talking (e.g. 2, to be picked from the console).")
@click.option("--say", default=None, help="What the caller says in a voice message (spoken by espeak-ng).")
@click.option("--voice", type=click.Choice(["kk", "ru"]), default="ru", show_default=True,
              help="espeak-ng voice of the caller's message.")
@with_appcontext
def simulate(digits: str | None, target: str | None, from_number: str, wait_rounds: int, round_seconds: float,
             say: str | None, voice: str) -> None:
    """Call 111 as Twilio would: signed webhooks, TwiML followed, what the caller hears printed."""
    config = current_app.config
    public = config["PUBLIC_BASE_URL"]
    transport = HttpTransport(public, target) if target else AppTransport(current_app)
    api_base = current_app.extensions["qorgau.gateway"].base_url
    simulator = CallSimulator(
        transport, public, config["TWILIO_AUTH_TOKEN"], config["TWILIO_ACCOUNT_SID"],
        api_base=api_base, wait_rounds=wait_rounds,
        describe=prompt_texts(current_app.extensions["qorgau.flows"]), on_heard=click.echo,
        on_recording=_recorder(say or DEFAULT_MESSAGES[voice], voice, target),
        twilio=_twilio_side(target), round_seconds=round_seconds,
        conversation=lambda: conversation_audio(voice),
    )
    caller = ScriptedCaller(digits.split()) if digits is not None else PromptingCaller()
    result = simulator.call(caller, from_number=from_number)
    click.echo(f"call {result.call_sid} ended ({result.ended_by}); queue: {result.queue_result or '-'}; "
               f"{len(result.exchanges)} requests")
    for problem in result.problems:
        click.echo(f"problem: {problem}", err=True)
    if result.problems:
        sys.exit(1)
