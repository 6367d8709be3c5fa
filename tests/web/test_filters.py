"""The staff pages' filters: a value that cannot be read is a 400 naming it, never a 500.

The message is in the reader's language and the form keeps what was typed; one parser reads every page's
fields (app/web/fields.py).
"""

from __future__ import annotations

import pytest
from lxml import html
from sqlalchemy import func, select

from app.audit.models import AuditEvent
from app.core import parsing
from app.db import db
from tests.auth.helpers import csrf_token

SEARCH, REPORTS, AUDIT, EXPORT, MY_CASES = ("/supervisor/search", "/supervisor/reports", "/supervisor/audit/",
                                            "/supervisor/audit/export.csv", "/console/cases")
HUGE = "99999999999999999999"

# page, query, who asks, and the English message expected
WRONG = [
    (SEARCH, {"q": "x", "from": "0000-01-01"}, "saule", "“From”: write a date from 1900 to 2999"),
    (SEARCH, {"q": "x", "from": "99999-01-01"}, "saule", "“From”: write a date"),
    (SEARCH, {"q": "x", "to": "2026-02-30"}, "saule", "“To”: write a date"),
    (SEARCH, {"q": "x", "to": "0001-01-01"}, "saule", "“To”: write a date"),
    (SEARCH, {"q": "x", "operator": HUGE}, "saule", "“Operator”: write a whole number from 1 to 2147483647"),
    (SEARCH, {"q": "x", "page": "-1"}, "saule", "“Page”: write a whole number"),
    (SEARCH, {"q": "x", "page": HUGE}, "saule", "“Page”: write a whole number"),
    (SEARCH, {"q": "x", "language": "en"}, "saule", "“Language”: choose a value from the list"),
    (SEARCH, {"q": "x", "outcome": "RESOLVED"}, "saule", "“Outcome”: choose a value from the list"),
    (SEARCH, {"q": "x", "category": "nonsense"}, "saule", "“Category”: choose a value from the list"),
    (REPORTS, {"from": "0001-01-01"}, "saule", "“From”: write a date"),
    (REPORTS, {"to": "9999-12-31"}, "saule", "“To”: write a date"),
    (REPORTS, {"from": "2026-02-30"}, "saule", "“From”: write a date"),
    (REPORTS, {"format": "xlsx"}, "saule", "“Format”: choose a value from the list"),
    (AUDIT, {"since": "0001-01-01"}, "saule", "“From”: write a date (YYYY-MM-DD) or a date and time"),
    (AUDIT, {"until": "9999-12-31"}, "arman", "“Until”: write a date"),
    (AUDIT, {"since": "0001-01-01T00:00"}, "saule", "“From”: write a date"),
    (AUDIT, {"until": "2026-02-30T10:00"}, "saule", "“Until”: write a date"),
    (AUDIT, {"page": HUGE}, "saule", "“Page”: write a whole number"),
    (AUDIT, {"page": "-5"}, "arman", "“Page”: write a whole number"),
    (MY_CASES, {"page": "-1"}, "aigerim", "“Page”: write a whole number"),
    (MY_CASES, {"page": HUGE}, "aigerim", "“Page”: write a whole number"),
]


def page_text(response) -> str:
    return " ".join(html.fromstring(response.get_data(as_text=True)).text_content().split())


@pytest.mark.parametrize(("path", "query", "who", "message"), WRONG)
def test_a_filter_that_cannot_be_read_is_a_400_that_says_which(signed_in, path, query, who, message):
    response = signed_in(who).get(path, query_string=query)
    assert response.status_code == 400
    assert message in page_text(response)


def test_the_message_is_in_the_readers_language_and_the_form_keeps_what_was_typed(signed_in):
    supervisor = signed_in("saule")
    response = supervisor.get(SEARCH, query_string={"q": "соседи", "from": "2026-02-30", "lang": "ru"})
    assert response.status_code == 400
    doc = html.fromstring(response.get_data(as_text=True))
    assert doc.xpath("//input[@name='q']/@value") == ["соседи"]
    assert doc.xpath("//input[@name='from']/@value") == ["2026-02-30"]
    [alert] = doc.xpath("//p[@role='alert']/text()")
    assert alert.startswith("«С»: укажите дату с 1900 по 2999 год")
    assert not doc.xpath("//section[@class='results']")  # nothing searched
    response = supervisor.get(REPORTS, query_string={"from": "1899-12-31", "to": "2026-03-01", "lang": "kk"})
    doc = html.fromstring(response.get_data(as_text=True))
    assert response.status_code == 400
    assert doc.xpath("//input[@name='from']/@value") == ["1899-12-31"]
    assert doc.xpath("//p[@role='alert']/text()")[0].startswith("«Бастап»: 1900–2999 жылдар аралығындағы күнді")


