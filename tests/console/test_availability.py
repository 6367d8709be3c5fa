"""The operator's availability (audited, timestamped) and endpoint (validated), set from the console."""

from __future__ import annotations

import pytest

from app.operators import services as operators
from app.operators.models import Availability
from tests.auth.helpers import audit_events

from .helpers import messages, page, post


def pressed(client) -> list[str]:
    return page(client.get("/console/")).xpath('//button[@name="availability"][@aria-pressed="true"]/@value')


def test_a_new_operator_is_away(operator):
    assert pressed(operator) == ["away"]
    status = page(operator.get("/console/")).xpath('//*[@id="status"]//*[@data-availability]/@data-availability')
    assert status == ["away"]


@pytest.mark.parametrize("value", ["available", "busy", "wrap_up", "away"])
def test_each_availability_can_be_chosen(app, operator, people, value):
    post(operator, "/console/endpoint", {"endpoint": "+77011234567"})
    if value == "away":
        post(operator, "/console/availability", {"availability": "available"})
    response = post(operator, "/console/availability", {"availability": value})
    assert response.status_code == 302 and response.headers["Location"] == "/console/"
    assert pressed(operator) == [value]
    with app.app_context():
        assert operators.status(people["aigerim"]).availability is Availability(value)


def test_a_change_of_availability_is_audited_with_its_time(app, operator, people):
    post(operator, "/console/endpoint", {"endpoint": "+77011234567"})
    post(operator, "/console/availability", {"availability": "available"})
    post(operator, "/console/availability", {"availability": "available"})  # no change, no event
    post(operator, "/console/availability", {"availability": "away"})
    events = audit_events(app, "operator.availability")
    assert [(e.target_id, e.details["before"], e.details["availability"]) for e in events] == [
        (str(people["aigerim"]), "away", "available"), (str(people["aigerim"]), "available", "away")]
    assert all(e.actor_label == f"user:{people['aigerim']}" for e in events)
    with app.app_context():
        since = operators.status(people["aigerim"]).since
    ticker = page(operator.get("/console/")).xpath('//*[@id="status"]//time[@data-since]')[0]
    assert int(ticker.get("data-since")) == int(since.timestamp() * 1000)


@pytest.mark.parametrize("value", ["", "sleeping", "AVAILABLE"])
def test_an_unknown_availability_is_refused(operator, value):
    assert post(operator, "/console/availability", {"availability": value}).status_code == 400


@pytest.mark.parametrize("endpoint", ["+77011234567", "client:aigerim.k"])
def test_the_endpoint_is_saved_and_shown(app, operator, people, endpoint):
    response = post(operator, "/console/endpoint", {"endpoint": f"  {endpoint} "}, follow_redirects=True)
    assert response.status_code == 200
    assert page(response).xpath('//input[@name="endpoint"]/@value') == [endpoint]
    assert any(endpoint in message for message in messages(response))
    with app.app_context():
        assert operators.status(people["aigerim"]).endpoint == endpoint


@pytest.mark.parametrize(("endpoint", "lang", "message"), [
    ("87011234567", "en", "Write a phone number with + and the country code"),
    ("+7 701 123", "ru", "Укажите номер с + и кодом страны"),
    ("client:", "kk", "Нөмірді + белгісімен"),
])
def test_a_wrong_endpoint_is_explained_and_kept_in_the_field(app, operator, people, endpoint, lang, message):
    operator.get(f"/console/?lang={lang}")
    response = post(operator, "/console/endpoint", {"endpoint": endpoint})
    assert response.status_code == 400
    doc = page(response)
    assert doc.xpath('//input[@name="endpoint"]/@value') == [endpoint]
    assert doc.xpath('//input[@name="endpoint"]/@aria-invalid') == ["true"]
    assert any(text.startswith(message) for text in messages(response))
    with app.app_context():
        assert operators.status(people["aigerim"]).endpoint is None


def test_without_an_endpoint_the_operator_is_told_to_add_one(operator):
    assert page(operator.get("/console/")).xpath('//aside//p[@class="hint"]')
    post(operator, "/console/endpoint", {"endpoint": "+77011234567"})
    assert not page(operator.get("/console/")).xpath('//aside//p[@class="hint"]')
