"""Qorgau: the IVR and call-handling backend of the 111 helpline."""

from __future__ import annotations

import logging
from pathlib import Path

from flask import Flask

from .config import is_dev_default, load_settings

log = logging.getLogger("qorgau")


def create_app(config: dict | None = None) -> Flask:
    """Build the Flask app: settings from the environment, overridden by ``config``; wiring only."""
    app = Flask(__name__, instance_path=None)
    app.config.update(load_settings())
    app.config.update(config or {})
    Path(app.config["INSTANCE_DIR"]).mkdir(parents=True, exist_ok=True)
    _warn_about_dev_defaults(app)

    from .auth import views as auth_views
    from .db import db
    from .extensions import csrf, login_manager
    from .i18n import init_app as init_i18n
    from .ivr import services as ivr_service
    from .telephony import views as telephony_views

    db.init_app(app)
    csrf.init_app(app)
    login_manager.init_app(app)
    init_i18n(app)
    ivr_service.init_app(app)

    app.register_blueprint(telephony_views.voice)
    app.register_blueprint(telephony_views.audio)
    app.register_blueprint(auth_views.bp)
    app.register_blueprint(auth_views.api)
    csrf.exempt(telephony_views.voice)  # Twilio signs its requests instead
    csrf.exempt(auth_views.api)  # bearer tokens, no cookies

    from .cli import register

    register(app)
    return app


def _warn_about_dev_defaults(app: Flask) -> None:
    defaults = [k for k in ("SECRET_KEY", "CALLER_HASH_KEY", "TWILIO_AUTH_TOKEN") if is_dev_default(app.config, k)]
    if defaults and not app.config["TESTING"]:
        log.warning("development mode: %s use built-in defaults (never for real calls)", ", ".join(defaults))
