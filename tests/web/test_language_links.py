"""Language links keep the page's query (its filters) and never lead to an address that only takes POST."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit

from lxml import html

from tests.auth.helpers import csrf_token, log_in


def language_links(response) -> dict[str, str]:
    doc = html.fromstring(response.get_data(as_text=True))
    return {link.get("hreflang"): link.get("href") for link in doc.xpath("//nav[@class='langs']/a")}


def test_a_page_with_filters_keeps_them_in_every_language(signed_in):
    supervisor = signed_in("saule")
    response = supervisor.get("/supervisor/search", query_string=[("q", "сосед & кричит"), ("from", "2026-03-01"),
                                                                   ("outcome", "referred"), ("lang", "en")])
    links = language_links(response)
    assert set(links) == {"kk", "ru", "en"}
    for lang, href in links.items():
        parts = urlsplit(href)
        assert parts.path == "/supervisor/search"
        assert parse_qsl(parts.query) == [("q", "сосед & кричит"), ("from", "2026-03-01"), ("outcome", "referred"),
                                          ("lang", lang)]
    russian = supervisor.get(links["ru"])
    assert russian.status_code == 200
    assert html.fromstring(russian.data).xpath("//input[@name='q']/@value") == ["сосед & кричит"]
    assert html.fromstring(russian.data).xpath("/html/@lang") == ["ru"]


def test_a_page_shown_after_a_post_only_route_links_to_the_start_page_in_that_language(signed_in):
    operator = signed_in("aigerim")
    response = operator.post("/console/endpoint", data={"endpoint": "not a phone",
                                                        "csrf_token": csrf_token(operator, "/console/")})
    assert response.status_code == 400  # the queue page, shown again with the problem, at /console/endpoint
    links = language_links(response)
    assert links == {"kk": "/?lang=kk", "ru": "/?lang=ru", "en": "/?lang=en"}
    landed = operator.get(links["ru"], follow_redirects=True)
    assert landed.request.path == "/console/"
    assert html.fromstring(landed.data).xpath("/html/@lang") == ["ru"]  # the start page only redirects: still kept


def test_a_form_shown_again_keeps_its_address_and_query(app, people):
    client = app.test_client()
    response = log_in(client, "aigerim", "wrong password", next="/console/cases")
    assert response.status_code == 401
    assert language_links(response)["kk"] == "/login?next=%2Fconsole%2Fcases&lang=kk"


def test_the_error_page_of_a_post_only_route_links_to_the_start_page(signed_in):
    response = signed_in("aigerim").get("/console/pick?x=1")
    assert response.status_code == 405
    assert language_links(response)["kk"] == "/?lang=kk"


def test_an_address_of_another_site_is_never_a_language_link(client):
    response = client.get("/", environ_overrides={"PATH_INFO": "//evil.example/\\x"})
    assert response.status_code == 404
    assert not any(href.startswith("//") for href in language_links(response).values())
    assert language_links(response)["ru"] == "/evil.example/%5Cx?lang=ru"