def test_a_wrong_filter_runs_no_search_and_exports_nothing(app, signed_in):
    supervisor = signed_in("saule")
    assert supervisor.get(SEARCH, query_string={"q": "x", "to": "2026-02-30"}).status_code == 400
    with app.app_context():  # no search was run, so none was audited
        assert db.session.scalar(select(func.count()).where(AuditEvent.action == "search.run")) == 0
    response = supervisor.get(EXPORT, query_string={"until": "9999-12-31"})
    assert response.status_code == 400
    assert response.mimetype == "text/plain"
    assert "“Until”: write a date" in response.get_data(as_text=True)
    response = supervisor.get(REPORTS, query_string={"format": "csv", "report": "per_day", "from": "0001-01-01"})
    assert (response.status_code, response.mimetype) == (400, "text/html")


@pytest.mark.parametrize(("path", "query", "who"), [
    (SEARCH, {"q": "x", "from": "1900-01-01", "to": "2999-12-31", "page": "2147483647", "operator": "2147483647"},
     "saule"),
    (REPORTS, {"from": "1900-01-01", "to": "2999-12-31", "format": ""}, "saule"),
    (AUDIT, {"since": "1900-01-01", "until": "2999-12-31T23:59", "page": "2147483647"}, "saule"),
    (EXPORT, {"since": "1900-01-01T00:00", "until": "2999-12-31"}, "arman"),
    (MY_CASES, {"page": "2147483647"}, "aigerim"),
])
def test_the_widest_values_that_can_be_read_are_taken(signed_in, path, query, who):
    assert signed_in(who).get(path, query_string=query).status_code == 200


@pytest.mark.parametrize("path", ["/console/cases/" + HUGE, "/supervisor/recordings/" + HUGE + "/audio",
                                  "/admin/users/" + HUGE])
def test_an_id_in_a_route_no_column_can_hold_names_no_page(signed_in, path):
    who = "arman" if path.startswith("/admin") else "saule"
    assert signed_in(who).get(path).status_code == 404


@pytest.mark.parametrize("form", [{"entry_id": HUGE}, {"entry_id": "-3"}, {"entry_id": "١"}])
def test_a_posted_entry_id_no_column_can_hold_is_a_400(app, signed_in, form):
    for who, path in (("aigerim", "/console/pick"), ("saule", "/supervisor/live/leave")):
        client = signed_in(who)
        assert client.post(path, data={**form, "csrf_token": csrf_token(client)}).status_code == 400


def test_whole_numbers_are_ascii_digits_within_a_column():
    assert parsing.whole_number("0") == 0 and parsing.whole_number("-1", smallest=-1) == -1
    assert parsing.whole_number(str(parsing.LARGEST_INTEGER)) == 2**31 - 1
    for text in ("", "-", "+7", " 7", "1_000", "١٢", "²", "7.0", str(2**31), HUGE, "--1"):
        with pytest.raises(ValueError):
            parsing.whole_number(text)


def test_days_are_iso_dates_within_the_range():
    assert str(parsing.calendar_day("1900-01-01")) == "1900-01-01"
    for text in ("1899-12-31", "3000-01-01", "2026-02-30", "20260228", "2026-2-28", "２０２６-02-28", "+02026-02-28"):
        with pytest.raises(ValueError):
            parsing.calendar_day(text)
    assert parsing.day_and_time("2026-02-28T23:59").minute == 59
    for text in ("2026-02-28", "0001-01-01T00:00", "2026-02-28T24:00", "2026-02-28T10:00+05:00"):
        with pytest.raises(ValueError):
            parsing.day_and_time(text)
