"""Settings from the environment, in one place. Every key is listed in ``.env.example``."""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent

# Safe for a laptop, never for production: production refuses to start with any of these.
_DEV_SECRET = "dev-only-secret-not-for-production"
_DEV_AUTH_TOKEN = "dev-twilio-auth-token"
_DEV_ACCOUNT_SID = "AC00000000000000000000000000000000"

REQUIRED_IN_PRODUCTION = ("SECRET_KEY", "CALLER_HASH_KEY", "CALLBACK_KEY", "CHAT_HASH_KEY", "TWILIO_ACCOUNT_SID",
                          "TWILIO_AUTH_TOKEN",
                          "PUBLIC_BASE_URL", "DATABASE_URL")
# The keys of our own, one per purpose. In production each must be strong and none may repeat another (or
# Twilio's auth token). A new key setting is added here and nowhere else.
KEY_SETTINGS = ("SECRET_KEY", "CALLER_HASH_KEY", "CALLBACK_KEY", "CHAT_HASH_KEY")
MIN_KEY_LENGTH = 32  # characters
MIN_KEY_DISTINCT = 10  # different characters: "aaaa…" or "abab…" is not a key
# Settings that only a real deployment has: set without QORGAU_ENV, the app refuses to guess "development".
REAL_SECRETS = (*KEY_SETTINGS, "TWILIO_AUTH_TOKEN", "TWILIO_ACCOUNT_SID")
REAL_SERVERS = ("DATABASE_URL", "REDIS_URL")  # real when they name a host other than this machine
_LOCAL_HOSTS = {None, "", "localhost", "127.0.0.1", "::1"}
_ON = ("1", "true", "yes", "on")


class ConfigError(RuntimeError):
    """A required setting is missing or wrong; the message says which and how to fix it."""


def load_settings(environ: dict | None = None) -> dict:
    """Read settings from ``environ`` (default: the process environment) into a plain dict."""
    # An empty value (as copied from .env.example) means "use the default".
    env = {key: value for key, value in (os.environ if environ is None else environ).items() if value}
    mode = env.get("QORGAU_ENV") or _development_unless_real(env)
    if mode not in ("development", "production", "testing"):
        raise ConfigError(f"QORGAU_ENV must be development, production or testing, not {mode!r}")
    simulator = env.get("TWILIO_SIMULATOR", "").lower() in _ON
    if mode == "production":
        _check_production(env, simulator)
    instance = Path(env.get("INSTANCE_DIR", ROOT / "instance"))
    return {
        "QORGAU_ENV": mode,
        "INSTANCE_DIR": str(instance),
        "SECRET_KEY": env.get("SECRET_KEY", _DEV_SECRET),
        "CALLER_HASH_KEY": env.get("CALLER_HASH_KEY", _DEV_SECRET + "-caller-hash"),
        "CALLBACK_KEY": env.get("CALLBACK_KEY", _DEV_SECRET + "-callback"),
        "CALLBACK_HOURS": int(env.get("CALLBACK_HOURS", 24)),
        # Chats: the keyed hash of a chat's source (never its address) and of its conversation code…
        "CHAT_HASH_KEY": env.get("CHAT_HASH_KEY", _DEV_SECRET + "-chat-hash"),
        # …how many chats an operator holds at once besides one call, and the longest message (characters).
        "CHATS_PER_OPERATOR": int(env.get("CHATS_PER_OPERATOR", 3)),
        "CHAT_MESSAGE_MAX": int(env.get("CHAT_MESSAGE_MAX", 2000)),
        # …and per source on the child's page: chats started per hour, messages per minute, codes tried per hour.
        "CHAT_STARTS_PER_HOUR": int(env.get("CHAT_STARTS_PER_HOUR", 20)),
        "CHAT_MESSAGES_PER_MINUTE": int(env.get("CHAT_MESSAGES_PER_MINUTE", 30)),
        "CHAT_CODE_TRIES_PER_HOUR": int(env.get("CHAT_CODE_TRIES_PER_HOUR", 20)),
        # …and where its quick exit button leaves for: a neutral site.
        "CHAT_QUICK_EXIT_URL": env.get("CHAT_QUICK_EXIT_URL", "https://www.google.com/"),
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
        # …and referrals whose agency's feedback is overdue (a count).
        "BOARD_OVERDUE_REFERRALS_WARN": int(env.get("BOARD_OVERDUE_REFERRALS_WARN", 1)),
        "BOARD_OVERDUE_REFERRALS_ALERT": int(env.get("BOARD_OVERDUE_REFERRALS_ALERT", 10)),
        # Replay: transcript words recognised with less confidence than this (0..1) look uncertain.
        "REPLAY_LOW_CONFIDENCE": float(env.get("REPLAY_LOW_CONFIDENCE", 0.6)),
        # QR posters (flask places posters): TrueType fonts with the Kazakh letters (Debian's fonts-dejavu-core).
        "POSTER_FONT": env.get("POSTER_FONT", "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"),
        "POSTER_FONT_BOLD": env.get("POSTER_FONT_BOLD", "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"),
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
        # Development without Twilio (opt-in; `make run` turns it on): REST calls go to the built-in stand-in
        # served at /twilio-sim.
        "TWILIO_SIMULATOR": simulator,
        "SESSION_COOKIE_SECURE": env.get("PUBLIC_BASE_URL", "").startswith("https://"),
        "SESSION_COOKIE_SAMESITE": "Lax",
        # Request bodies: forms (a case with long notes and referrals fits), Twilio's webhooks (a few kB each),
        # and per multipart form: the largest field and the number of fields. Larger ones get 413 unread.
        "MAX_CONTENT_LENGTH": int(env.get("MAX_CONTENT_LENGTH", 2 * 1024 * 1024)),
        "WEBHOOK_MAX_CONTENT_LENGTH": int(env.get("WEBHOOK_MAX_CONTENT_LENGTH", 64 * 1024)),
        "MAX_FORM_MEMORY_SIZE": int(env.get("MAX_FORM_MEMORY_SIZE", 500_000)),
        "MAX_FORM_PARTS": int(env.get("MAX_FORM_PARTS", 1000)),
        # A sign-in unused this long is refused (live pages do not count as use): long enough for a long call
        # with the case form open, short enough that an abandoned console does not stay open.
        "SESSION_IDLE_MINUTES": int(env.get("SESSION_IDLE_MINUTES", 60)),
        # An available operator with no console page open (no live stream) this long is set away.
        "CONSOLE_AWAY_SECONDS": int(env.get("CONSOLE_AWAY_SECONDS", 90)),
        "TESTING": mode == "testing",
    }


