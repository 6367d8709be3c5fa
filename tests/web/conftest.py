"""The Procfile's web process for the tests that need gunicorn as deployed."""

from __future__ import annotations

import pytest

from tests.conftest import ACCOUNT_SID, AUTH_TOKEN, PUBLIC_BASE_URL

from .gunicorn import Web


@pytest.fixture
def web(base_config, database_url, tmp_path):
    """The Procfile's web process on the test database."""
    served = Web({"QORGAU_ENV": "testing", "DATABASE_URL": database_url, "INSTANCE_DIR": str(tmp_path),
                  "PUBLIC_BASE_URL": PUBLIC_BASE_URL, "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
                  "TWILIO_ACCOUNT_SID": ACCOUNT_SID, "SECRET_KEY": base_config["SECRET_KEY"]}, tmp_path / "web.log")
    yield served
    served.stop()
