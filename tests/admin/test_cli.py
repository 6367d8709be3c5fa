"""``flask users deactivate|reactivate|reset-password|revoke-tokens``: the admin pages' services on the command line."""

from __future__ import annotations

from tests.auth.helpers import PASSWORD, audit_events, create_user, issue_token, log_in


def signs_in(app, name, password=PASSWORD) -> bool:
    return log_in(app.test_client(), name, password).status_code == 302


def test_deactivate_and_reactivate(app, runner):
    create_user(app, "amina")
    result = runner.invoke(args=["users", "deactivate", "amina"])
    assert result.exit_code == 0 and "deactivated amina" in result.output
    assert not signs_in(app, "amina")
    assert runner.invoke(args=["users", "reactivate", "amina"]).exit_code == 0
    assert signs_in(app, "amina")
    assert [(e.actor_label, e.action) for e in audit_events(app) if e.action.startswith("user.a")
            or e.action.startswith("user.d")] == [("cli", "user.deactivate"), ("cli", "user.activate")]


def test_reset_password_asks_twice_or_generates(app, runner):
    create_user(app, "amina")
    typed = runner.invoke(args=["users", "reset-password", "amina"], input="another password\nanother password\n")
    assert typed.exit_code == 0, typed.output
    assert signs_in(app, "amina", "another password")
    generated = runner.invoke(args=["users", "reset-password", "amina", "--generate"])
    password = generated.output.strip().rsplit(" ", 1)[-1]
    assert signs_in(app, "amina", password) and not signs_in(app, "amina", "another password")


def test_reset_password_refuses_a_short_one(app, runner):
    create_user(app, "amina")
    result = runner.invoke(args=["users", "reset-password", "amina"], input="short\nshort\n")
    assert result.exit_code != 0 and "at least 8 characters" in result.output
    assert signs_in(app, "amina")


def test_revoke_tokens(app, runner, client):
    create_user(app, "amina")
    value = issue_token(app, "amina")
    result = runner.invoke(args=["users", "revoke-tokens", "amina"])
    assert result.exit_code == 0 and "revoked 1 API token(s) of amina" in result.output
    assert client.get("/api/me", headers={"Authorization": f"Bearer {value}"}).status_code == 401


def test_an_unknown_name_is_a_clear_error(runner):
    for command in ("deactivate", "reactivate", "revoke-tokens"):
        result = runner.invoke(args=["users", command, "nobody"])
        assert result.exit_code != 0 and "no user 'nobody'" in result.output and "Traceback" not in result.output
