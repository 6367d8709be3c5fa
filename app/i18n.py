"""User-facing text from ``app/translations/<lang>.yaml``.

The language comes from ``?lang=``, the session, or the browser.
"""

from __future__ import annotations

from pathlib import Path

import yaml
from flask import Flask, current_app, request, session

LANGUAGES = ("kk", "ru", "en")
DEFAULT = "kk"


def load_catalogs() -> dict[str, dict[str, str]]:
    folder = Path(__file__).parent / "translations"
    return {lang: yaml.safe_load((folder / f"{lang}.yaml").read_text(encoding="utf-8")) for lang in LANGUAGES}


def current_language() -> str:
    chosen = request.args.get("lang")
    if chosen in LANGUAGES:
        session["lang"] = chosen
        return chosen
    return session.get("lang") or request.accept_languages.best_match(LANGUAGES) or DEFAULT


def translate(key: str, **values) -> str:
    """The text for ``key`` in the current language, falling back to Russian, then the key itself."""
    catalogs = current_app.extensions["qorgau.i18n"]
    text = catalogs[current_language()].get(key) or catalogs["ru"].get(key) or key
    return text.format(**values) if values else text


def init_app(app: Flask) -> None:
    app.extensions["qorgau.i18n"] = load_catalogs()
    app.jinja_env.globals.update(_=translate, languages=LANGUAGES, current_language=current_language)
