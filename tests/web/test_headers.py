"""Security headers on every answer of every route, for every role; no-store on all but public files."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from app.web.headers import CONTENT_SECURITY_POLICY
from tests.test_access_matrix import ROLES, _answer_response, _path, _rules, app, records, visitors  # noqa: F401

PUBLIC_FILES = {"GET /static/<path:filename>", "GET /audio/<any(prompts, hold):kind>/<path:filename>"}
TEMPLATES = Path(__file__).resolve().parents[2] / "app" / "templates"


def test_every_route_answers_with_the_security_headers(app, people, records, visitors):  # noqa: F811
    missing = []
    for key, (rule, method) in sorted(_rules(app).items()):
        path = _path(rule, records, people)
        for role in ROLES:
            response = _answer_response(app, visitors[role], method, path)
            try:
                headers = response.headers
                expected = {
                    "Content-Security-Policy": CONTENT_SECURITY_POLICY, "X-Content-Type-Options": "nosniff",
                    "Referrer-Policy": "no-referrer", "X-Frame-Options": "DENY",
                    "Strict-Transport-Security": "max-age=31536000",  # the tests' public URL is https
                }
                wrong = {name: headers.get(name) for name, value in expected.items() if headers.get(name) != value}
                cache = headers.get("Cache-Control", "")
                if (key in PUBLIC_FILES) == ("no-store" in cache):
                    wrong["Cache-Control"] = cache
                if wrong:
                    missing.append(f"{key} as {role} ({response.status_code}): {wrong}")
            finally:
                response.close()
    assert not missing, "\n".join(missing)


def test_the_policy_allows_no_inline_script_style_or_framing():
    directives = dict(part.strip().split(" ", 1) for part in CONTENT_SECURITY_POLICY.split(";"))
    assert directives["default-src"] == "'self'" and directives["script-src"] == "'self'"
    assert directives["object-src"] == "'none'" and directives["base-uri"] == "'none'"
    assert directives["frame-ancestors"] == "'none'" and directives["form-action"] == "'self'"
    assert "unsafe" not in CONTENT_SECURITY_POLICY


def test_no_answer_is_cached_unless_public_and_errors_are_covered_too(client):
    assert client.get("/no-such-page").headers["Cache-Control"] == "no-store"
    assert client.post("/voice/incoming").status_code == 403
    assert client.post("/voice/incoming").headers["Cache-Control"] == "no-store"
    with client.get("/static/web/base.css") as public:
        assert "no-store" not in public.headers.get("Cache-Control", "")


def test_hsts_only_when_the_public_address_is_https(make_app):
    plain = make_app(PUBLIC_BASE_URL="http://127.0.0.1:5000").test_client()
    assert "Strict-Transport-Security" not in plain.get("/login").headers


@pytest.mark.parametrize("template", sorted(TEMPLATES.rglob("*.html")), ids=lambda p: str(p.relative_to(TEMPLATES)))
def test_templates_have_nothing_inline_the_policy_would_block(template):
    text = template.read_text(encoding="utf-8")
    assert not re.search(r"<script(?![^>]*\bsrc=)", text), "inline <script>: put it in app/static/<area>/*.js"
    assert not re.search(r"\son[a-z]+\s*=", text, re.IGNORECASE), "inline event handler: use addEventListener"
    assert "javascript:" not in text.lower()
    assert not re.search(r"<style|\sstyle\s*=", text, re.IGNORECASE), "inline style: use a CSS file"
