"""The console's new-contact signals and keyboard shortcuts as the pages serve them (the browser tests use them)."""

from __future__ import annotations

import io
import wave

import pytest

from .helpers import page


def test_the_queue_says_how_many_wait_for_the_tabs_title(operator, caller):
    assert page(operator.get("/console/")).xpath('//*[@id="queue"]//*[@data-waiting]/@data-waiting') == ["0"]
    caller()
    caller()
    assert page(operator.get("/console/")).xpath('//*[@id="queue"]//*[@data-waiting]/@data-waiting') == ["2"]


@pytest.mark.parametrize("path", ["/console/", "/console/cases"])
def test_every_console_page_of_an_operator_has_the_signals_and_shortcuts(operator, path):
    doc = page(operator.get(path))
    assert doc.xpath('//script[@src="/static/console/console.js"]')
    assert doc.xpath('//input[@id="signal-sound"][not(@checked)]') and doc.xpath('//input[@id="signal-notify"][not(@checked)]')
    assert doc.xpath('//*[@class="signals"]/@data-sound') == ["/static/console/new-contact.wav"]
    assert doc.xpath('//dialog[@id="shortcuts"]//kbd/text()') == ["N", "S", "C", "A", "?"]


@pytest.mark.parametrize(("lang", "words"), [
    ("en", ["take the next contact", "save the case", "save and close the case", "available / away", "Alt"]),
    ("ru", ["взять следующее обращение", "сохранить карточку", "сохранить и закрыть", "доступен", "Alt"]),
    ("kk", ["келесі өтінішті алу", "істі сақтау", "істі сақтап, жабу", "қолжетімді", "Alt"]),
])
def test_the_shortcuts_are_listed_in_the_operators_language(operator, lang, words):
    text = page(operator.get(f"/console/?lang={lang}")).xpath('//dialog[@id="shortcuts"]')[0].text_content()
    assert all(word in text for word in words)


def test_supervisors_watching_get_no_signals(signed_in):
    doc = page(signed_in("saule").get("/console/"))
    assert not doc.xpath('//*[@class="signals"]') and not doc.xpath('//dialog[@id="shortcuts"]')


def test_the_sound_is_a_short_wav_of_the_projects_own(client):
    response = client.get("/static/console/new-contact.wav")
    try:
        assert response.status_code == 200 and response.mimetype in ("audio/wav", "audio/x-wav")
        data = response.get_data()
    finally:
        response.close()  # the file a static answer streams from
    with wave.open(io.BytesIO(data)) as sound:
        assert 0.1 < sound.getnframes() / sound.getframerate() < 1.0
    assert len(data) < 50_000
