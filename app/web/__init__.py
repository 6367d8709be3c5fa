"""What every web console shares: how things are displayed, how pages stay live, fields, links and errors."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Error answers for every request, and links back to the page shown (``this_page``) for every template."""
    from . import errors
    from .pages import this_page

    errors.init_app(app)
    app.jinja_env.globals["this_page"] = this_page
