"""The sign-in pages speak Kazakh, Russian and English, from ``app/translations/<lang>.yaml``."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from lxml import html

from app import i18n

from .helpers import log_in

FOLDER = Path(i18n.__file__).parent / "translations"
CATALOGS = i18n.load_catalogs()


def labels(response) -> dict[str, str]:
    doc = html.fromstring(response.data)
    return {
        "lang": doc.get("lang"),
        "login_title": doc.findtext(".//h1"),
        "username": doc.xpath('string(//label[@for="username"])'),
        "password": doc.xpath('string(//label[@for="password"])'),
        "sign_in": doc.xpath("string(//form//button)"),
    }


def expected(lang: str) -> dict[str, str]:
    return {"lang": lang} | {key: CATALOGS[lang][key] for key in ("login_title", "username", "password", "sign_in")}


@pytest.mark.parametrize("lang", ["kk", "ru", "en"])
def test_lang_parameter_chooses_the_labels(client, lang):
    assert labels(client.get(f"/login?lang={lang}")) == expected(lang)


def test_kazakh_by_default_and_the_choice_is_remembered(client):
    assert labels(client.get("/login")) == expected("kk")
    client.get("/login?lang=ru")
    assert labels(client.get("/login")) == expected("ru")


def test_browser_language_is_used_when_nothing_was_chosen(client):
    assert labels(client.get("/login", headers={"Accept-Language": "ru-RU,ru;q=0.9"})) == expected("ru")


@pytest.mark.parametrize("lang", ["kk", "ru"])
def test_failed_login_error_is_translated(app, client, lang):
    response = log_in(client, "nobody", "whatever-password", lang=lang)
    assert response.status_code == 401
    alert = html.fromstring(response.data).xpath('string(//*[@role="alert"])')
    assert alert == CATALOGS[lang]["login_failed"]


@pytest.mark.parametrize("lang", ["kk", "ru"])
def test_every_key_exists_in_every_language(lang):
    assert set(CATALOGS[lang]) == set(CATALOGS["en"])


@pytest.mark.parametrize("lang", ["kk", "ru", "en"])
def test_texts_are_filled_in_and_keep_their_placeholders(lang):
    for key, text in CATALOGS[lang].items():
        assert isinstance(text, str) and text.strip(), key
        assert set(re.findall(r"{(\w+)}", text)) == set(re.findall(r"{(\w+)}", CATALOGS["en"][key])), key
