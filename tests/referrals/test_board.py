"""Overdue referrals on the supervisors' board: the count and its band, due today, and the live stream."""

from __future__ import annotations

import pytest
from lxml import html

from app import create_app
from app.config import ConfigError
from app.db import utcnow
from app.referrals import services
from app.web import sse
from tests.auth.helpers import create_user, log_in
from tests.console.helpers import page
from tests.console.test_stream import Events, in_background

from .conftest import refer

BOARD = "/supervisor/board"


@pytest.fixture(autouse=True)
def quick(monkeypatch):
    monkeypatch.setattr(sse, "POLL_SECONDS", 0.05)
    monkeypatch.setattr(sse, "STREAM_SECONDS", 10.0)


def tile(doc):
    return doc.xpath('//*[@data-figure="overdue-referrals"]')[0]


def test_the_board_counts_overdue_and_due_today_and_links_to_them(app, people, supervisor, referral):
    empty = tile(page(supervisor.get(BOARD)))
    assert empty.xpath('.//*[@class="value"]/@data-count') == ["0"] and "band-ok" in empty.get("class")
    for operator, due_in in (("aigerim", -1), ("daniyar", -9), ("aigerim", 0), ("aigerim", 0), ("daniyar", 3)):
        referral(people[operator], due_in, made_days_ago=10)
    shown = tile(page(supervisor.get(BOARD)))
    assert shown.xpath('.//*[@class="value"]/@data-count') == ["2"]
    assert shown.xpath(".//@data-due-today") == ["2"] and "Due today: 2" in shown.text_content()
    assert "band-warn" in shown.get("class")  # one or more overdue: BOARD_OVERDUE_REFERRALS_WARN is 1
    assert shown.xpath(".//@data-band") == ["warn"]
    assert shown.xpath(".//a/@href") == ["/referrals/?due=overdue&operator=all"]


def test_the_band_turns_red_at_the_alert_threshold(make_app):
    app = make_app(BOARD_OVERDUE_REFERRALS_WARN=2, BOARD_OVERDUE_REFERRALS_ALERT=3)
    aigerim = create_user(app, "aigerim", "operator")
    create_user(app, "saule", "supervisor")
    client = app.test_client()
    log_in(client, "saule")
    bands = []
    for due_in in (-1, -2, -3):
        with app.app_context():
            refer(aigerim, due_in, made_days_ago=5)
        bands.append(page(client.get(BOARD)).xpath('//*[@data-figure="overdue-referrals"]//@data-band')[0])
    assert bands == ["ok", "warn", "alert"]


def test_contradictory_thresholds_stop_the_app_naming_the_settings(base_config):
    with pytest.raises(ConfigError, match="BOARD_OVERDUE_REFERRALS_ALERT and BOARD_OVERDUE_REFERRALS_WARN"):
        create_app({**base_config, "BOARD_OVERDUE_REFERRALS_WARN": 5, "BOARD_OVERDUE_REFERRALS_ALERT": 2})


def test_the_stream_sends_the_count_when_feedback_is_recorded(app, people, supervisor, referral):
    late = [referral(people["aigerim"], -2, made_days_ago=4) for _ in range(2)]
    with supervisor.get(f"{BOARD}/stream", buffered=False) as response:
        events = Events(response)
        first = html.fromstring(events.until("referrals"))
        assert first.xpath('//*[@data-figure="overdue-referrals"]//*[@class="value"]/@data-count') == ["2"]

        def answer():
            with app.app_context():
                services.record_feedback(late[0], people["daniyar"], outcome="acted", feedback="Приняли меры.",
                                         received_at=utcnow())

        in_background(answer)
        data = events.until("referrals", lambda data: 'data-count="1"' in data)
        assert 'data-band="warn"' in data
