"""Helpers of the child's page tests: a child's browser (its own address and language) that answers the questions."""

from __future__ import annotations

from lxml import html

CHILD_ADDRESS = "203.0.113.41"  # where the child writes from, as the server sees it (never to be stored)


def child(app, language: str = "ru", address: str = CHILD_ADDRESS):
    """A browser of its own: a test client with the child's address and preferred language."""
    client = app.test_client()
    client.environ_base.update(REMOTE_ADDR=address, HTTP_ACCEPT_LANGUAGE=language)
    return client


def page(response):
    return html.fromstring(response.data)


def token(response) -> str:
    return page(response).xpath('//input[@name="csrf_token"]/@value')[0]


def text_of(response) -> str:
    return " ".join(page(response).text_content().split())


def answer(client, code: str, keys: list[str]):
    """Open ``/q/<code>`` and press the buttons ``keys`` (phone keys) one page at a time; the last answer."""
    response = client.get(f"/q/{code}")
    for key in keys:
        form = page(response).xpath('//form[contains(@class, "question")]')[0]
        answers = form.xpath('.//input[@name="answers"]/@value')[0]
        response = client.post(f"/q/{code}", data={"csrf_token": token(response), "answers": answers, "key": key})
    return response


def start(client, code: str = "sch-12", keys: tuple[str, ...] = ("1",)):
    """A chat begun like a child begins it; the chat page (with the code, shown this once)."""
    response = answer(client, code, list(keys))
    assert response.status_code == 303, response.data
    return client.get(response.headers["Location"])


def send(client, text: str, client_id: str = "m1", *, as_json: bool = False, csrf: str | None = None):
    """Send a message from the chat page's form (plain form, or as the page's script does with fetch)."""
    chat_page = client.get("/chat/")
    data = {"text": text, "client_id": client_id}
    if as_json:
        return client.post("/chat/send", data=data, headers={"X-CSRFToken": csrf or token(chat_page),
                                                              "Accept": "application/json"})
    return client.post("/chat/send", data={**data, "csrf_token": csrf or token(chat_page)})
