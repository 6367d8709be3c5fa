"""Qorgau: the IVR and call-handling backend of the 111 helpline."""

from __future__ import annotations

import logging
from pathlib import Path

from flask import Flask

from .config import is_dev_default, load_settings, resolve_paths
from .private_files import make_private

log = logging.getLogger("qorgau")


def create_app(config: dict | None = None) -> Flask:
    """Build the Flask app: settings from the environment, overridden by ``config``; wiring only."""
    app = Flask(__name__, instance_path=None)
    app.config.update(load_settings())
    app.config.update(config or {})
    resolve_paths(app.config)
    make_private(app.config)  # umask 077; the database, job queue, recordings and logs: this user's only
    _warn_about_dev_defaults(app)
    if app.config["TRUSTED_PROXY_HOPS"]:  # the client's address (for audit) is in X-Forwarded-For
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = app.config["TRUSTED_PROXY_HOPS"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)

    from .admin import views as admin_views
    from .audit import views as audit_views
    from .auth import views as auth_views
    from .board import views as board_views
    from .cases.taxonomy import taxonomy
    from .console import views as console_views
    from .db import db
    from .extensions import csrf, login_manager
    from .i18n import init_app as init_i18n
    from .ivr import services as ivr_service
    from .listen import views as listen_views
    from .places import views as places_views
    from .referrals import views as referrals_views
    from .replay import views as replay_views
    from .reports import views as reports_views
    from .search import views as search_views
    from .supervisor import api as supervisor_api
    from .telephony import views as telephony_views
    from .web import access_log, headers, limits
    from .web import init_app as init_web
    from .web.cookie_session import LazyCookieSession
    from .web.fields import RowId
    from .webchat import views as webchat_views

    app.url_map.converters["int"] = RowId  # before the routes: every <int:…> is bounded
    app.session_interface = LazyCookieSession()
    db.init_app(app)
    limits.init_app(app)  # request body limits, before anything reads a form
    csrf.init_app(app)
    login_manager.init_app(app)
    init_i18n(app)
    init_web(app)
    headers.init_app(app)  # CSP, nosniff, no-referrer, no framing, HSTS, no-store
    access_log.init_app()  # the development server logs paths without their query, and no address
    ivr_service.init_app(app)
    taxonomy()  # a broken taxonomy file stops the app here, not on an operator's first case

    app.register_blueprint(telephony_views.voice)
    app.register_blueprint(telephony_views.audio)
    app.register_blueprint(auth_views.bp)
    app.register_blueprint(auth_views.api)
    app.register_blueprint(console_views.bp)  # every POST of the console carries a CSRF token
    app.register_blueprint(supervisor_api.api)
    app.register_blueprint(admin_views.bp)
    app.register_blueprint(audit_views.bp)
    app.register_blueprint(board_views.bp)
    app.register_blueprint(replay_views.bp)  # its play report carries the CSRF token
    app.register_blueprint(search_views.bp)
    app.register_blueprint(reports_views.bp)
    app.register_blueprint(listen_views.bp)
    app.register_blueprint(referrals_views.bp)
    app.register_blueprint(places_views.bp)
    app.register_blueprint(webchat_views.bp)  # the child's page: no sign-in; every POST carries a CSRF token
    csrf.exempt(telephony_views.voice)  # Twilio signs its requests instead
    csrf.exempt(auth_views.api)  # bearer tokens, no cookies
    csrf.exempt(supervisor_api.api)

    _wire_outside_systems(app)

    from .cli import register

    register(app)
    return app


def _wire_outside_systems(app: Flask) -> None:
    """Twilio's REST API (or the built-in stand-in) and the job queue."""
    from .extensions import csrf
    from .jobs import make_huey, register_tasks
    from .telephony.gateway import TwilioGateway

    config = app.config
    api_base = config["TWILIO_API_BASE_URL"]
    if config["TWILIO_SIMULATOR"]:
        from .simulator.twilio_api import TwilioStandIn

        standin = TwilioStandIn(Path(config["INSTANCE_DIR"]) / "twilio-sim", config["TWILIO_ACCOUNT_SID"],
                                config["TWILIO_AUTH_TOKEN"])
        blueprint = standin.blueprint("/twilio-sim")
        csrf.exempt(blueprint)  # Basic auth, like Twilio's API
        app.register_blueprint(blueprint)
        app.extensions["qorgau.twilio_standin"] = standin
        api_base = config["PUBLIC_BASE_URL"] + "/twilio-sim"
        log.warning("development mode: Twilio REST calls go to the BUILT-IN SIMULATOR at %s, not to Twilio", api_base)
    app.extensions["qorgau.gateway"] = TwilioGateway(config["TWILIO_ACCOUNT_SID"], config["TWILIO_AUTH_TOKEN"], api_base)
    huey = make_huey(config)
    app.extensions["qorgau.huey"] = huey
    app.extensions["qorgau.tasks"] = register_tasks(huey)


def _warn_about_dev_defaults(app: Flask) -> None:
    defaults = [k for k in ("SECRET_KEY", "CALLER_HASH_KEY", "TWILIO_AUTH_TOKEN") if is_dev_default(app.config, k)]
    if defaults and not app.config["TESTING"]:
        log.warning("development mode: %s use built-in defaults (never for real calls)", ", ".join(defaults))
