"""Error answers: pages in the reader's language with the menu, JSON for the API, plain text for Twilio."""

from __future__ import annotations

import pytest
from lxml import html

from tests.auth.helpers import csrf_token
from tests.console.records import case_of


def doc(response):
    return html.fromstring(response.get_data(as_text=True))


def heading(response) -> str:
    return doc(response).xpath("//h1/text()")[0]


def menu(response) -> list[str]:
    return doc(response).xpath("//nav[@class='menu']/a/@href")


@pytest.mark.parametrize(("who", "method", "path", "status", "lang", "title"), [
    ("saule", "GET", "/supervisor/nowhere", 404, "ru", "Страница не найдена"),
    ("aigerim", "GET", "/supervisor/board", 403, "kk", "Рұқсат жоқ"),
    ("aigerim", "GET", "/console/pick", 405, "ru", "Эту страницу нельзя открыть так"),
    ("saule", "GET", "/console/cases/987654", 404, "en", "Page not found"),
])
def test_an_error_is_a_page_in_the_readers_language_with_the_menu(signed_in, who, method, path, status, lang, title):
    client = signed_in(who)
    client.get(f"/login?lang={lang}")  # the session's language
    response = client.open(path, method=method)
    assert response.status_code == status
    assert response.mimetype == "text/html"
    assert heading(response) == title
    assert doc(response).xpath("/html/@lang") == [lang]
    assert "/console/" in menu(response)  # both roles see the queue in their menu
    if status == 405:
        assert set(response.headers["Allow"].split(", ")) == {"OPTIONS", "POST"}


def test_a_bad_request_is_a_translated_page(signed_in):
    operator = signed_in("aigerim")
    response = operator.post("/console/availability?lang=ru",
                             data={"availability": "napping", "csrf_token": csrf_token(operator, "/console/")})
    assert response.status_code == 400
    assert heading(response) == "Запрос не понят"
    assert "/console/cases" in menu(response)


def test_the_browsers_language_is_used_for_a_stranger(client):
    response = client.get("/nowhere", headers={"Accept-Language": "ru-RU,ru;q=0.9"})
    assert response.status_code == 404
    assert heading(response) == "Страница не найдена"
    assert menu(response) == []  # signed in nobody: no menu, a way to the start
    assert doc(response).xpath("//a[@class='way-on']/@href") == ["/"]


def test_a_form_sent_after_the_session_ended_asks_to_sign_in_again_in_the_readers_language(app, people, signed_in):
    operator = signed_in("aigerim")
    with app.app_context():
        case = case_of(people["aigerim"])
    path = f"/console/cases/{case.case_id}"
    token = csrf_token(operator, path)
    gone = app.test_client()  # the session cookie is gone (expired, signed out elsewhere): only the form is left
    response = gone.post(path, data={"csrf_token": token, "notes": "what the caller said"},
                         headers={"Accept-Language": "kk"})
    assert response.status_code == 400
    text = response.get_data(as_text=True)
    assert "CSRF" not in text
    assert heading(response) == "Сеанс мерзімі өтті"
    assert doc(response).xpath("//a[@class='way-on']/@href") == [f"/login?next=/console/cases/{case.case_id}"]
    assert doc(response).xpath("//a[@class='way-on']/text()") == ["Қайта кіру"]


def test_a_form_left_open_too_long_offers_to_open_the_page_again(app, people, signed_in):
    operator = signed_in("aigerim")
    with app.app_context():
        case = case_of(people["aigerim"])
    path = f"/console/cases/{case.case_id}"
    response = operator.post(path, data={"csrf_token": "an-expired-token", "notes": "x"})
    assert response.status_code == 400
    assert heading(response) == "Your session has expired"
    assert doc(response).xpath("//a[@class='way-on']/@href") == [path]
    assert "/console/" in menu(response)


def test_the_api_answers_errors_in_json(client):
    response = client.get("/api/nowhere")
    assert (response.status_code, response.mimetype) == (404, "application/json")
    assert "error" in response.get_json()
    response = client.post("/api/me")
    assert (response.status_code, response.mimetype) == (405, "application/json")
    assert set(response.headers["Allow"].split(", ")) == {"GET", "HEAD", "OPTIONS"}


@pytest.mark.parametrize(("method", "path", "status"), [
    ("GET", "/voice/incoming", 405), ("POST", "/voice/nowhere", 404), ("POST", "/voice/incoming", 403),
    ("GET", "/audio/prompts/kk/none.wav", 404),
])
def test_twilio_gets_plain_text(client, method, path, status):
    response = client.open(path, method=method, headers={"Accept-Language": "ru"})
    assert (response.status_code, response.mimetype) == (status, "text/plain")


def test_a_body_too_large_is_a_plain_page_in_the_readers_language(make_app):
    app = make_app(MAX_CONTENT_LENGTH=4096, WEBHOOK_MAX_CONTENT_LENGTH=4096)
    client = app.test_client()
    client.get("/login?lang=ru")
    response = client.post("/login", data={"username": "x" * 10000, "password": "y"})
    assert response.status_code == 413
    assert heading(response) == "Отправлено слишком много"
    assert menu(response) == [] and not doc(response).xpath("//form")
    assert doc(response).xpath("//nav[@class='langs']/a/@href") == ["/login?lang=kk", "/login?lang=ru", "/login?lang=en"]
    webhook = client.post("/voice/recording", data={"RecordingSid": "x" * 10000}, headers={"X-Twilio-Signature": "x"})
    assert (webhook.status_code, webhook.mimetype) == (413, "text/plain")


def test_an_unexpected_failure_is_a_plain_page_without_the_database(make_app):
    app = make_app(PROPAGATE_EXCEPTIONS=False)

    def broken():
        raise RuntimeError("a failure nobody foresaw")

    app.add_url_rule("/console/broken", view_func=broken)
    app.add_url_rule("/api/broken", view_func=broken, endpoint="api_broken")
    client = app.test_client()
    response = client.get("/console/broken", headers={"Accept-Language": "kk"})
    assert response.status_code == 500
    assert heading(response) == "Жүйеде қате шықты"
    assert "a failure nobody foresaw" not in response.get_data(as_text=True)
    assert client.get("/api/broken").get_json() is not None
