"""The JSON API's bearer tokens: ``Authorization: Bearer TOKEN``."""

from __future__ import annotations

import pytest

from .helpers import create_user, issue_token, set_active


@pytest.fixture
def token(app):
    create_user(app, "amina", "operator")
    return issue_token(app, "amina")


def test_me_names_the_token_owner(client, token):
    response = client.get("/api/me", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    assert response.json == {"username": "amina", "role": "operator"}


@pytest.mark.parametrize(
    "header",
    [
        None,
        "Bearer",
        "Bearer not-a-token",
        "Basic YW1pbmE6Y29ycmVjdA==",
        "{token}",  # the token without its scheme
        "Token {token}",
    ],
)
def test_me_refuses_without_a_valid_bearer_token(client, token, header):
    headers = {} if header is None else {"Authorization": header.format(token=token)}
    response = client.get("/api/me", headers=headers)
    assert response.status_code == 401
    assert response.json == {"error": "a valid bearer token is required"}
    assert response.headers["WWW-Authenticate"] == "Bearer"


def test_a_deactivated_users_token_stops_working(app, client, token):
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/me", headers=headers).status_code == 200
    set_active(app, "amina", False)
    response = client.get("/api/me", headers=headers)
    assert response.status_code == 401
    assert response.is_json


def test_the_scheme_is_case_insensitive(client, token):
    assert client.get("/api/me", headers={"Authorization": f"bearer {token}"}).status_code == 200
