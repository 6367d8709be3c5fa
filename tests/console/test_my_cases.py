"""An operator's own cases: open and closed, newest first, each opening its case page and its call's replay."""

from __future__ import annotations

from urllib.parse import quote

import pytest

from .helpers import page
from .records import case_of


@pytest.fixture
def work(app, people):
    """Cases of two operators.

    aigerim: an old closed recorded case, a newer closed one without recording, and an open one now;
    daniyar: one recorded case of his own.
    """
    with app.app_context():
        return {
            "old": case_of(people["aigerim"], recorded=True, closed=True, hours_ago=30),
            "newer": case_of(people["aigerim"], closed=True, hours_ago=5),
            "open": case_of(people["aigerim"]),
            "daniyars": case_of(people["daniyar"], recorded=True, hours_ago=1),
        }


def rows(doc) -> list[str]:
    return doc.xpath("//table[contains(@class, 'my-cases')]//tr[@data-case]/@data-case")


def test_an_operator_sees_their_own_cases_newest_first_open_and_closed(app, signed_in, work):
    doc = page(signed_in("aigerim").get("/console/cases"))
    assert rows(doc) == [str(work[name].case_id) for name in ("open", "newer", "old")]
    states = [" ".join(cell.text_content().split()) for cell in doc.xpath("//tr[@data-case]/td[4]")]
    assert states == ["open", "closed", "closed"]
    for name in ("open", "newer", "old"):
        assert doc.xpath(f'//tr[@data-case="{work[name].case_id}"]//a/@href')[0] == f"/console/cases/{work[name].case_id}"


def test_a_recorded_call_links_to_its_replay_from_the_list_and_the_case_page(signed_in, work):
    operator = signed_in("aigerim")
    doc = page(operator.get("/console/cases"))
    replay = f"/supervisor/calls/{work['old'].call_sid}"
    recorded = doc.xpath(f'//tr[@data-case="{work["old"].case_id}"]/td[6]')[0]
    assert recorded.xpath(".//a[@class='replay']/@href") == [replay]
    assert not doc.xpath(f'//tr[@data-case="{work["newer"].case_id}"]//a[@class="replay"]')
    assert doc.xpath(f'//tr[@data-case="{work["newer"].case_id}"]/td[6]')[0].text_content().strip() == "—"
    case_page = page(operator.get(f"/console/cases/{work['old'].case_id}"))
    assert case_page.xpath("//a[@class='replay']/@href") == [replay]  # the case page links the replay too
    assert operator.get(replay).status_code == 200
    assert not page(operator.get(f"/console/cases/{work['newer'].case_id}")).xpath("//a[@class='replay']")


def test_another_operators_cases_are_neither_listed_nor_open_to_them(signed_in, work):
    operator = signed_in("aigerim")
    assert str(work["daniyars"].case_id) not in rows(page(operator.get("/console/cases")))
    assert operator.get(f"/console/cases/{work['daniyars'].case_id}").status_code in (403, 404)
    assert rows(page(signed_in("daniyar").get("/console/cases"))) == [str(work["daniyars"].case_id)]


def test_an_operator_without_cases_is_told_so(signed_in):
    doc = page(signed_in("daniyar").get("/console/cases"))
    assert rows(doc) == []
    assert "You have no cases yet." in doc.text_content()


def test_the_menu_leads_operators_to_their_cases(signed_in):
    doc = page(signed_in("aigerim").get("/console/"))
    assert doc.xpath('//nav//a[@href="/console/cases"]/text()') == ["My cases"]


@pytest.mark.parametrize("name", ["saule", "arman"])
def test_my_cases_is_for_operators_only(signed_in, name):
    client = signed_in(name)
    assert client.get("/console/cases").status_code == 403
    assert not page(client.get("/", follow_redirects=True)).xpath('//nav//a[@href="/console/cases"]')


def test_strangers_are_sent_to_sign_in(client):
    response = client.get("/console/cases")
    assert response.status_code == 302
    assert response.headers["Location"] == f"/login?next={quote('/console/cases', safe='')}"


def test_many_cases_come_in_pages(app, signed_in, people, monkeypatch):
    from app.console import views

    monkeypatch.setattr(views, "MY_CASES_PAGE", 2)
    with app.app_context():
        made = [case_of(people["aigerim"], closed=True, hours_ago=hours).case_id for hours in (3, 2, 1)]
    operator = signed_in("aigerim")
    first = page(operator.get("/console/cases"))
    assert rows(first) == [str(made[2]), str(made[1])]
    older = first.xpath('//a[@rel="next"]/@href')[0]
    assert rows(page(operator.get(older))) == [str(made[0])]
