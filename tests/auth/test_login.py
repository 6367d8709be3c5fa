"""The sign-in page: CSRF, wrong and right passwords, safe redirects, sign-out."""

from __future__ import annotations

import pytest
from lxml import html

from .helpers import PASSWORD, create_user, csrf_token, log_in, set_active


@pytest.fixture
def amina(app):
    return create_user(app, "amina", "supervisor")


def signed_in(client) -> bool:
    """Home answers a signed-in person (or sends them on to their console), and sends others to sign in."""
    return not client.get("/").headers.get("Location", "").startswith("/login")


def test_login_page_has_a_form_with_a_csrf_token(client):
    response = client.get("/login")
    assert response.status_code == 200
    form = html.fromstring(response.data).xpath("//form")[0]
    assert form.get("method") == "post"
    assert form.xpath('.//input[@name="csrf_token"]/@value')[0]
    assert form.xpath('.//input[@name="username"]') and form.xpath('.//input[@name="password"][@type="password"]')


def test_home_sends_strangers_to_the_login_page(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


def test_a_post_without_csrf_token_is_rejected(client, amina):
    response = client.post("/login", data={"username": "amina", "password": PASSWORD})
    assert response.status_code == 400
    assert not signed_in(client)


def test_right_password_signs_in_and_home_leads_to_the_roles_console(client, amina):
    response = log_in(client, "amina", PASSWORD)
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    home = client.get("/")
    assert home.status_code == 302 and home.headers["Location"].startswith("/supervisor/board")  # amina supervises: the board
    page = client.get("/?lang=en", follow_redirects=True)
    assert page.status_code == 200
    assert "amina" in page.get_data(as_text=True)


@pytest.mark.parametrize(("name", "password"), [("amina", "wrong password"), ("nobody", PASSWORD)])
def test_wrong_credentials_get_401_and_the_error_text(client, amina, name, password):
    response = log_in(client, name, password, lang="en")
    assert response.status_code == 401
    assert "Wrong username or password." in response.get_data(as_text=True)
    assert not signed_in(client)


def test_an_inactive_user_cannot_sign_in(app, client):
    create_user(app, "amina", active=False)
    assert log_in(client, "amina", PASSWORD).status_code == 401
    assert not signed_in(client)


def test_deactivating_a_user_ends_their_open_session(app, client, amina):
    log_in(client)
    assert signed_in(client)
    set_active(app, "amina", False)
    assert not signed_in(client)


def test_next_may_point_to_a_local_path(client, amina):
    response = log_in(client, next="/api/me?x=1")
    assert response.headers["Location"] == "/api/me?x=1"


@pytest.mark.parametrize(
    "target", ["http://evil.example/", "//evil.example/", "/\\evil.example", "///evil.example", "/\t/evil.example",
               "https:/evil.example", "javascript:alert(1)", "evil.example"]
)
def test_next_never_leaves_the_site(client, amina, target):
    response = log_in(client, next=target)
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_logout_needs_post_with_csrf(client, amina):
    log_in(client)
    assert client.get("/logout").status_code == 405
    assert client.post("/logout").status_code == 400
    assert signed_in(client)
    response = client.post("/logout", data={"csrf_token": csrf_token(client, "/console/")})
    assert response.status_code == 302
    assert response.headers["Location"] == "/login"
    assert not signed_in(client)
