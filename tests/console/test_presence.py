"""Presence from the console: available needs an endpoint; signing out or closing the console means away."""

from __future__ import annotations

from datetime import timedelta

import pytest

from app.db import db, utcnow
from app.operators import services as operators
from app.operators.models import Availability
from app.web import sse

from .helpers import messages, post
from .test_stream import Events


def availability(app, user_id: int) -> Availability:
    with app.app_context():
        return operators.status(user_id).availability


@pytest.mark.parametrize(("lang", "text"), [
    ("en", "Add where calls reach you"), ("ru", "Прежде чем стать доступным"), ("kk", "Қолжетімді болмас бұрын")])
def test_available_without_an_endpoint_is_refused_with_a_clear_message(app, operator, people, lang, text):
    operator.get(f"/console/?lang={lang}")
    response = post(operator, "/console/availability", {"availability": "available"}, follow_redirects=True)
    assert response.request.path == "/console/"
    assert any(message.startswith(text) for message in messages(response))
    assert availability(app, people["aigerim"]) is Availability.AWAY


def test_available_with_an_endpoint_is_taken(app, operator, people):
    post(operator, "/console/endpoint", {"endpoint": "client:aigerim"})
    post(operator, "/console/availability", {"availability": "available"})
    assert availability(app, people["aigerim"]) is Availability.AVAILABLE


def test_signing_out_sets_the_operator_away(app, operator, people):
    post(operator, "/console/endpoint", {"endpoint": "client:aigerim"})
    post(operator, "/console/availability", {"availability": "available"})
    assert post(operator, "/logout").status_code == 302
    assert availability(app, people["aigerim"]) is Availability.AWAY


def test_an_open_console_keeps_its_operator_available_and_a_closed_one_does_not(app, operator, people, monkeypatch):
    monkeypatch.setattr(sse, "POLL_SECONDS", 0.05)
    post(operator, "/console/endpoint", {"endpoint": "client:aigerim"})
    post(operator, "/console/availability", {"availability": "available"})
    past = utcnow() - timedelta(seconds=app.config["CONSOLE_AWAY_SECONDS"] + 5)

    def seen_long_ago() -> None:
        with app.app_context():
            operators.status(people["aigerim"]).console_seen_at = past
            db.session.commit()

    seen_long_ago()
    with operator.get("/console/stream", buffered=False) as response:
        Events(response).until("status")  # the stream polled: the console is open
        with app.app_context():
            assert operators.status(people["aigerim"]).console_seen_at > past
            assert operators.away_without_console() == []
    assert availability(app, people["aigerim"]) is Availability.AVAILABLE

    seen_long_ago()  # the tab was closed that long ago
    with app.app_context():
        assert operators.away_without_console() == [people["aigerim"]]
    assert availability(app, people["aigerim"]) is Availability.AWAY
