"""Admins manage people: list, create, deactivate and reactivate, reset passwords, revoke API tokens.

Every change is audited with the admin's name; the rules are the command line's (one service).
"""

from __future__ import annotations

import re

import pytest

from tests.auth.helpers import PASSWORD, audit_events, issue_token, log_in
from tests.console.helpers import messages, page


def token(client, path="/admin/users") -> str:
    return page(client.get(path)).xpath('//input[@name="csrf_token"]/@value')[0]


def post(client, path, data=None, page_path="/admin/users"):
    return client.post(path, data={"csrf_token": token(client, page_path), **(data or {})})


def can_sign_in(app, name, password) -> bool:
    client = app.test_client()
    return log_in(client, name, password).status_code == 302


def signed_in_still(client) -> bool:
    return not client.get("/").headers.get("Location", "").startswith("/login")


def shown_password(response) -> str:
    return page(response).xpath('//code[@id="new-password"]/text()')[0]


@pytest.fixture
def admin(signed_in):
    return signed_in("arman")


def test_the_list_shows_everyone_with_role_state_creation_and_last_sign_in(admin, app, people):
    doc = page(admin.get("/admin/users"))
    users = doc.xpath("//table[@class='users']//tr[@data-user]")
    assert [row.get("data-user") for row in users] == ["aigerim", "arman", "daniyar", "saule"]
    cells = {row.get("data-user"): [" ".join(td.text_content().split()) for td in row.xpath("td")] for row in users}
    assert cells["aigerim"][1:3] == ["operator", "active"]
    assert cells["saule"][1] == "supervisor" and cells["arman"][1] == "administrator"
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d", cells["aigerim"][3])
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d", cells["arman"][4])  # arman signed in to look
    assert cells["daniyar"][4] == "never"


def test_an_admin_creates_a_user_with_a_password_who_can_then_sign_in(admin, app):
    response = post(admin, "/admin/users", {"username": "zhanna", "role": "supervisor", "password": PASSWORD})
    assert response.status_code == 302
    user_page = admin.get(response.headers["Location"])
    assert "User zhanna was created." in messages(user_page)
    assert page(user_page).xpath("//h1/text()") == ["zhanna"]
    assert can_sign_in(app, "zhanna", PASSWORD)
    [event] = [e for e in audit_events(app, "user.create") if e.details["role"] == "supervisor" and e.target_id
               and e.actor_label == "arman"]
    assert event.actor_id is not None and event.remote_addr == "127.0.0.1"


def test_an_empty_initial_password_is_generated_and_shown_once(admin, app):
    response = post(admin, "/admin/users", {"username": "zhanna", "role": "operator", "password": ""})
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    password = shown_password(response)
    assert can_sign_in(app, "zhanna", password)
    user_page = page(response).xpath('//form[contains(@action, "/password")]/@action')[0].rsplit("/", 1)[0]
    assert not page(admin.get(user_page)).xpath('//code[@id="new-password"]')  # once: not on the next visit


@pytest.mark.parametrize(("data", "message"), [
    ({"username": "zhanna", "role": "operator", "password": "short"}, "The password must have at least 8 characters."),
    ({"username": "aigerim", "role": "admin", "password": PASSWORD}, "A user called aigerim already exists."),
    ({"username": "", "role": "operator", "password": PASSWORD}, "Fill in the username and choose a role."),
    ({"username": "zhanna", "role": "janitor", "password": PASSWORD}, "Unknown role: janitor."),
    ({"username": "z" * 65, "role": "operator", "password": PASSWORD}, "at most 64 characters"),
])
def test_creation_follows_the_rules_and_says_what_is_wrong(admin, app, data, message):
    response = post(admin, "/admin/users", data)
    assert response.status_code == 400
    assert any(message in text for text in messages(response))
    assert len(audit_events(app, "user.create")) == 4  # the four people of the fixture, nobody new
    roles = {row.get("data-user"): row.xpath("td[2]")[0].text_content() for row in
             page(admin.get("/admin/users")).xpath("//tr[@data-user]")}
    assert roles == {"aigerim": "operator", "arman": "administrator", "daniyar": "operator", "saule": "supervisor"}


