"""Random callers: whatever keys are pressed, the helpline answers with valid TwiML and never errs."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.simulator.engine import ScriptedCaller

KEYS = "0123456789*#"
# One entry per <Gather> or <Record>: a key, several keys, "" (silence) or "-" (silence, or no message).
ENTRY = st.one_of(st.sampled_from(list(KEYS) + ["", "-"]), st.text(alphabet=KEYS, min_size=2, max_size=5))


# The simulator fixture is built once per test, not per example: harmless here, because every example
# is a new call with its own CallSid and asserts only on that call.
@settings(max_examples=60, deadline=None, database=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(script=st.lists(ENTRY, max_size=8))
def test_any_keys_lead_to_a_queue_a_hangup_or_the_caller_leaving(simulator, script):
    result = simulator.call(ScriptedCaller(script))
    assert all(exchange.reply.status < 500 for exchange in result.exchanges)
    assert result.problems == []
    assert result.ended_by in ("hangup", "caller")
    if result.queue_result is not None:
        # waited until giving up, or left the line for a call-back or a voice message
        assert result.queue_result in ("hangup", "leave")
    elif result.ended_by == "caller":  # hung up in a menu or at the recording, having used every entry
        assert len([e for e in result.exchanges if "/voice/step" in e.url]) == len(script)
