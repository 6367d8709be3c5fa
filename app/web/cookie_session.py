"""Flask's signed-cookie session, built only when a request brings the cookie or a view uses it."""

from __future__ import annotations

from flask.sessions import SecureCookieSessionInterface


class LazyCookieSession(SecureCookieSessionInterface):
    """The same cookie and the same answers, without the signing work for requests that have no session.

    Flask makes a signing serializer on every request, cookie or not; Twilio's webhooks (most requests)
    carry no cookie and never touch the session.
    """

    def open_session(self, app, request):
        if app.secret_key and self.get_cookie_name(app) not in request.cookies:
            return self.session_class()  # what Flask answers too, minus the serializer
        return super().open_session(app, request)

    def save_session(self, app, session, response) -> None:
        if session or session.modified or session.accessed:  # otherwise Flask would change nothing either
            super().save_session(app, session, response)
