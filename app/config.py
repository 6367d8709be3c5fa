"""Settings from the environment, in one place. Every key is listed in ``.env.example``."""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Safe for a laptop, never for production: production refuses to start with any of these.
_DEV_SECRET = "dev-only-secret-not-for-production"
_DEV_AUTH_TOKEN = "dev-twilio-auth-token"
_DEV_ACCOUNT_SID = "AC00000000000000000000000000000000"

REQUIRED_IN_PRODUCTION = ("SECRET_KEY", "CALLER_HASH_KEY", "CALLBACK_KEY", "TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN",
                          "PUBLIC_BASE_URL", "DATABASE_URL")


class ConfigError(RuntimeError):
    """A required setting is missing or wrong; the message says which and how to fix it."""


def load_settings(environ: dict | None = None) -> dict:
    """Read settings from ``environ`` (default: the process environment) into a plain dict."""
    # An empty value (as copied from .env.example) means "use the default".
    env = {key: value for key, value in (os.environ if environ is None else environ).items() if value}
    mode = env.get("QORGAU_ENV", "development")
    if mode not in ("development", "production", "testing"):
        raise ConfigError(f"QORGAU_ENV must be development, production or testing, not {mode!r}")
    if mode == "production":
        _check_production(env)
    instance = Path(env.get("INSTANCE_DIR", ROOT / "instance"))
    return {
        "QORGAU_ENV": mode,
        "INSTANCE_DIR": str(instance),
        "SECRET_KEY": env.get("SECRET_KEY", _DEV_SECRET),
        "CALLER_HASH_KEY": env.get("CALLER_HASH_KEY", _DEV_SECRET + "-caller-hash"),
        "CALLBACK_KEY": env.get("CALLBACK_KEY", _DEV_SECRET + "-callback"),
        "CALLBACK_HOURS": int(env.get("CALLBACK_HOURS", 24)),
        "QUEUE_OPTIONS_EVERY": int(env.get("QUEUE_OPTIONS_EVERY", 2)),
        "MAX_WAIT_SECONDS": int(env.get("MAX_WAIT_SECONDS", 600)),
        "OPERATING_HOURS": env.get("OPERATING_HOURS", "24/7"),
        "HOLIDAYS": env.get("HOLIDAYS", ""),
        "TIMEZONE": env.get("TIMEZONE", "Asia/Almaty"),
        # The supervisors' board: answered within this many seconds counts toward the service level…
        "SERVICE_LEVEL_SECONDS": int(env.get("SERVICE_LEVEL_SECONDS", 20)),
        # …and where its figures turn amber (warn) and red (alert).
        "BOARD_WAIT_WARN_SECONDS": int(env.get("BOARD_WAIT_WARN_SECONDS", 30)),
        "BOARD_WAIT_ALERT_SECONDS": int(env.get("BOARD_WAIT_ALERT_SECONDS", 120)),
        "BOARD_SERVICE_LEVEL_WARN": float(env.get("BOARD_SERVICE_LEVEL_WARN", 80)),
        "BOARD_SERVICE_LEVEL_ALERT": float(env.get("BOARD_SERVICE_LEVEL_ALERT", 60)),
        "BOARD_ABANDON_WARN": float(env.get("BOARD_ABANDON_WARN", 5)),
        "BOARD_ABANDON_ALERT": float(env.get("BOARD_ABANDON_ALERT", 10)),
        # Replay: transcript words recognised with less confidence than this (0..1) look uncertain.
        "REPLAY_LOW_CONFIDENCE": float(env.get("REPLAY_LOW_CONFIDENCE", 0.6)),
        "SQLALCHEMY_DATABASE_URI": _database_url(env.get("DATABASE_URL"), instance),
        "REDIS_URL": env.get("REDIS_URL", ""),
        "TWILIO_ACCOUNT_SID": env.get("TWILIO_ACCOUNT_SID", _DEV_ACCOUNT_SID),
        "TWILIO_AUTH_TOKEN": env.get("TWILIO_AUTH_TOKEN", _DEV_AUTH_TOKEN),
        "TWILIO_API_BASE_URL": env.get("TWILIO_API_BASE_URL", "https://api.twilio.com").rstrip("/"),
        "PUBLIC_BASE_URL": env.get("PUBLIC_BASE_URL", "http://127.0.0.1:5000").rstrip("/"),
        "IVR_FLOW": env.get("IVR_FLOW", "helpline-111"),
        "IVR_FLOWS_DIR": env.get("IVR_FLOWS_DIR", str(ROOT / "ivr_flows")),
        "AUDIO_DIR": env.get("AUDIO_DIR", str(ROOT / "audio")),
        # Languages Twilio can <Say>, with its language code and voice; Kazakh has none.
        "SAY_VOICES": {"ru": ("ru-RU", env.get("SAY_VOICE_RU", "Polly.Tatyana"))},
        "TWILIO_CALLER_ID": env.get("TWILIO_CALLER_ID", "+77001110111"),
        "OPERATOR_ANSWER_SECONDS": int(env.get("OPERATOR_ANSWER_SECONDS", 20)),
        "TRUSTED_PROXY_HOPS": int(env.get("TRUSTED_PROXY_HOPS", 0)),
        "DEFAULT_LANGUAGE": env.get("DEFAULT_LANGUAGE", "kk"),
        "RECORDINGS_DIR": env.get("RECORDINGS_DIR"),  # None: under INSTANCE_DIR, see resolve_paths
        "DELETE_AT_TWILIO": env.get("DELETE_AT_TWILIO", "true").lower() not in ("0", "false", "no", "off"),
        "RECORDING_JOB_LEASE_SECONDS": int(env.get("RECORDING_JOB_LEASE_SECONDS", 1800)),
        "VOSK_MODELS": {"kk": env.get("VOSK_MODEL_KK"), "ru": env.get("VOSK_MODEL_RU")},
        # Development without Twilio: REST calls go to the built-in stand-in served at /twilio-sim.
        "TWILIO_SIMULATOR": mode == "development" and "TWILIO_API_BASE_URL" not in env,
        "SESSION_COOKIE_SECURE": env.get("PUBLIC_BASE_URL", "").startswith("https://"),
        "SESSION_COOKIE_SAMESITE": "Lax",
        "TESTING": mode == "testing",
    }


