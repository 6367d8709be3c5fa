"""Fixtures of the operator console tests: callers put in line, a recording Twilio gateway."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask.testing import FlaskClient

from app.core.vocab import Priority
from app.models import import_all
from app.operators import services as operators
from app.operators.models import Availability
from tests.queue.helpers import add_caller

from .helpers import FakeGateway

# Every model registered before base_config drops the tables (cases reference queue_entries).
import_all()


@pytest.fixture
def gateway(app) -> FakeGateway:
    fake = app.extensions["qorgau.gateway"] = FakeGateway()
    return fake


@pytest.fixture
def operator(signed_in) -> FlaskClient:
    return signed_in("aigerim")


@pytest.fixture
def caller(app) -> Callable[..., int]:
    """Put a caller in line (as the IVR would); returns the queue entry's id."""

    def put(priority: Priority = Priority.STANDARD, language: str | None = "ru", **kwargs) -> int:
        with app.app_context():
            return add_caller(priority, language, **kwargs).id

    return put


@pytest.fixture
def reachable(app, people) -> Callable[[str], None]:
    """Give an operator an endpoint and make them available."""

    def ready(name: str = "aigerim", endpoint: str = "+77011234567") -> None:
        with app.app_context():
            operators.set_endpoint(people[name], endpoint)
            operators.set_availability(people[name], Availability.AVAILABLE)

    return ready