def test_deactivating_ends_the_users_sessions_and_tokens_and_reactivating_lets_them_back(admin, app, people,
                                                                                       signed_in):
    aigerim = signed_in("aigerim")
    api_token = issue_token(app, "aigerim")
    assert signed_in_still(aigerim)
    path = f"/admin/users/{people['aigerim']}"
    response = post(admin, f"{path}/active", {"active": "0"}, path)
    assert response.status_code == 302
    assert not signed_in_still(aigerim)
    assert aigerim.get("/console/").status_code == 302
    assert app.test_client().get("/api/me", headers={"Authorization": f"Bearer {api_token}"}).status_code == 401
    assert not can_sign_in(app, "aigerim", PASSWORD)
    doc = page(admin.get("/admin/users"))
    assert doc.xpath('//tr[@data-user="aigerim"]/@class') == ["inactive"]

    assert post(admin, f"{path}/active", {"active": "1"}, path).status_code == 302
    assert can_sign_in(app, "aigerim", PASSWORD)
    assert [(e.actor_label, e.action, e.target_id) for e in audit_events(app) if e.action.startswith("user.")
            and e.action != "user.create"] == [("arman", "user.deactivate", str(people["aigerim"])),
                                               ("arman", "user.activate", str(people["aigerim"]))]


def test_a_deactivated_operator_no_longer_counts_as_available(admin, app, people):
    from app.operators import services as operators
    from app.operators.models import Availability

    with app.app_context():
        operators.set_availability(people["aigerim"], Availability.AVAILABLE)
        assert operators.count_available() == 1
    path = f"/admin/users/{people['aigerim']}"
    post(admin, f"{path}/active", {"active": "0"}, path)
    with app.app_context():
        assert operators.count_available() == 0


def test_an_admin_cannot_deactivate_themselves(admin, app, people):
    path = f"/admin/users/{people['arman']}"
    response = post(admin, f"{path}/active", {"active": "0"}, path)
    assert response.status_code == 400
    assert "You cannot deactivate yourself." in messages(response)
    assert signed_in_still(admin)
    assert audit_events(app, "user.deactivate") == []


def test_the_last_active_admin_stays(admin, app, people, runner):
    result = runner.invoke(args=["users", "deactivate", "arman"])
    assert result.exit_code != 0 and "arman is the last active admin" in result.output
    assert signed_in_still(admin)
    # With a second admin, one may deactivate the other; then the remaining one is the last.
    assert post(admin, "/admin/users", {"username": "bota", "role": "admin", "password": PASSWORD}).status_code == 302
    bota = app.test_client()
    log_in(bota, "bota")
    assert post(bota, f"/admin/users/{people['arman']}/active", {"active": "0"}).status_code == 302
    assert not signed_in_still(admin)
    assert runner.invoke(args=["users", "deactivate", "bota"]).exit_code != 0
    assert signed_in_still(bota)


def test_deactivating_an_already_deactivated_admin_changes_nothing(app, people):
    from app.auth import services

    with app.app_context():
        other = services.create_user("bota", "admin", PASSWORD).id
        services.set_active(other, False, actor_id=people["arman"])
        services.set_active(other, False, actor_id=people["arman"])
    assert len(audit_events(app, "user.deactivate")) == 1


def test_an_admin_sets_a_new_password_and_the_old_sessions_end(admin, app, people, signed_in):
    saule = signed_in("saule")
    path = f"/admin/users/{people['saule']}"
    response = post(admin, f"{path}/password", {"password": "a brand new passphrase", "set": "1"}, path)
    assert response.status_code == 302
    assert not signed_in_still(saule) and signed_in_still(admin)
    assert not can_sign_in(app, "saule", PASSWORD)
    assert can_sign_in(app, "saule", "a brand new passphrase")
    [event] = audit_events(app, "user.password_reset")
    assert (event.actor_label, event.target_id, event.details["generated"]) == ("arman", str(people["saule"]), False)
    assert "a brand new passphrase" not in str(event.details)


