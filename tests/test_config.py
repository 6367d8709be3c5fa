"""Settings from the environment (``app.config.load_settings``) and refusing to start when they are wrong."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
import yaml

from app import create_app
from app.config import KEY_SETTINGS, ROOT, ConfigError, load_settings
from app.core.flow import FlowInvalid

PRODUCTION = {
    "QORGAU_ENV": "production",
    "SECRET_KEY": "Hq7vT2mXw9LpZr4KsN8bYc3FgJd6Ue1A",
    "CALLER_HASH_KEY": "caller-hash-key-9f3kQ2vL7mZx8RtW",
    "CALLBACK_KEY": "callback-key-Zp4Nw8Qe2Rt6Yu0Ia5Sd",
    "CHAT_HASH_KEY": "chat-hash-key-Wm3Xc7Vb1Nq5Lk9Jh2Gf",
    "TWILIO_ACCOUNT_SID": "AC" + "f" * 32,
    "TWILIO_AUTH_TOKEN": "5f0c9e2b7a1d4c8e9f3b6a2d7c1e8f4a",
    "PUBLIC_BASE_URL": "https://111.example.kz/",
    "DATABASE_URL": "postgresql://qorgau@db.internal:5432/qorgau",
}
REQUIRED = ["SECRET_KEY", "CALLER_HASH_KEY", "CALLBACK_KEY", "CHAT_HASH_KEY", "TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN",
            "PUBLIC_BASE_URL", "DATABASE_URL"]


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
    settings = load_settings({"QORGAU_ENV": "development", "DATABASE_URL": url})
    assert settings["SQLALCHEMY_DATABASE_URI"] == expected


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


# --- no guessing the mode, strong keys, the Twilio stand-in only on request ------------------------------


def test_unset_mode_with_nothing_real_is_development_without_the_stand_in():
    settings = load_settings({"DATABASE_URL": "postgresql://postgres@127.0.0.1:5432/qorgau",
                              "REDIS_URL": "redis://localhost:6379/0"})
    assert settings["QORGAU_ENV"] == "development" and settings["TWILIO_SIMULATOR"] is False


@pytest.mark.parametrize(("key", "value"), [
    ("SECRET_KEY", "a-real-looking-secret"), ("CALLER_HASH_KEY", "x" * 40), ("CALLBACK_KEY", "y" * 40),
    ("TWILIO_AUTH_TOKEN", "f" * 32), ("TWILIO_ACCOUNT_SID", "AC" + "1" * 32),
    ("DATABASE_URL", "postgresql://qorgau@db.internal:5432/qorgau"), ("REDIS_URL", "redis://10.0.0.5:6379/0"),
])
def test_unset_mode_with_a_real_setting_refuses_to_start_and_says_to_set_the_mode(key, value):
    with pytest.raises(ConfigError) as error:
        load_settings({key: value})
    assert key in str(error.value) and "set QORGAU_ENV=production" in str(error.value)
    assert load_settings({"QORGAU_ENV": "development", key: value})["QORGAU_ENV"] == "development"  # on purpose


def test_unset_mode_is_refused_by_create_app_too(monkeypatch, base_config):
    monkeypatch.delenv("QORGAU_ENV", raising=False)
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", "0123456789abcdef0123456789abcdef")
    with pytest.raises(ConfigError, match="TWILIO_AUTH_TOKEN"):
        create_app()


@pytest.mark.parametrize("value", ["on", "true", "1"])
def test_the_twilio_stand_in_is_opt_in(value):
    assert load_settings({"TWILIO_SIMULATOR": value})["TWILIO_SIMULATOR"] is True
    assert load_settings({"TWILIO_SIMULATOR": "off"})["TWILIO_SIMULATOR"] is False
    with pytest.raises(ConfigError, match="TWILIO_SIMULATOR"):
        load_settings({**PRODUCTION, "TWILIO_SIMULATOR": value})


def test_make_run_turns_the_stand_in_on():
    import subprocess

    commands = subprocess.run(["make", "-n", "run"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    assert 'TWILIO_SIMULATOR:=on' in commands and "honcho start web worker" in commands


@pytest.mark.parametrize("key", KEY_SETTINGS)
@pytest.mark.parametrize("weak", ["short-but-random-Q7x", "ab" * 24, "0123456789" * 2 + "x" * 11])
def test_production_refuses_weak_keys_naming_the_setting(key, weak):
    with pytest.raises(ConfigError) as error:
        load_settings({**PRODUCTION, key: weak})
    assert key in str(error.value) and "weak" in str(error.value)
    assert {name for name in KEY_SETTINGS if name in str(error.value)} == {key}


@pytest.mark.parametrize(("first", "second"), [("SECRET_KEY", "CALLER_HASH_KEY"), ("CALLER_HASH_KEY", "CALLBACK_KEY"),
                                               ("CALLBACK_KEY", "TWILIO_AUTH_TOKEN")])
def test_production_refuses_one_key_for_two_purposes(first, second):
    with pytest.raises(ConfigError) as error:
        load_settings({**PRODUCTION, first: PRODUCTION[second]})
    assert first in str(error.value) and second in str(error.value) and "different key" in str(error.value)


def test_the_chat_hash_key_added_to_the_list_is_checked_like_the_others():
    with pytest.raises(ConfigError, match="weak keys: CHAT_HASH_KEY"):
        load_settings({**PRODUCTION, "CHAT_HASH_KEY": "chat-" * 8})
    with pytest.raises(ConfigError, match="CHAT_HASH_KEY"):
        load_settings({**PRODUCTION, "CHAT_HASH_KEY": PRODUCTION["SECRET_KEY"]})
    assert load_settings(PRODUCTION)["CHAT_HASH_KEY"] == PRODUCTION["CHAT_HASH_KEY"]
