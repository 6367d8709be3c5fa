"""Every POST of the console needs the CSRF token of the signed-in session, and changes nothing without it."""

from __future__ import annotations

import pytest

from app.operators import services as operators
from app.operators.models import Availability
from app.queue import services as queue
from app.queue.models import EntryState

from .helpers import token


def console_posts(app) -> list[str]:
    """Every POST route of the console, with sample values for its arguments."""
    paths = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("console.") and "POST" in rule.methods:
            paths.append(rule.build(dict.fromkeys(rule.arguments, 1))[1])
    return sorted(paths)


def test_the_console_posts_are_known(app):
    assert console_posts(app) == ["/console/availability", "/console/cases/1", "/console/cases/1/draft",
                                  "/console/chats/1/block", "/console/chats/1/close", "/console/chats/1/messages",
                                  "/console/endpoint", "/console/pick"]


@pytest.mark.parametrize("field", [None, "forged"])
def test_every_post_without_a_valid_token_is_refused(app, operator, people, caller, field):
    entry = caller()
    data = {"availability": "available", "endpoint": "+77011234567", "entry_id": str(entry)}
    if field:
        data["csrf_token"] = field
    for path in console_posts(app):
        response = operator.post(path, data=data)
        assert response.status_code == 400, path
        assert "Your session has expired" in response.get_data(as_text=True), path
    with app.app_context():
        status = operators.status(people["aigerim"])
        assert (status.availability, status.endpoint) == (Availability.AWAY, None)
        assert queue.entry(entry).state is EntryState.WAITING


def test_a_token_of_another_session_is_refused(signed_in, operator):
    other = signed_in("daniyar")
    stolen = token(other)
    assert operator.post("/console/availability", data={"csrf_token": stolen, "availability": "busy"}).status_code == 400