def test_an_admin_generates_a_password_shown_once(admin, app, people):
    path = f"/admin/users/{people['saule']}"
    response = post(admin, f"{path}/password", {"generate": "1"}, path)
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    password = shown_password(response)
    assert re.fullmatch(r"[a-z2-9]{4}(-[a-z2-9]{4}){3}", password)
    assert can_sign_in(app, "saule", password) and not can_sign_in(app, "saule", PASSWORD)
    assert not page(admin.get(path)).xpath('//code[@id="new-password"]')
    assert audit_events(app, "user.password_reset")[0].details["generated"] is True


@pytest.mark.parametrize(("data", "message"), [({"password": "short", "set": "1"}, "at least 8 characters"),
                                               ({"password": "", "set": "1"}, "Type a new password, or generate one.")])
def test_a_new_password_follows_the_rules(admin, app, people, data, message):
    path = f"/admin/users/{people['saule']}"
    response = post(admin, f"{path}/password", data, path)
    assert response.status_code == 400
    assert any(message in text for text in messages(response))
    assert can_sign_in(app, "saule", PASSWORD)


def test_an_admin_revokes_a_users_api_tokens(admin, app, people):
    tokens = [issue_token(app, "saule"), issue_token(app, "saule")]
    path = f"/admin/users/{people['saule']}"
    assert page(admin.get(path)).xpath('//dd[@id="tokens"]/text()') == ["2"]
    response = post(admin, f"{path}/tokens/revoke", {}, path)
    assert response.status_code == 302
    assert "API tokens revoked: 2." in messages(admin.get(path))
    for value in tokens:
        assert app.test_client().get("/api/me", headers={"Authorization": f"Bearer {value}"}).status_code == 401
    [event] = audit_events(app, "token.revoke")
    assert (event.actor_label, event.target_id, event.details["tokens"]) == ("arman", str(people["saule"]), 2)


@pytest.mark.parametrize("path", ["/admin/users", "/admin/users/1/active", "/admin/users/1/password",
                                  "/admin/users/1/tokens/revoke"])
def test_every_change_needs_the_csrf_token(admin, path):
    assert admin.post(path, data={"username": "x", "role": "operator", "active": "0", "generate": "1"}).status_code == 400


def test_an_unknown_user_is_not_found(admin):
    assert admin.get("/admin/users/987654").status_code == 404
    assert post(admin, "/admin/users/987654/active", {"active": "0"}).status_code == 404
    assert post(admin, "/admin/users/987654/password", {"generate": "1"}).status_code == 404


@pytest.mark.parametrize("name", ["aigerim", "saule"])
def test_only_admins_manage_people(signed_in, people, name):
    client = signed_in(name)
    assert client.get("/admin/users").status_code == 403
    csrf = page(client.get("/login")).xpath('//input[@name="csrf_token"]/@value')[0]
    response = client.post(f"/admin/users/{people['daniyar']}/active", data={"csrf_token": csrf, "active": "0"})
    assert response.status_code == 403


def test_the_admins_menu_has_users_and_settings_and_they_land_on_users(admin):
    assert admin.get("/").headers["Location"] == "/admin/users"
    doc = page(admin.get("/admin/users"))
    assert doc.xpath("//nav[@class='menu']/a/text()") == ["Users", "Settings", "Places", "Audit log"]


def test_two_admins_deactivating_each_other_at_once_leave_one(app, people):
    """The rule is checked under a lock after the change: whichever commits second finds no admin left."""
    import threading

    from app.auth import services
    from app.db import db

    with app.app_context():
        bota = services.create_user("bota", "admin", PASSWORD).id
    arman = people["arman"]
    start = threading.Barrier(2)
    outcomes: list[str] = []

    def deactivate(target: int, actor: int) -> None:
        with app.app_context():
            start.wait()
            try:
                services.set_active(target, False, actor_id=actor)
                outcomes.append("done")
            except services.AuthError as error:
                outcomes.append(error.key)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=deactivate, args=pair) for pair in ((bota, arman), (arman, bota))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["done", "last_admin"]
    with app.app_context():
        assert [services.get_user(i).active for i in (arman, bota)].count(True) == 1
    assert len(audit_events(app, "user.deactivate")) == 1