def _check_production(env: dict) -> None:
    missing = [key for key in REQUIRED_IN_PRODUCTION if not env.get(key)]
    if missing:
        raise ConfigError("Production mode needs these settings, see .env.example: " + ", ".join(missing))
    copied = [key for key in REQUIRED_IN_PRODUCTION if is_dev_default(env, key)]
    if copied:
        raise ConfigError("Production mode refuses the development defaults of: " + ", ".join(copied))
    if not env["PUBLIC_BASE_URL"].startswith("https://"):
        # Callers' details cross it: TLS only, and session cookies are Secure only for https (this also
        # catches the development value copied from .env.example, which Twilio cannot reach).
        raise ConfigError(f"PUBLIC_BASE_URL must be the public https:// address, not {env['PUBLIC_BASE_URL']!r}")


def resolve_paths(config: dict) -> None:
    """Put folders left unset under INSTANCE_DIR (which a caller of create_app may have changed)."""
    instance = Path(config["INSTANCE_DIR"])
    config["RECORDINGS_DIR"] = config.get("RECORDINGS_DIR") or str(instance / "recordings")
    config["VOSK_MODELS"] = {
        language: path or str(instance / "models" / language) for language, path in config["VOSK_MODELS"].items()
    }


def _database_url(url: str | None, instance: Path) -> str:
    if not url:
        return f"sqlite:///{instance / 'qorgau.db'}"
    if url.startswith("postgres://"):  # Heroku-style URLs name the old dialect
        url = "postgresql://" + url.removeprefix("postgres://")
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return url


def is_dev_default(settings: dict, key: str) -> bool:
    """True when ``key`` still holds its development default (so start-up can say so)."""
    return settings.get(key) in (_DEV_SECRET, _DEV_AUTH_TOKEN, _DEV_ACCOUNT_SID, _DEV_SECRET + "-caller-hash",
                                 _DEV_SECRET + "-callback")
