"""Twilio unreachable while bridging: the operator sees the error, the caller stays at their place in line.

The case opened with the take (in the same transaction as the claim) follows the caller: whoever takes
them next finds it, and the operator who could not be connected is free to take someone else.
"""

from __future__ import annotations

import socket

import pytest

from app.cases import services as cases
from app.operators import services as operators
from app.operators.models import Availability
from app.queue import services as queue
from app.queue.models import EntryState

from .helpers import messages, page, post


def free_port() -> int:
    """A loopback port nothing listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def app(make_app):
    """An app whose Twilio REST API is a closed port on this machine (no stand-in, no network)."""
    return make_app(TWILIO_API_BASE_URL=f"http://127.0.0.1:{free_port()}", TWILIO_SIMULATOR=False)


def test_twilio_unreachable_shows_the_error_and_keeps_the_caller_in_line(app, operator, people, caller, reachable):
    reachable()
    earlier, entry = caller(ago=120), caller(ago=60)
    response = post(operator, "/console/pick", {"entry_id": str(entry)}, follow_redirects=True)
    assert response.request.path == "/console/"
    alerts = [m for m in messages(response) if m.startswith("The call could not be connected: cannot reach Twilio")]
    assert len(alerts) == 1 and alerts[0].endswith("The caller is waiting in line again.")
    doc = page(response)
    assert doc.xpath("//tr/@data-entry") == [str(earlier), str(entry)]  # the same place as before
    note = doc.xpath(f'//tr[@data-entry="{entry}"]//*[@class="row-error"]')[0].text_content()
    assert note.startswith("The last attempt to connect failed: cannot reach Twilio")
    with app.app_context():
        again = queue.entry(entry)
        assert (again.state, again.operator_id, again.picked_at) == (EntryState.WAITING, None, None)
        case = cases.case_for_entry(entry)  # opened with the take, it waits with the caller
        assert case.operator_id == people["aigerim"] and not case.is_closed
        assert operators.load(people["aigerim"]).calls == 0  # the caller is not hers any more: she is free
        assert operators.status(people["aigerim"]).availability is Availability.AVAILABLE
    # The operator may try again (and fail the same way): nothing is stuck.
    again = post(operator, "/console/pick", {"entry_id": str(entry)}, follow_redirects=True)
    assert any(m.startswith("The call could not be connected") for m in messages(again))