def _development_unless_real(env: dict) -> str:
    """Development is the default only where nothing real is set: a deployment must say what it is."""
    real = [key for key in REAL_SECRETS if key in env and not is_dev_default(env, key)]
    real += [key for key in REAL_SERVERS if key in env and urlsplit(env[key]).hostname not in _LOCAL_HOSTS]
    if real:
        raise ConfigError(f"QORGAU_ENV is not set, but {', '.join(real)} {'is' if len(real) == 1 else 'are'} "
                          "set as for a real deployment: set QORGAU_ENV=production (or QORGAU_ENV=development "
                          "to use them on a development machine on purpose)")
    return "development"


def _check_production(env: dict, simulator: bool) -> None:
    missing = [key for key in REQUIRED_IN_PRODUCTION if not env.get(key)]
    if missing:
        raise ConfigError("Production mode needs these settings, see .env.example: " + ", ".join(missing))
    copied = [key for key in REQUIRED_IN_PRODUCTION if is_dev_default(env, key)]
    if copied:
        raise ConfigError("Production mode refuses the development defaults of: " + ", ".join(copied))
    weak = [key for key in KEY_SETTINGS
            if len(env.get(key, "")) < MIN_KEY_LENGTH or len(set(env.get(key, ""))) < MIN_KEY_DISTINCT]
    if weak:
        raise ConfigError(f"Production mode refuses weak keys: {', '.join(weak)} (at least {MIN_KEY_LENGTH} "
                          f"characters, {MIN_KEY_DISTINCT} of them different; make one with: python -c "
                          '"import secrets; print(secrets.token_urlsafe(48))")')
    secrets = {key: env.get(key) for key in (*KEY_SETTINGS, "TWILIO_AUTH_TOKEN")}
    reused = sorted({key for key, value in secrets.items() if list(secrets.values()).count(value) > 1})
    if reused:
        raise ConfigError(f"Production mode needs a different key for each purpose: {', '.join(reused)} "
                          "hold the same value")
    if simulator:
        raise ConfigError("TWILIO_SIMULATOR is for development: production talks to Twilio")
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
                                 _DEV_SECRET + "-callback", _DEV_SECRET + "-chat-hash")
