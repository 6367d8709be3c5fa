"""Settings from the environment (``app.config.load_settings``) and refusing to start when they are wrong."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
import yaml

from app import create_app
from app.config import ROOT, ConfigError, load_settings
from app.core.flow import FlowInvalid

PRODUCTION = {
    "QORGAU_ENV": "production",
    "SECRET_KEY": "s3cret-" * 8,
    "CALLER_HASH_KEY": "caller-hash-" * 4,
    "CALLBACK_KEY": "callback-key-" * 4,
    "TWILIO_ACCOUNT_SID": "AC" + "f" * 32,
    "TWILIO_AUTH_TOKEN": "a" * 32,
    "PUBLIC_BASE_URL": "https://111.example.kz/",
    "DATABASE_URL": "postgresql://qorgau@db.internal:5432/qorgau",
}
REQUIRED = ["SECRET_KEY", "CALLER_HASH_KEY", "CALLBACK_KEY", "TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "PUBLIC_BASE_URL",
            "DATABASE_URL"]


def test_production_without_settings_names_every_missing_key():
    with pytest.raises(ConfigError) as error:
        load_settings({"QORGAU_ENV": "production"})
    assert all(key in str(error.value) for key in REQUIRED)


def test_production_names_only_the_keys_missing():
    environ = {**PRODUCTION, "SECRET_KEY": "", "TWILIO_AUTH_TOKEN": ""}
    with pytest.raises(ConfigError) as error:
        load_settings(environ)
    named = set(re.findall(r"[A-Z][A-Z_]+[A-Z]", str(error.value)))
    assert named == {"SECRET_KEY", "TWILIO_AUTH_TOKEN"}


def test_production_with_every_required_key_loads():
    settings = load_settings(PRODUCTION)
    assert settings["QORGAU_ENV"] == "production"
    assert settings["TESTING"] is False
    assert settings["SECRET_KEY"] == PRODUCTION["SECRET_KEY"]
    assert settings["TWILIO_AUTH_TOKEN"] == PRODUCTION["TWILIO_AUTH_TOKEN"]
    assert settings["PUBLIC_BASE_URL"] == "https://111.example.kz"
    assert settings["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://qorgau@db.internal:5432/qorgau"
    assert settings["SESSION_COOKIE_SECURE"] is True


@pytest.mark.parametrize(
    ("key", "value"),
    [("SECRET_KEY", "dev-only-secret-not-for-production"), ("TWILIO_AUTH_TOKEN", "dev-twilio-auth-token"),
     ("PUBLIC_BASE_URL", "http://127.0.0.1:5000")],
)
def test_production_refuses_development_values(key, value):
    with pytest.raises(ConfigError, match=key):
        load_settings({**PRODUCTION, key: value})


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("postgres://u:p@h:5432/d", "postgresql+psycopg://u:p@h:5432/d"),
        ("postgresql://u@h/d", "postgresql+psycopg://u@h/d"),
        ("postgresql+psycopg://u@h/d", "postgresql+psycopg://u@h/d"),
        ("sqlite:////srv/qorgau.db", "sqlite:////srv/qorgau.db"),
    ],
)
def test_database_urls_use_psycopg_3(url, expected):
    assert load_settings({"DATABASE_URL": url})["SQLALCHEMY_DATABASE_URI"] == expected


def test_empty_values_fall_back_to_the_defaults(tmp_path):
    empty = dict.fromkeys(("QORGAU_ENV", "DATABASE_URL", "SECRET_KEY", "IVR_FLOW", "REDIS_URL"), "")
    settings = load_settings({**empty, "INSTANCE_DIR": str(tmp_path)})
    assert settings == load_settings({"INSTANCE_DIR": str(tmp_path)})
    assert settings["QORGAU_ENV"] == "development"
    assert settings["IVR_FLOW"] == "helpline-111"
    assert settings["REDIS_URL"] == ""
    assert settings["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'qorgau.db'}"
    assert settings["SECRET_KEY"]


def test_the_process_environment_is_read_by_default(monkeypatch):
    monkeypatch.setenv("IVR_FLOW", "helpline-test")
    monkeypatch.setenv("TWILIO_API_BASE_URL", "http://127.0.0.1:9999/")
    settings = load_settings()
    assert settings["IVR_FLOW"] == "helpline-test"
    assert settings["TWILIO_API_BASE_URL"] == "http://127.0.0.1:9999"


@pytest.mark.parametrize("mode", ["staging", "prod", "Production"])
def test_an_unknown_mode_is_refused(mode):
    with pytest.raises(ConfigError, match=repr(mode)):
        load_settings({"QORGAU_ENV": mode})


def test_every_setting_is_documented_in_env_example():
    documented = set(re.findall(r"^([A-Z_]+)=", (ROOT / ".env.example").read_text(), re.MULTILINE))
    read = set(re.findall(r'env(?:\.get\(|\[)"([A-Z_]+)"', (ROOT / "app" / "config.py").read_text()))
    assert read and read <= documented
    required = set(re.findall(r"\[required\][^\n]*\n([A-Z_]+)=", (ROOT / ".env.example").read_text()))
    assert required == set(REQUIRED)


def test_a_broken_flow_stops_the_app_naming_file_and_node(tmp_path, monkeypatch, base_config):
    flows = tmp_path / "flows"
    shutil.copytree(ROOT / "ivr_flows", flows)
    path = flows / "helpline-111.yaml"
    flow = yaml.safe_load(path.read_text(encoding="utf-8"))
    flow["nodes"]["safety_notice"]["next"] = "no_such_node"
    path.write_text(yaml.safe_dump(flow, allow_unicode=True), encoding="utf-8")
    monkeypatch.setenv("IVR_FLOWS_DIR", str(flows))

    with pytest.raises(FlowInvalid) as error:
        create_app(base_config)
    message = str(error.value)
    assert "helpline-111.yaml" in message
    assert "safety_notice" in message
    assert "no_such_node" in message


def test_the_intact_flow_copy_starts(tmp_path, monkeypatch, make_app):
    shutil.copytree(ROOT / "ivr_flows", tmp_path / "flows")
    monkeypatch.setenv("IVR_FLOWS_DIR", str(tmp_path / "flows"))
    assert Path(make_app().config["IVR_FLOWS_DIR"]) == tmp_path / "flows"
