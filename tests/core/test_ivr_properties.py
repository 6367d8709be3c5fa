"""Whatever a caller does, the IVR always tells the phone what to do next."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from app.core import ivr
from app.core.ivr import Collect, Enqueue, Hangup, Keys, NoInput, Recorded, RecordMessage, Speak

INSTRUCTIONS = (Collect, RecordMessage, Enqueue, Hangup)

caller_events = st.lists(
    st.one_of(
        st.builds(Keys, st.text(alphabet="0123456789*#", max_size=3)),  # '' is a timed-out menu
        st.just(NoInput()),
        st.builds(Recorded, st.just("RE0123")),
    ),
    max_size=25,
)


def spoken_languages(step: ivr.Step) -> set[str]:
    speaks = [s for a in step.actions for s in (a.prompts if isinstance(a, Collect) else (a,)) if isinstance(s, Speak)]
    return {s.language for s in speaks}


def check_step(flow, step: ivr.Step) -> None:
    *spoken, last = step.actions  # never empty: unpacking fails otherwise
    assert isinstance(last, INSTRUCTIONS), step.actions
    assert all(isinstance(action, Speak) for action in spoken), step.actions
    assert step.state.node in flow.nodes
    languages = {step.state.language} if step.state.language else set(flow.languages)
    assert spoken_languages(step) <= languages


@settings(database=None, deadline=None, max_examples=500)
@given(caller_events)
def test_every_step_ends_in_exactly_one_instruction(flow, events):
    current = ivr.start(flow)
    check_step(flow, current)
    for event in events:
        previous, current = current, ivr.step(flow, current.state, event)
        check_step(flow, current)
        if isinstance(previous.actions[-1], Enqueue | Hangup):  # the IVR is over: repeats change nothing
            assert current == previous
        elif isinstance(current.actions[-1], Hangup):  # the only way out without an operator: a voice message
            assert isinstance(event, Recorded)


def test_a_hangup_after_a_voice_message_is_repeated_not_redone(flow):
    # Twilio can post again after the end (a retried request): the caller hears the same goodbye.
    state = ivr.start(flow).state
    for event in (Keys("1"), Keys("5"), Recorded("RE1")):
        state = ivr.step(flow, state, event).state
    done = ivr.step(flow, state, NoInput())
    assert done.state == state
    assert isinstance(done.actions[-1], Hangup)
