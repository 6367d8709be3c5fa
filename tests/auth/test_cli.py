"""``flask users create`` and ``flask users token``: the command lines the README documents."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from app import create_app
from app.auth import services
from app.config import ROOT
from app.db import db

from .helpers import PASSWORD, create_user


def create(runner, name="amina", role="operator", password=PASSWORD):
    return runner.invoke(args=["users", "create", name, "--role", role, "--password", password])


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


@pytest.mark.parametrize("role", ["operator", "supervisor", "admin"])
def test_create_user_with_each_role(app, runner, role):
    result = create(runner, role=role)
    assert result.exit_code == 0, result.output
    assert f"created {role} amina" in result.output
    with app.app_context():
        assert services.find_user("amina").role.value == role


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ({"role": "janitor"}, "Invalid value for '--role'"),
        ({"password": "short"}, "at least 8 characters"),
        ({"name": "x" * 65}, "at most 64 characters"),
        ({"name": "   "}, "must not be empty"),
    ],
)
def test_create_refuses_bad_input_with_a_clear_message(app, runner, args, message):
    result = create(runner, **args)
    assert result.exit_code != 0
    assert message in result.output
    assert "Traceback" not in result.output
    with app.app_context():
        assert services.find_user(args.get("name", "amina").strip()) is None


def test_create_refuses_a_duplicate_name(app, runner):
    create_user(app, "amina", "supervisor")
    result = create(runner, role="admin")
    assert result.exit_code != 0
    assert "user 'amina' already exists" in result.output
    with app.app_context():
        assert services.find_user("amina").role.value == "supervisor"


def test_token_is_the_last_line_and_opens_the_api(app, runner, client):
    create_user(app, "amina", "supervisor")
    first = runner.invoke(args=["users", "token", "amina"])
    second = runner.invoke(args=["users", "token", "amina"])
    assert first.exit_code == second.exit_code == 0
    tokens = [result.output.strip().splitlines()[-1] for result in (first, second)]
    assert tokens[0] != tokens[1]
    for token in tokens:
        response = client.get("/api/me", headers=bearer(token))
        assert response.status_code == 200
        assert response.json == {"username": "amina", "role": "supervisor"}


def test_token_for_an_unknown_user_fails(runner):
    result = runner.invoke(args=["users", "token", "nobody"])
    assert result.exit_code != 0
    assert "no user 'nobody'" in result.output


def test_documented_command_lines_work_with_the_real_flask_executable(tmp_path, base_config):
    """Run ``flask --app app …`` as an administrator would, on a fresh SQLite file."""
    database = f"sqlite:///{tmp_path / 'qorgau.db'}"
    env = {key: value for key, value in os.environ.items() if key not in ("TEST_DATABASE_URL", "REDIS_URL")}
    env.update(QORGAU_ENV="development", DATABASE_URL=database, INSTANCE_DIR=str(tmp_path))
    flask = Path(sys.executable).with_name("flask")

    def run(*args: str) -> str:
        done = subprocess.run([str(flask), "--app", "app", *args], cwd=ROOT, env=env, capture_output=True,
                              text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        return done.stdout

    run("db", "upgrade")
    assert "created admin amina" in run("users", "create", "amina", "--role", "admin", "--password", PASSWORD)
    token = run("users", "token", "amina").strip().splitlines()[-1]

    app = create_app({**base_config, "SQLALCHEMY_DATABASE_URI": database, "INSTANCE_DIR": str(tmp_path)})
    response = app.test_client().get("/api/me", headers=bearer(token))
    assert response.json == {"username": "amina", "role": "admin"}
    with app.app_context():
        db.engine.dispose()
