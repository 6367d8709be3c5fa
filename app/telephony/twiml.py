"""Rendering the IVR's actions as TwiML with twilio's builders.

A prompt with an audio file is ``<Play>``ed; otherwise it is ``<Say>``d in a Twilio voice for its
language (Russian only: Twilio has no Kazakh voice, which is why flow checks demand Kazakh audio).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from urllib.parse import urlencode

from flask import current_app
from twilio.twiml.voice_response import Gather, VoiceResponse

from app.core import ivr
from app.core.flow import Flow
from app.ivr.services import prompt_library


def absolute(path: str, **query) -> str:
    url = current_app.config["PUBLIC_BASE_URL"] + path
    return f"{url}?{urlencode(query)}" if query else url


def add_prompt(target: VoiceResponse | Gather, flow: Flow, speak: ivr.Speak) -> None:
    """Add one prompt: recorded audio if present, else the language's Twilio voice."""
    audio = prompt_library().find(speak.language, speak.prompt)
    if audio is not None:
        target.play(absolute(f"/audio/prompts/{speak.language}/{audio.name}"))
        return
    language, voice = current_app.config["SAY_VOICES"][speak.language]
    target.say(flow.prompts[speak.prompt][speak.language], voice=voice, language=language)


_SEQ = "__seq__"  # stands for the step number in a kept reply (urlencode leaves it as it is)


def _kept(key: tuple, build: Callable[[], str]) -> str:
    """A reply built once and kept for the life of the app.

    Replies depend only on their key (the flow, the prompts said), the prompt audio and the settings, all
    fixed while the app runs; keys are few (one per distinct step of a flow, wait-loop round, ...).
    """
    kept = current_app.extensions.setdefault("qorgau.twiml", {})
    reply = kept.get(key)
    if reply is None:
        reply = kept[key] = build()
    return reply


def render(flow: Flow, actions: tuple[ivr.Action, ...], seq: int) -> str:
    """TwiML for a step; every callback URL carries ``seq`` so repeats are recognised.

    Kept per flow and actions with a stand-in for ``seq``, put in on the way out.
    """
    template = _kept(("step", flow.id, actions), lambda: _build(flow, actions, _SEQ))
    return template.replace(f"s={_SEQ}", f"s={seq}")


def _build(flow: Flow, actions: Iterable[ivr.Action], seq: int | str) -> str:
    response = VoiceResponse()
    step_url = absolute("/voice/step", s=seq)
    for action in actions:
        if isinstance(action, ivr.Speak):
            add_prompt(response, flow, action)
        elif isinstance(action, ivr.Collect):
            gather = Gather(
                input="dtmf",
                num_digits=action.num_digits,
                timeout=action.timeout,
                action=step_url,
                method="POST",
                action_on_empty_result=True,
                finish_on_key="",  # '#' and '*' are keys like any other: a wrong one re-prompts
            )
            for speak in action.prompts:
                add_prompt(gather, flow, speak)
            response.append(gather)
        elif isinstance(action, ivr.RecordMessage):
            response.record(
                action=step_url,
                method="POST",
                max_length=action.max_length,
                timeout=action.timeout,
                finish_on_key="#",
                play_beep=True,
                recording_status_callback=absolute("/voice/recording"),
                recording_status_callback_method="POST",
                recording_status_callback_event="completed",
            )
            # Twilio skips the action when nothing was recorded and goes on with the next verb.
            response.redirect(absolute("/voice/step", s=seq, silence=1), method="POST")
        elif isinstance(action, ivr.Enqueue):
            response.enqueue(
                action.queue,
                wait_url=absolute("/voice/wait"),
                wait_url_method="POST",
                action=absolute("/voice/queue-exit"),
                method="POST",
            )
        elif isinstance(action, ivr.Hangup):
            response.hangup()
    return str(response)


def render_wait(flow: Flow, announcements: tuple[ivr.Speak, ...], options: ivr.Speak | None) -> str:
    """One round of the queue's wait loop (Twilio requests it again when it ends)."""
    return _kept(("wait", flow.id, announcements, options), lambda: _build_wait(flow, announcements, options))


def _build_wait(flow: Flow, announcements: tuple[ivr.Speak, ...], options: ivr.Speak | None) -> str:
    response = VoiceResponse()
    for speak in announcements:
        add_prompt(response, flow, speak)
    if options is not None:  # no key: Twilio falls through to the music
        gather = Gather(input="dtmf", num_digits=1, timeout=4, action=absolute("/voice/wait-choice"), method="POST")
        add_prompt(gather, flow, options)
        response.append(gather)
    hold = prompt_library().hold_music()
    if hold is not None:
        response.play(absolute("/audio/hold/hold.wav"))
    else:
        response.pause(length=10)
    return str(response)


def empty() -> str:
    return _kept(("empty",), lambda: str(VoiceResponse()))


def hangup() -> str:
    return _kept(("hangup",), _build_hangup)


def _build_hangup() -> str:
    response = VoiceResponse()
    response.hangup()
    return str(response)


def render_choice(flow: Flow, said: ivr.Speak | None, leave: bool) -> str:
    """The answer to a key pressed while waiting: what the caller hears, and <Leave> if they leave the line."""
    response = VoiceResponse()
    if said is not None:
        add_prompt(response, flow, said)
    if leave:
        response.leave()
    return str(response)


def render_enqueue(queue: str) -> str:
    """Put a caller (back) into the Twilio queue with the usual wait loop."""
    response = VoiceResponse()
    response.enqueue(queue, wait_url=absolute("/voice/wait"), wait_url_method="POST",
                     action=absolute("/voice/queue-exit"), method="POST")
    return str(response)


def render_conference(flow: Flow, conference: str, connecting: ivr.Speak | None, entry_id: int) -> str:
    """The caller joins the case's conference and hears hold music until the operator is there."""
    response = VoiceResponse()
    if connecting is not None:
        add_prompt(response, flow, connecting)
    dial = response.dial(action=absolute("/voice/bridge-end", entry=entry_id), method="POST")
    dial.conference(conference, start_conference_on_enter=False, end_conference_on_exit=True, beep="false",
                    wait_url=absolute("/audio/hold/hold.wav"), wait_method="GET")
    return str(response)
