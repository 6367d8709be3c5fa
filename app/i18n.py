"""User-facing text from ``app/translations/<lang>.yaml`` and each area's ``app/translations/<area>/<lang>.yaml``.

The language comes from ``?lang=``, the session, or the browser.
"""

from __future__ import annotations

from pathlib import Path

import yaml
from flask import Flask, current_app, request, session

LANGUAGES = ("kk", "ru", "en")
DEFAULT = "kk"


FOLDER = Path(__file__).parent / "translations"


def load_catalogs() -> dict[str, dict[str, str]]:
    """Every language's texts; a key defined twice for one language is an error, not a silent override."""
    catalogs: dict[str, dict[str, str]] = {}
    for lang in LANGUAGES:
        merged: dict[str, str] = {}
        for path in [FOLDER / f"{lang}.yaml", *sorted(FOLDER.glob(f"*/{lang}.yaml"))]:
            texts = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
            if twice := merged.keys() & texts.keys():
                raise ValueError(f"{path}: keys already defined for {lang}: {', '.join(sorted(twice))}")
            merged |= texts
        catalogs[lang] = merged
    return catalogs


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


def _remember_chosen_language() -> None:
    """``?lang=`` is kept even by a page that only redirects (the start page) and shows no text itself."""
    if "lang" in request.args:
        current_language()


def init_app(app: Flask) -> None:
    app.extensions["qorgau.i18n"] = load_catalogs()
    app.before_request(_remember_chosen_language)
    app.jinja_env.globals.update(_=translate, languages=LANGUAGES, current_language=current_language)
