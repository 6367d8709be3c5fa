"""Access checks: bearer tokens and roles for the JSON API, signed-in roles for the web pages."""

from __future__ import annotations

import functools

from flask import abort, g, jsonify, request
from flask_login import current_user, login_required

from . import services
from .models import Role


def token_required(*roles: Role):
    """Require ``Authorization: Bearer TOKEN`` of an active user, with one of ``roles`` if given."""

    def decorator(view):
        @functools.wraps(view)
        def checked(*args, **kwargs):
            scheme, _, token = request.headers.get("Authorization", "").partition(" ")
            user = services.user_for_token(token.strip()) if scheme.lower() == "bearer" and token else None
            if user is None:
                return jsonify(error="a valid bearer token is required"), 401, {"WWW-Authenticate": "Bearer"}
            if roles and user.role not in roles:
                return jsonify(error="your role may not do this"), 403
            g.api_user = user
            return view(*args, **kwargs)

        return checked

    return decorator


def roles_required(*roles: Role):
    """A web page for signed-in people of ``roles``: others signed in get 403, strangers the sign-in page."""

    def decorator(view):
        @functools.wraps(view)
        @login_required
        def checked(*args, **kwargs):
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return checked

    return decorator
