"""In a real browser (Debian's chromium): no page of any role breaks the Content-Security-Policy.

Each role signs in and opens every page it may (the role × route matrix says which), with real records
behind the parameters; chromium reports each blocked script, style or form as a console message and a
``securitypolicyviolation`` event, and the test fails on any. A probe page with an inline script and
style first shows that such a violation is seen.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.console.browser import submit_sign_in
from tests.console.test_browser import CHROMIUM  # noqa: F401
from tests.test_access_matrix import ROUTES, _path, _rules, app, records  # noqa: F401

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed (make system-deps)"),
]

WATCH = """window.__violations = [];
document.addEventListener('securitypolicyviolation',
  e => window.__violations.push(e.violatedDirective + ' ' + (e.blockedURI || 'inline')));"""
NAMES = {"operator": "aigerim", "supervisor": "saule", "admin": "arman"}
PROBE = ('<!doctype html><title>probe</title><p style="color: red">x</p>'
         '<script>document.title = "ran";</script>')


def _pages(app, records, people, role: str) -> list[str]:  # noqa: F811
    """The pages (GET, HTML) a role may open."""
    column = ("stranger", "operator", "supervisor", "admin").index(role)
    pages = []
    for key, (rule, method) in sorted(_rules(app).items()):
        if method != "GET" or ROUTES[key][column] != 200 or rule.rule.startswith(("/api/", "/twilio-sim", "/static",
                                                                                 "/audio")):
            continue
        if rule.rule.endswith(("/stream", "/audio", ".csv", ".pdf")):  # streams and downloads: no page
            continue
        pages.append(_path(rule, records, people))
    return pages


class Watcher:
    """A page that keeps the CSP violations its console and its documents report."""

    def __init__(self, context):
        context.add_init_script(WATCH)
        self.page = context.new_page()
        self.page.set_default_timeout(20_000)
        self.reported: list[str] = []
        self.page.on("console", lambda message: self.reported.append(message.text)
                     if "Content Security Policy" in message.text else None)

    def open(self, url: str) -> list[str]:
        response = self.page.goto(url)
        assert "content-security-policy" in response.headers, f"{url} came without the policy"
        self.page.wait_for_load_state("load")
        self.page.wait_for_timeout(200)  # late scripts (live pages start their stream) report too
        seen = self.page.evaluate("window.__violations") + self.reported
        self.reported = []
        return seen


def test_a_page_with_inline_script_and_style_is_reported(app, live_server, browser):  # noqa: F811
    app.add_url_rule("/csp-probe", "csp_probe", lambda: PROBE)
    watcher = Watcher(browser.new_context())
    seen = watcher.open(f"{live_server}/csp-probe")
    assert watcher.page.title() == "probe"  # the inline script did not run
    assert any("script-src" in line for line in seen) and any("style" in line for line in seen), seen


def test_no_page_of_any_role_breaks_the_policy(app, people, records, live_server, browser):  # noqa: F811
    broken = []
    login = Watcher(browser.new_context(locale="en-GB"))
    broken += [f"/login: {v}" for v in login.open(f"{live_server}/login")]
    for role, name in NAMES.items():
        watcher = Watcher(browser.new_context(locale="en-GB"))
        watcher.open(f"{live_server}/login?lang=en")
        submit_sign_in(watcher.page, name)
        watcher.page.wait_for_load_state("load")
        assert "/login" not in watcher.page.url, f"{name} did not sign in"
        pages = _pages(app, records, people, role)
        assert pages
        for path in pages:
            broken += [f"{path} as {role}: {v}" for v in watcher.open(live_server + path)]
        watcher.page.context.close()
    assert not broken, "\n".join(broken)
