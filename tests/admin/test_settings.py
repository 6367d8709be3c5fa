"""The settings page: every setting of app/config.py with its value, secrets only as set or not."""

from __future__ import annotations

import pytest

from app.admin.settings import effective
from app.config import load_settings
from tests.conftest import AUTH_TOKEN
from tests.console.helpers import page


@pytest.fixture
def rows(signed_in):
    doc = page(signed_in("arman").get("/admin/settings"))
    return {row.get("data-key"): [" ".join(td.text_content().split()) for td in row.xpath("td")]
            for row in doc.xpath("//table[@class='settings']//tr[@data-key]")}, doc.text_content()


def test_every_setting_is_listed(rows):
    listed, _ = rows
    assert list(listed) == list(load_settings({}))


def test_secrets_are_never_shown_only_whether_they_are_set(app, rows):
    listed, text = rows
    for key in ("SECRET_KEY", "CALLER_HASH_KEY", "CALLBACK_KEY", "CHAT_HASH_KEY", "TWILIO_AUTH_TOKEN"):
        assert app.config[key] not in text
        assert listed[key][1] == "secret"
    assert AUTH_TOKEN not in text
    assert listed["SECRET_KEY"][2] == "set"
    assert listed["CALLBACK_KEY"][2] == "development default — not for real calls"  # the tests leave it unset


def test_values_and_whether_they_are_the_default(app, rows):
    listed, _ = rows
    assert listed["TIMEZONE"][1:] == ["Asia/Almaty", "default"]
    assert listed["PUBLIC_BASE_URL"][1:] == [app.config["PUBLIC_BASE_URL"], "set"]
    assert listed["TWILIO_ACCOUNT_SID"][2] == "set"


def test_passwords_in_urls_are_hidden(app):
    config = {**app.config, "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://qorgau:hunter2@db:5432/qorgau",
              "REDIS_URL": "redis://:s3cret%40x@redis:6379/0"}
    shown = {row.key: row.value for row in effective(config)}
    assert shown["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://qorgau:***@db:5432/qorgau"
    assert shown["REDIS_URL"] == "redis://:***@redis:6379/0"


@pytest.mark.parametrize("name", ["aigerim", "saule"])
def test_settings_are_for_admins_only(signed_in, name):
    assert signed_in(name).get("/admin/settings").status_code == 403
