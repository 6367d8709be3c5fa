"""The effective settings as an admin may see them: secrets only as set or not, never their value."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

from app.config import KEY_SETTINGS, is_dev_default, load_settings, resolve_paths

# Shown only as "set", "not set" or "development default".
SECRETS = frozenset({*KEY_SETTINGS, "TWILIO_AUTH_TOKEN"})


@dataclass(frozen=True)
class Setting:
    key: str
    value: str | None  # None for a secret
    state: str  # "default", "changed", "dev_default" (a development stand-in), "set" or "not_set" (secrets)


def effective(config: dict) -> list[Setting]:
    """Every key of ``app/config.py``, in its order, with its value here and whether it is the default."""
    defaults = load_settings({"INSTANCE_DIR": config["INSTANCE_DIR"]})  # what each key is when nothing is set
    resolve_paths(defaults)
    rows = []
    for key, default in defaults.items():
        value = config.get(key)
        if is_dev_default(config, key):
            state = "dev_default"
        elif key in SECRETS:
            state = "set" if value else "not_set"
        else:
            state = "default" if value == default else "changed"
        rows.append(Setting(key, None if key in SECRETS else _shown(value), state))
    return rows


def _shown(value: object) -> str:
    if isinstance(value, dict):
        return "; ".join(f"{key}: {_shown(item)}" for key, item in value.items())
    if isinstance(value, tuple | list):
        return " ".join(_shown(item) for item in value)
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        return str(value).lower()
    return _without_password(str(value))


def _without_password(text: str) -> str:
    """A URL's password (a database's, Redis's) replaced by ***."""
    if "://" not in text:
        return text
    parts = urlsplit(text)
    if parts.password is None:
        return text
    userinfo, host = parts.netloc.rsplit("@", 1)
    return urlunsplit(parts._replace(netloc=f"{userinfo.split(':', 1)[0]}:***@{host}"))
