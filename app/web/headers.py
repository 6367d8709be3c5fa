"""Security headers on every response, set in one place (an ``after_request`` of the app).

The pages load their scripts and styles from ``app/static`` only: no inline ``<script>``, ``on…=``
attribute, ``javascript:`` URL, ``<style>`` block or ``style=`` attribute, so the policy allows none.

Caching: every answer is ``no-store`` except static files and prompt audio. Nearly every page and API
answer can show case notes, transcripts, chats, search results or audit entries, and a rule by
exception ("no-store except these two public kinds") cannot miss a new page, where a list of the
confidential ones could. Static files and prompt audio hold nothing about anyone (Twilio fetches the
prompts without signing in), so they may be cached.
"""

from __future__ import annotations

from flask import Flask, Response, current_app, request

CONTENT_SECURITY_POLICY = ("default-src 'self'; script-src 'self'; style-src 'self'; object-src 'none'; "
                           "base-uri 'none'; frame-ancestors 'none'; form-action 'self'")
CACHEABLE_ENDPOINTS = frozenset({"static", "audio.audio_file"})  # public files: nothing confidential
HSTS = "max-age=31536000"  # a year; not includeSubDomains: the helpline's other hosts are not ours to decide


def secure(response: Response) -> Response:
    """Add the security headers to ``response`` (those a view set itself are kept, except caching)."""
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "no-referrer")
    headers.setdefault("X-Frame-Options", "DENY")
    if current_app.config["PUBLIC_BASE_URL"].startswith("https://"):
        headers.setdefault("Strict-Transport-Security", HSTS)
    if request.endpoint not in CACHEABLE_ENDPOINTS and "no-store" not in headers.get("Cache-Control", ""):
        headers["Cache-Control"] = "no-store"
        headers.pop("Expires", None)
    return response


def init_app(app: Flask) -> None:
    app.after_request(secure)
