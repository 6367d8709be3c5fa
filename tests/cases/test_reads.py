"""Every showing of a case's content is audited (``case.read``): the case page, the replay, my cases."""

from __future__ import annotations

import pytest

from tests.auth.helpers import audit_events
from tests.console.records import case_of


@pytest.fixture
def record(app, people):
    with app.app_context():
        return case_of(people["aigerim"], recorded=True)


def reads(app) -> list[tuple[str, str, str]]:
    return [(e.actor_label, e.target_id, e.details["via"]) for e in audit_events(app, "case.read")]


@pytest.mark.parametrize("name", ["aigerim", "saule"])
def test_opening_a_case_page_is_audited(app, signed_in, record, name):
    client = signed_in(name)
    assert reads(app) == []
    assert client.get(f"/console/cases/{record.case_id}").status_code == 200
    assert reads(app) == [(name, str(record.case_id), "console")]


def test_the_replay_shows_the_case_and_audits_it(app, supervisor, record):
    assert supervisor.get(f"/supervisor/calls/{record.call_sid}").status_code == 200
    assert reads(app) == [("saule", str(record.case_id), "replay")]


def test_my_cases_audits_each_case_listed(app, signed_in, people, record):
    with app.app_context():
        second = case_of(people["aigerim"], closed=True, hours_ago=1)
    assert signed_in("aigerim").get("/console/cases").status_code == 200
    assert sorted(reads(app)) == sorted([("aigerim", str(record.case_id), "my_cases"),
                                         ("aigerim", str(second.case_id), "my_cases")])


def test_a_refused_reader_leaves_no_read(app, signed_in, record):
    assert signed_in("daniyar").get(f"/console/cases/{record.case_id}").status_code == 403
    assert signed_in("arman").get(f"/console/cases/{record.case_id}").status_code == 403
    assert reads(app) == []
