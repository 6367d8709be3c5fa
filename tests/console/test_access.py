"""Who may use the console: operators do everything; supervisors watch; admins and strangers do not get in.

Watching means the queue page, the live stream and the cases they oversee (the case service lets them
correct a case); taking calls, availability and the endpoint are an operator's alone (403). Admins manage
people and settings, not cases: every console page is 403 for them.
"""

from __future__ import annotations

from urllib.parse import quote

import pytest

from tests.auth.helpers import csrf_token, log_in

from .helpers import page

PAGES = ["/console/", "/console/cases/1"]
OPERATOR_ACTIONS = [("/console/pick", {}), ("/console/availability", {"availability": "available"}),
                    ("/console/endpoint", {"endpoint": "+77011234567"})]


@pytest.mark.parametrize("path", PAGES)
def test_anonymous_visitors_are_sent_to_sign_in(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response.headers["Location"] == f"/login?next={quote(path, safe='')}"


def test_anonymous_visitors_get_no_stream_and_no_redirect(client):
    """EventSource would follow a redirect to the sign-in page and retry for ever; a 401 stops it."""
    response = client.get("/console/stream")
    assert response.status_code == 401


def test_an_operator_sees_the_queue_their_availability_and_endpoint(operator, caller):
    entry = caller()
    doc = page(operator.get("/console/"))
    assert doc.xpath('//form[@action="/console/availability"]//button[@name="availability"]/@value') == [
        "available", "busy", "wrap_up", "away"]
    assert doc.xpath('//form[@action="/console/endpoint"]//input[@name="endpoint"]')
    assert doc.xpath('//button[@name="entry_id"]/@value') == [str(entry)]
    assert doc.xpath('//button[contains(@class, "take-next")]')


def test_supervisors_watch_the_queue_without_taking_calls(signed_in, caller):
    entry = caller()
    client = signed_in("saule")
    doc = page(client.get("/console/"))
    assert doc.xpath(f'//tr[@data-entry="{entry}"]')
    assert not doc.xpath('//button[@name="entry_id"]') and not doc.xpath('//form[@action="/console/availability"]')
    with client.get("/console/stream", buffered=False) as stream:
        assert stream.status_code == 200


def test_admins_do_not_see_the_queue_or_cases(app, signed_in, caller, people):
    from tests.console.records import case_of

    caller()
    with app.app_context():
        case_id = case_of(people["aigerim"]).case_id
    admin = signed_in("arman")
    for path in ("/console/", "/console/stream", f"/console/cases/{case_id}"):
        assert admin.get(path).status_code == 403, path
    edit = {"csrf_token": csrf_token(admin), "notes": "edited"}  # the sign-in page's token: the console is shut
    assert admin.post(f"/console/cases/{case_id}", data=edit).status_code == 403


@pytest.mark.parametrize("name", ["saule", "arman"])
@pytest.mark.parametrize(("path", "data"), OPERATOR_ACTIONS)
def test_taking_calls_availability_and_endpoint_are_for_operators_only(signed_in, caller, name, path, data):
    caller()
    client = signed_in(name)
    assert client.post(path, data={"csrf_token": csrf_token(client), **data}).status_code == 403


def test_an_unknown_case_is_not_found(operator):
    assert operator.get("/console/cases/987654").status_code == 404


def test_after_signing_in_the_console_shows_no_untranslated_sign_in_notice(client, people):
    client.get("/console/")  # Flask-Login flashes "Please log in to access this page." (English only)
    log_in(client, "aigerim", lang="kk")
    doc = page(client.get("/console/"))
    assert doc.xpath('//*[contains(@class, "flash")]') == []
