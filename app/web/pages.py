"""Links back to the page being shown: in another language (with its filters), or after signing in again.

A page shown in answer to a POST has no address of its own when its route only takes POST (a form that was
refused and shown again, say): links then lead to the start page, never to an address that answers 405.
"""

from __future__ import annotations

from urllib.parse import quote, urlencode

from flask import current_app, request, url_for
from werkzeug.exceptions import HTTPException, MethodNotAllowed


def _opens_with_get() -> bool:
    """Whether a GET of this request's path finds a page (or the same 404): anything but a POST-only route."""
    if request.url_rule is not None and "GET" in request.url_rule.methods:
        return True
    try:
        current_app.create_url_adapter(request).match(request.path, method="GET")
    except MethodNotAllowed:
        return False
    except HTTPException:  # no such page: asking again shows the same 404, in the language asked for
        return True
    return True


def this_page(**query: str) -> str:
    """This page's address with ``query`` changed in its query string; the start page's if it only takes POST."""
    if not _opens_with_get():
        return url_for("auth.home", **query)
    args = request.args.copy()
    for name, value in query.items():
        args[name] = value
    path = "/" + quote(request.path.lstrip("/"))  # "//host" would be another site's address
    return f"{path}?{urlencode(list(args.items(multi=True)))}" if args else path
